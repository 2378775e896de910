"""Staff mode (维护模式): passphrase login, the staff menu and its pages. Screens only; rules live in services."""
