"""Idle warning with a countdown, idle expiry and the hard session limit, on an injected clock."""

from __future__ import annotations

from kiosk.services.activity import ActivityState, ActivityStatus, ActivityTracker
from tests.helpers import FakeClock


def test_idle_warning_counts_down_then_expires(clock: FakeClock) -> None:
    tracker = ActivityTracker(clock, idle_timeout_s=60, warning_s=20, hard_limit_s=600)
    clock.advance(59.5)
    assert tracker.status().state is ActivityState.ACTIVE
    clock.advance(0.5)
    assert tracker.status() == ActivityStatus(ActivityState.WARNING, 20)
    clock.advance(15.2)
    assert tracker.status() == ActivityStatus(ActivityState.WARNING, 5)
    clock.advance(4.8)
    assert tracker.status().state is ActivityState.IDLE_EXPIRED


def test_input_during_warning_resets_idle(clock: FakeClock) -> None:
    tracker = ActivityTracker(clock, idle_timeout_s=60, warning_s=20, hard_limit_s=600)
    clock.advance(70)
    assert tracker.status().state is ActivityState.WARNING
    tracker.touch()
    assert tracker.status().state is ActivityState.ACTIVE
    clock.advance(59)
    assert tracker.status().state is ActivityState.ACTIVE


def test_hard_limit_ends_even_an_active_session(clock: FakeClock) -> None:
    tracker = ActivityTracker(clock, idle_timeout_s=60, warning_s=20, hard_limit_s=600)
    for _ in range(20):
        clock.advance(30)
        tracker.touch()
    assert tracker.status().state is ActivityState.HARD_LIMIT
