"""The slip printer as a device in the XFS4IoT vocabulary (a :class:`~kiosk.services.devices.DeviceProbe`).

The printer (CUPS over IPP, or the demo's spool directory) is asked in a thread of its own, at most every
``interval_s``: a health check never waits on CUPS (an IPP device that does not answer takes seconds). ``status()``
returns the last answer at once; when an answer differs from the previous one ``on_change`` is called (the app
re-applies availability, so printing disappears or returns without waiting for the next health check).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kiosk.printing.printers import Printer, PrinterStatus
from kiosk_backend.schemas import DeviceStatus

log = logging.getLogger(__name__)

PAPER_OUT = "E-PR-002"
PAPER_JAM = "E-PR-003"
PRINTER_OFFLINE = "E-PR-004"  # stopped, paused, not accepting jobs, cover open, the device does not answer
PRINTER_ABSENT = "E-PR-005"  # the print service or the queue does not answer
PRINTER_ERROR = "E-PR-006"  # the printer itself reports an error (e.g. the spool directory is unusable)

NOT_READ = DeviceStatus(device="unknown")


def device_status(status: PrinterStatus) -> DeviceStatus:
    """Translate the printer's own status into device / media / paper states with a fault code."""
    reasons = status.reasons
    paper = "low" if any(reason.startswith("media-low") for reason in reasons) else "full"
    if any(reason.startswith("media-jam") for reason in reasons):
        return DeviceStatus(device="online", media="jammed", paper=paper, fault=PAPER_JAM)
    if status.state in ("ready", "busy"):
        return DeviceStatus(device="online", media="not_present", paper=paper)
    if status.state == "out_of_paper":
        return DeviceStatus(device="online", media="not_present", paper="out", fault=PAPER_OUT)
    if status.state == "offline":
        return DeviceStatus(device="offline", fault=PRINTER_OFFLINE)
    if status.state == "error":
        return DeviceStatus(device="hardware_error", fault=PRINTER_ERROR)
    return DeviceStatus(device="no_device", fault=PRINTER_ABSENT)  # "unknown": nobody answered


class PrinterProbe:
    """Asks the printer in the background; ``status()`` never blocks (``unknown`` until the first answer)."""

    def __init__(
        self,
        printer: Callable[[], Printer],
        interval_s: float = 10.0,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._printer = printer
        self._interval_s = interval_s
        self.on_change = on_change
        self._lock = threading.Lock()
        self._last = NOT_READ
        self._asked_at: float | None = None
        self._asking = False

    def status(self) -> DeviceStatus:
        """The last known state; starts a new question when the last one is older than the interval."""
        with self._lock:
            due = self._asked_at is None or time.monotonic() - self._asked_at >= self._interval_s
            if due and not self._asking:
                self._asking = True
                threading.Thread(target=self._ask, name="printer-probe", daemon=True).start()
            return self._last

    def refresh(self) -> DeviceStatus:
        """Ask the printer now (blocking) and remember the answer."""
        try:
            answer = device_status(self._printer().status())
        except Exception:  # a broken driver is a broken printer, never a crashed kiosk
            log.exception("printer status failed")
            answer = DeviceStatus(device="hardware_error", fault=PRINTER_ERROR)
        with self._lock:
            changed = answer != self._last
            self._last = answer
            self._asked_at = time.monotonic()
        if changed and self.on_change is not None:
            self.on_change()
        return answer

    def _ask(self) -> None:
        try:
            self.refresh()
        finally:
            with self._lock:
                self._asking = False
