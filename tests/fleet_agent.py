"""A headless kiosk for the fleet test: the kiosk's own heartbeat, availability and control services in a process.

``python -m tests.fleet_agent URL TOKEN KIOSK_ID LOG INTERVAL PAPER`` beats every INTERVAL seconds until killed and
appends one JSON line per beat to LOG: when it started, whether it was delivered, the remote reason in force after it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from kiosk.backend_client.http_client import HttpBackend
from kiosk.clock import SystemClock
from kiosk.config import BackendSection, KioskSettings
from kiosk.context import KioskContext
from kiosk.journal import Journal
from kiosk.services.devices import CARD_READER, PRINTER, DeviceRegistry, StaticProbe
from kiosk_backend.schemas import DeviceStatus


def main(argv: list[str]) -> int:
    url, token, kiosk_id, log_path, interval, paper = argv
    log = Path(log_path)
    devices = DeviceRegistry(
        {
            CARD_READER: StaticProbe(DeviceStatus(device="online", media="not_present")),
            PRINTER: StaticProbe(DeviceStatus(device="online", paper=paper)),  # type: ignore[arg-type]
        }
    )
    backend = HttpBackend(url, token, timeout_s=5)
    journal = Journal(log.parent / f"journal-{kiosk_id}")
    journal.append("kiosk.start", None, {"kiosk_id": kiosk_id})
    settings = KioskSettings(kiosk_id=kiosk_id, backend=BackendSection(startup_grace_s=0))
    context = KioskContext.create(settings, SystemClock(), backend, journal=journal, devices=devices)
    assert context.heartbeat is not None and context.control is not None
    while True:
        started = time.time()
        context.availability.check()
        outcome = context.heartbeat.beat()
        if outcome.command_changed:
            context.availability.reevaluate()
        record = {
            "started": started,
            "delivered": outcome.delivered,
            "remote": context.control.remote_reason,
            "state": context.availability.current.state.value,
        }
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        time.sleep(max(0.0, float(interval) - (time.time() - started)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
