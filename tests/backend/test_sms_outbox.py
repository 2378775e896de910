"""The SMS gateway and the notification queue: whole lines from many writers, retries after a failed gateway or a
crash between claiming and sending, and each worker's periodic sweep."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from kiosk_backend.app import create_app
from kiosk_backend.config import BackendSettings, DatabaseSettings, SmsSettings
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.models import SmsOutbox
from kiosk_backend.services.notifications import deliver_pending
from kiosk_backend.services.sms import FileSmsGateway, SmsMessage, read_outbox


class DownGateway:
    def send(self, message: SmsMessage) -> None:
        raise ConnectionRefusedError("gateway down")


def _writer(path: str, worker: int) -> None:
    gateway = FileSmsGateway(Path(path))
    for n in range(100):
        text = f"{worker}-{n} " + "挂失" * 40
        gateway.send(SmsMessage(f"{worker}-{n}", "13900000000", "card_status", text, datetime.now(UTC)))


def test_file_gateway_lines_stay_whole_with_several_writers(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_writer, args=(str(outbox), worker)) for worker in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    messages = read_outbox(outbox)  # every line parses
    assert sorted(str(m["id"]) for m in messages) == sorted(f"{w}-{n}" for w in range(3) for n in range(100))
    assert {tuple(sorted(m)) for m in messages} == {("id", "kind", "ref", "sent_at", "text", "to")}


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'sms.sqlite3'}"
    upgrade_to_head(url)
    return make_engine(url)


def _queue(engine: Engine, text: str, claimed_at: datetime | None = None) -> int:
    with Session(engine) as db, db.begin():
        row = SmsOutbox(phone="13900000001", kind="card_status", text=text, created_at=datetime.now(UTC))
        row.claimed_at = claimed_at
        db.add(row)
        db.flush()
        return row.id


def test_a_failed_send_is_retried_after_its_claim_lapses(engine: Engine, tmp_path: Path) -> None:
    gateway = FileSmsGateway(tmp_path / "outbox.jsonl")
    message_id = _queue(engine, "第一条")
    assert deliver_pending(engine, DownGateway()) == 0
    assert deliver_pending(engine, gateway) == 0  # claimed a moment ago: another worker may still be sending it
    with Session(engine) as db, db.begin():
        db.execute(
            update(SmsOutbox)
            .where(SmsOutbox.id == message_id)
            .values(claimed_at=datetime.now(UTC) - timedelta(seconds=61))
        )
    assert deliver_pending(engine, gateway) == 1
    assert deliver_pending(engine, gateway) == 0  # sent once
    assert [(m["id"], m["text"]) for m in read_outbox(gateway.path)] == [(f"n{message_id}", "第一条")]
    with Session(engine) as db:
        assert db.execute(select(SmsOutbox.sent_at).where(SmsOutbox.id == message_id)).scalar_one() is not None


def test_each_worker_sweeps_what_a_crash_left(engine: Engine, tmp_path: Path) -> None:
    orphan = _queue(engine, "崩溃前已认领", claimed_at=datetime.now(UTC) - timedelta(minutes=5))
    outbox = tmp_path / "sweep.jsonl"
    settings = BackendSettings(
        database=DatabaseSettings(url=str(engine.url)), sms=SmsSettings(outbox=str(outbox), redeliver_interval_s=1)
    )
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 15
        while not read_outbox(outbox) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [m["id"] for m in read_outbox(outbox)] == [f"n{orphan}"]
