"""Typed client of the records backend (hides HTTP) and the embedded backend launcher used by demo mode."""
