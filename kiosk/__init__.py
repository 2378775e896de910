"""The terminal app that runs on a hall kiosk (社保自助终端)."""

__version__ = "0.1.0"
