"""Kiosk side of the fleet: heartbeat sender, remote commands through ServiceControl, resumable journal upload.

The backend is the real app (SQLite) behind the real ``HttpBackend``; a transport in between fails on demand —
before the request reaches the backend, or after (the answer is lost) — to prove no gap and no duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.backend_client.http_client import HttpBackend
from kiosk.backend_client.protocol import BackendRejected
from kiosk.config import KioskSettings
from kiosk.context import KioskContext
from kiosk.journal import Journal
from kiosk.services.availability import ServiceState
from kiosk.services.devices import CARD_READER, PRINTER, StaticProbe
from kiosk.services.journal_upload import JournalUploader
from kiosk_backend.app import create_app
from kiosk_backend.config import BackendSettings, DatabaseSettings, FleetSettings
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.models import KioskJournalEntry
from kiosk_backend.schemas import DeviceStatus, JournalAck, JournalUpload
from kiosk_backend.services.kiosks import register_kiosk
from tests.helpers import FakeClock

OPERATOR = "op-token-kiosk-side"


class FlakyTransport(httpx.BaseTransport):
    """Passes requests to the app; ``fail_before`` refuses to connect, ``fail_after`` loses the answer."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.fail_before = False
        self.fail_after = 0  # how many answers to lose
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.fail_before:
            raise httpx.ConnectError("backend down", request=request)
        response = self.inner.handle_request(request)
        self.sent += 1
        if self.fail_after:
            self.fail_after -= 1
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


@dataclass
class Rig:
    client: TestClient
    engine: object
    transport: FlakyTransport
    backend: HttpBackend
    journal: Journal
    context: KioskContext


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Iterator[Rig]:
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    token = register_kiosk(engine, "NX-YC-0001")
    settings = BackendSettings(database=DatabaseSettings(url=url), fleet=FleetSettings(operator_token=OPERATOR))
    with TestClient(create_app(settings)) as client:
        transport = FlakyTransport(client._transport)
        backend = HttpBackend("http://testserver", token, transport=transport)
        journal = Journal(tmp_path / "journal")
        journal.append("kiosk.start", None, {"kiosk_id": "NX-YC-0001"})
        context = KioskContext.create(KioskSettings(data_dir=tmp_path / "data"), clock, backend, journal=journal)
        yield Rig(client, engine, transport, backend, journal, context)
        journal.close()
        backend.close()
    engine.dispose()  # type: ignore[attr-defined]


def held_seqs(rig: Rig) -> list[int]:
    with Session(rig.engine) as db:  # type: ignore[arg-type]
        return list(db.scalars(select(KioskJournalEntry.seq).order_by(KioskJournalEntry.seq)))


def test_heartbeat_reports_devices_and_applies_remote_out_of_service_and_back(rig: Rig) -> None:
    ctx = rig.context
    ctx.devices.set_probe(PRINTER, StaticProbe(DeviceStatus(device="online", paper="low")))
    assert ctx.heartbeat is not None and ctx.control is not None
    assert ctx.heartbeat.beat().delivered
    row = rig.client.get("/v1/fleet", headers={"Authorization": f"Bearer {OPERATOR}"}).json()["kiosks"][0]
    assert row["devices"]["printer"]["paper"] == "low" and row["journal_seq"] == rig.journal.last().seq  # type: ignore[union-attr]
    rig.client.post(
        "/v1/fleet/kiosks/NX-YC-0001/service",
        json={"mode": "out_of_service", "reason": "系统升级"},
        headers={"Authorization": f"Bearer {OPERATOR}"},
    )
    outcome = ctx.heartbeat.beat()
    assert outcome.delivered and outcome.command_changed
    availability = ctx.availability.reevaluate()
    assert availability.state is ServiceState.OUT_OF_SERVICE
    assert (availability.fault_code, availability.reason_text) == ("E-RM-001", "系统升级")
    rig.client.post(
        "/v1/fleet/kiosks/NX-YC-0001/service",
        json={"mode": "in_service"},
        headers={"Authorization": f"Bearer {OPERATOR}"},
    )
    assert ctx.heartbeat.beat().command_changed
    assert ctx.availability.reevaluate().fault_code != "E-RM-001"
    kinds = [entry.kind for entry in rig.journal.entries()]
    assert "service.out_of_service" in kinds and "service.in_service" in kinds


def test_missed_heartbeat_is_no_error_and_the_next_one_carries_the_latest_state(rig: Rig) -> None:
    assert rig.context.heartbeat is not None
    rig.transport.fail_before = True
    outcome = rig.context.heartbeat.beat()
    assert not outcome.delivered and outcome.error == "backend_unavailable"
    rig.context.devices.set_probe(CARD_READER, StaticProbe(DeviceStatus(device="online", media="present")))
    rig.transport.fail_before = False
    assert rig.context.heartbeat.beat().delivered
    row = rig.client.get("/v1/fleet", headers={"Authorization": f"Bearer {OPERATOR}"}).json()["kiosks"][0]
    assert row["devices"]["card_reader"]["media"] == "present"


def test_upload_resumes_after_an_outage_with_no_gap_and_no_duplicate(rig: Rig) -> None:
    uploader = rig.context.uploader
    assert uploader is not None
    for index in range(120):
        rig.journal.append("slip.printed", None, {"n": index})
    total = rig.journal.last().seq  # type: ignore[union-attr]
    rig.transport.fail_before = True
    assert uploader.upload_pending() == 0
    assert uploader.state().last_error == "backend_unavailable" and held_seqs(rig) == []
    rig.transport.fail_before = False
    rig.transport.fail_after = 1  # the backend stores the first batch but the answer is lost
    assert uploader.upload_pending() == 0
    assert rig.journal.uploaded_seq() == 0 and held_seqs(rig) == list(range(1, 51))
    assert uploader.upload_pending() == total  # resends batch 1 (ignored), then the rest
    assert held_seqs(rig) == list(range(1, total + 1))
    assert uploader.state().pending == 0 and uploader.state().last_error is None
    rig.journal.append("session.end", None, {})
    assert uploader.upload_pending() == 1
    assert held_seqs(rig)[-1] == total + 1
    with Session(rig.engine) as db:  # type: ignore[arg-type]
        assert db.scalar(select(func.count()).select_from(KioskJournalEntry)) == total + 1


class ShortBodyBackend:
    """A backend whose body limit only fits ``limit`` entries (answers like the real 413)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held: list[int] = []

    def upload_journal(self, batch: JournalUpload) -> JournalAck:
        if len(batch.entries) > self.limit:
            raise BackendRejected(413, "payload_too_large", "request body too large")
        for entry in batch.entries:
            if entry.seq == len(self.held) + 1:
                self.held.append(entry.seq)
        return JournalAck(uploaded_seq=len(self.held), uploaded_hash=batch.entries[-1].hash)


def test_batches_shrink_under_the_body_limit(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    for index in range(30):
        journal.append("slip.printed", None, {"n": index})
    backend = ShortBodyBackend(limit=7)
    uploader = JournalUploader(journal, backend, batch_size=50)  # type: ignore[arg-type]
    assert uploader.upload_pending() == 30
    assert backend.held == list(range(1, 31)) and uploader.state().last_error is None
    journal.close()


def test_old_entries_are_pruned_only_after_a_confirmed_upload(tmp_path: Path, clock: FakeClock) -> None:
    journal = Journal(tmp_path / "journal")
    old = clock.now() - timedelta(days=200)
    for index in range(5):
        journal.append("slip.printed", None, {"n": index}, at=old)
    journal.append("slip.printed", None, {"n": 5}, at=clock.now())
    down = ShortBodyBackend(limit=0)  # refuses everything: nothing confirmed, nothing pruned
    assert JournalUploader(journal, down, batch_size=1, clock=clock).upload_pending() == 0  # type: ignore[arg-type]
    assert len(list(journal.entries())) == 6
    uploader = JournalUploader(journal, ShortBodyBackend(limit=50), clock=clock)  # type: ignore[arg-type]
    assert uploader.upload_pending() == 6 and uploader.pruned == 5
    assert [entry.seq for entry in journal.entries()] == [6] and journal.verify().ok
    journal.close()
