"""``python -m kiosk`` = the ``kiosk`` command."""

from kiosk.cli import main

raise SystemExit(main())
