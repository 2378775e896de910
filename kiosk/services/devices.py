"""Device status in the XFS4IoT style: device state, media state, paper state, and the action for each fault.

Card reader and printer implementations plug in as :class:`DeviceProbe`; until they exist the kiosk reports them as
``unknown`` (not built), which neither takes the kiosk down nor hides a function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from kiosk_backend.schemas import DeviceStatus

CARD_READER = "card_reader"
PRINTER = "printer"


class FaultAction(Enum):
    """What resolves a fault (XFS4IoT ``action``)."""

    RESET = "reset"
    CLEAR_BY_STAFF = "clear_by_staff"
    CALL_MAINTENANCE = "call_maintenance"


class DeviceProbe(Protocol):
    """Anything that can tell its XFS-style status (card reader, printer); must not raise."""

    def status(self) -> DeviceStatus:
        """The device's status now (blocking; call off the UI thread)."""
        ...


@dataclass
class StaticProbe:
    """A probe returning a fixed status (``unknown`` for parts not built yet; tests set it freely)."""

    current: DeviceStatus

    def status(self) -> DeviceStatus:
        return self.current


NOT_BUILT = DeviceStatus(device="unknown", fault=None)


def action_for(status: DeviceStatus) -> FaultAction | None:
    """The action that clears this state, or None when there is nothing to do."""
    if status.device in ("hardware_error", "no_device"):
        return FaultAction.CALL_MAINTENANCE
    if status.device == "offline":
        return FaultAction.RESET
    if status.paper in ("out", "low") or status.media == "jammed":
        return FaultAction.CLEAR_BY_STAFF
    return None


class DeviceRegistry:
    """The kiosk's devices by name; reads every probe, catching a misbehaving one as ``hardware_error``."""

    def __init__(self, probes: Mapping[str, DeviceProbe] | None = None) -> None:
        self._probes: dict[str, DeviceProbe] = {CARD_READER: StaticProbe(NOT_BUILT), PRINTER: StaticProbe(NOT_BUILT)}
        self._probes.update(probes or {})
        self._plugged = set(probes or {})
        self.last: dict[str, DeviceStatus] = {name: NOT_BUILT for name in self._probes}

    def set_probe(self, name: str, probe: DeviceProbe) -> None:
        """Plug in (or replace) a device's probe."""
        self._probes[name] = probe
        self._plugged.add(name)

    def plugged(self, name: str) -> bool:
        """Whether a probe was plugged in for this device (else it reports ``unknown``: not built)."""
        return name in self._plugged

    def read(self) -> dict[str, DeviceStatus]:
        """Every device's status now (blocking)."""
        result: dict[str, DeviceStatus] = {}
        for name, probe in self._probes.items():
            try:
                result[name] = probe.status()
            except Exception:  # a broken driver must not take the kiosk's heartbeat down with it
                result[name] = DeviceStatus(device="hardware_error", fault="E-DV-001")
        self.last = result
        return result
