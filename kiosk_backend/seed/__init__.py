"""Deterministic synthetic records: ``kiosk-backend seed --persons N [--seed S]``."""
