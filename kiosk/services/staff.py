"""Staff mode's use cases (no UI): device status with actions, self-tests, journal viewer, counters, out of
service, configuration view and journal export. Every action is journaled with the staff member's id.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, SecretStr

from kiosk.backend_client.protocol import Backend, BackendRejected, BackendUnavailable
from kiosk.clock import Clock
from kiosk.config import KioskSettings
from kiosk.journal import Journal, JournalEntry
from kiosk.services.availability import AvailabilityMonitor
from kiosk.services.counters import Counters
from kiosk.services.devices import DeviceRegistry, FaultAction, action_for
from kiosk.services.journal_upload import JournalUploader
from kiosk.services.service_control import ServiceControl

TestPrintHook = Callable[[], str]  # prints a test slip; returns a short description; raises on failure
TestCardHook = Callable[[], str]  # reads the card in the reader (masked summary); raises on failure
DISK_LOW_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class StatusLine:
    """One row of the device status screen: part, XFS-style state words, fault code and the action that clears it."""

    part: str
    state: str
    fault: str | None
    action: FaultAction | None


@dataclass(frozen=True)
class TestResult:
    """One self-test."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class ExportResult:
    """Where the journal was copied and whether the copy verified."""

    ok: bool
    path: Path | None
    entries: int
    problem: str = ""


class StaffService:
    """What a logged-in staff member can do; the screens call these (blocking ones from worker threads)."""

    def __init__(
        self,
        settings: KioskSettings,
        clock: Clock,
        backend: Backend,
        availability: AvailabilityMonitor,
        control: ServiceControl,
        counters: Counters,
        devices: DeviceRegistry,
        journal: Journal | None = None,
        uploader: JournalUploader | None = None,
        test_print: TestPrintHook | None = None,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._backend = backend
        self._availability = availability
        self.control = control
        self.counters = counters
        self._devices = devices
        self._journal = journal
        self._uploader = uploader
        self.test_print_hook = test_print
        self.test_card_hook: TestCardHook | None = None  # the card reader package plugs its test read in here
        self.staff_id: str | None = None

    # ------------------------------------------------------------ session
    def begin(self, staff_id: str, method: str) -> None:
        """Staff mode starts (the login itself was journaled by the authenticator)."""
        self.staff_id = staff_id
        self.record("staff.mode_start", {"method": method})

    def end(self) -> None:
        """Staff mode ends."""
        if self.staff_id is not None:
            self.record("staff.mode_end", {})
        self.staff_id = None

    def record(self, kind: str, detail: dict[str, str | int | bool | None], code: str | None = None) -> None:
        """Journal one staff action."""
        if self._journal is not None:
            self._journal.append(kind, code, {"staff": self.staff_id or "-", **detail}, at=self._clock.now())

    # ------------------------------------------------------------ device status
    def device_status(self) -> list[StatusLine]:
        """Card reader, printer, backend, disk and journal, each with its fault and action (blocking)."""
        self.record("staff.view", {"screen": "device_status"})
        lines = []
        for name, status in self._devices.read().items():
            not_built = status.device == "unknown" and not self._devices.plugged(name)
            words = "unknown (not built)" if not_built else status.device
            extra = [f"media {status.media}"] if status.media != "unknown" else []
            extra += [f"paper {status.paper}"] if status.paper != "unknown" else []
            state = " · ".join([words, *extra])
            lines.append(StatusLine(name, state, status.fault, action_for(status)))
        current = self._availability.current
        latency = f"{current.latency_ms:.0f} ms" if current.latency_ms is not None else "-"
        backend_down = current.fault_code == "E-BK-001"
        lines.append(
            StatusLine(
                "backend",
                f"{'offline' if backend_down else 'online'} · {latency}",
                current.fault_code if backend_down else None,
                FaultAction.CALL_MAINTENANCE if backend_down else None,
            )
        )
        usage = shutil.disk_usage(self.settings.resolved_data_dir())
        low = usage.free < DISK_LOW_BYTES
        lines.append(
            StatusLine(
                "disk",
                f"{usage.free // (1024 * 1024)} MB free of {usage.total // (1024 * 1024)} MB",
                "E-DK-001" if low else None,
                FaultAction.CALL_MAINTENANCE if low else None,
            )
        )
        lines.append(self._journal_line())
        return lines

    def _journal_line(self) -> StatusLine:
        if self._journal is None:
            return StatusLine("journal", "no_device", "E-JN-001", FaultAction.CALL_MAINTENANCE)
        last = self._journal.last()
        state = f"#{last.seq if last else 0}"
        fault = None
        if self._uploader is not None:
            upload = self._uploader.state()
            state += f" · uploaded #{upload.uploaded_seq} · pending {upload.pending}"
            if upload.last_error and upload.last_error != "backend_unavailable":
                fault = f"E-JN-002 {upload.last_error}"
        return StatusLine("journal", state, fault, FaultAction.CALL_MAINTENANCE if fault else None)

    def functions(self) -> dict[str, bool]:
        """Which citizen functions the devices allow now."""
        offered = self._availability.functions()
        return {"card_services": offered.card_services, "queries": offered.queries, "printing": offered.printing}

    def clock_now(self) -> datetime:
        """The kiosk's local time (for showing entry times)."""
        return self._clock.now()

    # ------------------------------------------------------------ self-tests
    def test_backend(self) -> TestResult:
        """Backend round trip (health), timed."""
        started = time.monotonic()
        try:
            health = self._backend.health()
        except (BackendUnavailable, BackendRejected) as exc:
            result = TestResult("backend", False, str(exc))
        else:
            elapsed = (time.monotonic() - started) * 1000
            result = TestResult("backend", health.status == "ok", f"{health.status} {elapsed:.0f} ms")
        self.record("staff.self_test", {"test": "backend", "ok": result.ok})
        return result

    def test_journal(self) -> TestResult:
        """Verify the journal's chain and head."""
        if self._journal is None:
            result = TestResult("journal", False, "no journal")
        else:
            outcome = self._journal.verify()
            result = TestResult("journal", outcome.ok, outcome.problem or f"{outcome.entries} entries intact")
        self.record("staff.self_test", {"test": "journal", "ok": result.ok})
        return result

    def test_print(self) -> TestResult:
        """A test slip through the pluggable printer hook."""
        return self._hook_test("print", self.test_print_hook, "printer not built")

    def test_card(self) -> TestResult:
        """Read the card in the reader through the pluggable card reader hook."""
        return self._hook_test("card", self.test_card_hook, "card reader not built")

    def _hook_test(self, name: str, hook: Callable[[], str] | None, missing: str) -> TestResult:
        if hook is None:
            result = TestResult(name, False, missing)
        else:
            try:
                result = TestResult(name, True, hook())
            except Exception as exc:  # the device's own error, shown to staff
                result = TestResult(name, False, f"{type(exc).__name__}: {exc}")
        self.record("staff.self_test", {"test": name, "ok": result.ok})
        return result

    # ------------------------------------------------------------ journal, counters, service
    def journal_today(self) -> list[JournalEntry]:
        """Today's entries (already masked: the journal refuses secrets and unmasked ID numbers)."""
        self.record("staff.view", {"screen": "journal"})
        if self._journal is None:
            return []
        return self._journal.entries_on(self._clock.now())

    def paper_refilled(self) -> None:
        """Reset the paper counter (journaled by the counters)."""
        self.counters.paper_refilled()

    def set_out_of_service(self, reason: str | None) -> None:
        """Local out of service with a reason, or back in service (None)."""
        self.control.set_local(reason)
        self._availability.reevaluate()

    # ------------------------------------------------------------ configuration
    def config_lines(self) -> list[str]:
        """Every setting as ``section.key = value``; secrets show only whether they are set."""
        self.record("staff.view", {"screen": "config"})
        return list(_flatten(self.settings))

    # ------------------------------------------------------------ export
    def export_journal(self, target: Path) -> ExportResult:
        """Copy the journal (a consistent SQLite backup + head) into ``target`` and verify the copy."""
        if self._journal is None:
            return ExportResult(False, None, 0, "no journal")
        stamp = self._clock.now().strftime("%Y%m%d-%H%M%S")
        destination = target / f"journal-{self.settings.kiosk_id}-{stamp}"
        try:
            destination.mkdir(parents=True, exist_ok=False)
            shutil.copyfile(self._journal.head_path, destination / "journal.head")  # head first: the copy may be newer
            with (
                sqlite3.connect(self._journal.path) as source,
                sqlite3.connect(destination / "journal.sqlite3") as copy,
            ):
                source.backup(copy)
            source.close()
            copy.close()
        except OSError as exc:
            result = ExportResult(False, None, 0, f"cannot write {target}: {exc.strerror or exc}")
            self.record("staff.journal_export", {"ok": False}, "E-JN-003")
            return result
        exported = Journal(destination)
        try:
            check = exported.verify()
        finally:
            exported.close()
        result = ExportResult(check.ok, destination, check.entries, check.problem)
        self.record(
            "staff.journal_export", {"ok": check.ok, "entries": check.entries}, None if check.ok else "E-JN-003"
        )
        return result


def _flatten(model: BaseModel, prefix: str = "") -> list[str]:
    lines = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            lines.extend(_flatten(value, key + "."))
        elif isinstance(value, SecretStr):
            lines.append(f"{key} = {'(set, hidden)' if value.get_secret_value() else '(empty)'}")
        else:
            lines.append(f"{key} = {value if value not in (None, '') else '(default)'}")
    return lines
