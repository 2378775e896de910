"""The availability monitor: grace at start, failure threshold, recovery, and every change journaled."""

from __future__ import annotations

from pathlib import Path

from kiosk.journal import Journal, JournalUnavailable
from kiosk.services.availability import (
    BACKEND_UNREACHABLE,
    JOURNAL_UNAVAILABLE,
    AvailabilityMonitor,
    ServiceState,
)
from tests.helpers import FakeBackend, FakeClock


def test_transitions_are_journaled_once_each(tmp_path: Path, clock: FakeClock) -> None:
    backend = FakeBackend(up=True)
    journal = Journal(tmp_path)
    monitor = AvailabilityMonitor(backend, clock, startup_grace_s=0, failures_threshold=2, journal=journal)
    assert monitor.check().state is ServiceState.IN_SERVICE
    assert monitor.check().state is ServiceState.IN_SERVICE
    backend.up = False
    assert monitor.check().state is ServiceState.IN_SERVICE  # one failure is tolerated
    down = monitor.check()
    assert down.state is ServiceState.OUT_OF_SERVICE and down.fault_code == BACKEND_UNREACHABLE
    monitor.check()
    backend.up = True
    assert monitor.check().state is ServiceState.IN_SERVICE
    states = [(e.detail["state"], e.code) for e in journal.entries()]
    assert states == [("in_service", None), ("out_of_service", BACKEND_UNREACHABLE), ("in_service", None)]
    assert journal.verify().ok


def test_grace_period_then_out_of_service(clock: FakeClock) -> None:
    monitor = AvailabilityMonitor(FakeBackend(up=False), clock, startup_grace_s=10, failures_threshold=3)
    assert monitor.check().state is ServiceState.STARTING
    clock.advance(11)
    assert monitor.check().state is ServiceState.OUT_OF_SERVICE


class BrokenJournal(Journal):
    def append(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        raise JournalUnavailable("disk full")


def test_a_journal_that_cannot_be_written_takes_the_kiosk_out_of_service(tmp_path: Path, clock: FakeClock) -> None:
    monitor = AvailabilityMonitor(FakeBackend(up=True), clock, 0, 1, journal=BrokenJournal(tmp_path))
    result = monitor.check()
    assert result.state is ServiceState.OUT_OF_SERVICE and result.fault_code == JOURNAL_UNAVAILABLE
