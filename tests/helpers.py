"""Test helpers: repository path, external tools (never skipped in CI), fake clock and backend."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.backend_client.protocol import BackendUnavailable
from kiosk_backend.schemas import (
    Health,
    HeartbeatAnswer,
    HeartbeatRequest,
    JournalAck,
    JournalUpload,
    JournalUploadEntry,
    ServiceCommand,
)

REPO = Path(__file__).resolve().parent.parent
STRICT = os.environ.get("KIOSK_TEST_STRICT") == "1"  # set by .ci/run: a missing tool fails instead of skipping


def require_tool(name: str) -> str:
    """Path of an external program a test needs. In CI (strict) its absence is a failure, never a skip."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed; `make test` installs it"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    return path


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 22, 9, 30, 0, tzinfo=timezone(timedelta(hours=8)))
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


class FakeBackend:
    """A backend whose health the test switches on and off; counts calls."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.calls = 0
        self.beats: list[HeartbeatRequest] = []
        self.uploaded: list[JournalUploadEntry] = []
        self.service = ServiceCommand(mode="in_service")

    def health(self) -> Health:
        self.calls += 1
        if not self.up:
            raise BackendUnavailable("connection refused")
        return Health(status="ok", version="test", database="ok")

    def heartbeat(self, beat: HeartbeatRequest) -> HeartbeatAnswer:
        """Answers the command in ``self.service`` (the test plays the operator)."""
        self.beats.append(beat)
        if not self.up:
            raise BackendUnavailable("connection refused")
        return HeartbeatAnswer(received_at=beat.sent_at, service=self.service, interval_s=30)

    def upload_journal(self, batch: JournalUpload) -> JournalAck:
        if not self.up:
            raise BackendUnavailable("connection refused")
        self.uploaded.extend(batch.entries)
        return JournalAck(uploaded_seq=batch.entries[-1].seq, uploaded_hash=batch.entries[-1].hash)

    def close(self) -> None:
        pass
