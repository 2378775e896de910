"""Reusable widgets: status bar, keypad, masked field, countdown, data tables."""
