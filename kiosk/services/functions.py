"""Which functions the kiosk offers, decided from device states alone (no UI).

No printer (or no paper, or a jam) → printing is hidden, queries are still offered. No card reader (absent, broken or
offline) → the kiosk is out of service (暂停服务) with the reason, because every citizen function needs the card.
A device reported ``unknown`` (driver not built / not yet read) blocks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from kiosk.services.devices import CARD_READER, PRINTER
from kiosk_backend.schemas import DeviceStatus

CARD_READER_FAULT = "E-CR-001"
PRINTER_UNAVAILABLE = "E-PR-001"
Need = Literal["card", "query", "printing"]


@dataclass(frozen=True)
class Functions:
    """What is offered now; ``blocking_fault``/``reason_key`` when the kiosk cannot serve at all."""

    card_services: bool
    queries: bool
    printing: bool
    blocking_fault: str | None = None
    reason_key: str | None = None
    printing_fault: str | None = None

    def allows(self, *needs: Need) -> bool:
        """Whether a menu entry needing these devices is offered (menus filter their entries with this)."""
        offered = {"card": self.card_services, "query": self.queries, "printing": self.printing}
        return all(offered[need] for need in needs)


def offered_functions(devices: Mapping[str, DeviceStatus]) -> Functions:
    """Apply the per-function rules to the devices' states."""
    reader = devices.get(CARD_READER)
    printer = devices.get(PRINTER)
    reader_ok = reader is None or reader.device in ("online", "unknown")
    printer_ok = printer is None or (
        printer.device in ("online", "unknown") and printer.paper != "out" and printer.media != "jammed"
    )
    printing_fault = None if printer_ok else (printer.fault if printer and printer.fault else PRINTER_UNAVAILABLE)
    if not reader_ok:
        return Functions(False, False, False, CARD_READER_FAULT, "error.card_reader", printing_fault)
    return Functions(True, True, printer_ok, printing_fault=printing_fault)
