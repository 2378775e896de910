"""``python -m kiosk_backend`` = the ``kiosk-backend`` command."""

from kiosk_backend.cli import main

raise SystemExit(main())
