"""The same card-less loss report confirmed from two kiosks at once, through two ``serve`` worker processes that
share one database (PostgreSQL, and a SQLite file): exactly one report, one history row, one SMS; the other kiosk
gets 409 ``card_not_normal``."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kiosk.backend_client.http_client import HttpBackend
from kiosk.backend_client.protocol import BackendRejected
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.models import Card, CardStatusChange, SmsOutbox
from kiosk_backend.schemas import LossReportConfirm, LossReportStart, LossReportVerify
from kiosk_backend.seed.load import seed_database
from kiosk_backend.services.kiosks import register_kiosk
from tests.backend.card_holders import Holder, holders, sms_code
from tests.backend.conftest import DEMO
from tests.backend.pg import PostgresServer
from tests.backend.serve_process import ServeProcess

ROUNDS = 3


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.create_database("kiosk_loss_concurrency")
    upgrade_to_head(url)
    engine = make_engine(url)
    seed_database(engine, 8 + 2 * ROUNDS, 11, DEMO.cards)
    try:
        yield url, engine
    finally:
        engine.dispose()


def ticket(backend: HttpBackend, server: ServeProcess, holder: Holder) -> str:
    """Steps 1 and 2 through the kiosk's client: a challenge, the code from the SMS outbox, a ticket."""
    challenge = backend.start_loss_report(LossReportStart(ssn=holder.ssn, name=holder.name))
    shown = backend.verify_loss_report(
        challenge.challenge_id, LossReportVerify(code=sms_code(server.outbox, challenge.challenge_id))
    )
    assert shown.card_status == "normal"
    return shown.ticket


def confirm_at_once(base_url: str, tokens: list[str], tickets: list[str]) -> list[str]:
    """Each kiosk confirms its ticket with its own client and connection (the kernel spreads the connections over
    the workers), released together by a barrier; the outcome per kiosk: "ok" or the error code."""
    barrier = threading.Barrier(len(tokens))
    outcomes: list[str] = []

    def send(token: str, ticket: str) -> None:
        backend = HttpBackend(base_url, token, timeout_s=30)
        try:
            backend.health()  # connected before the barrier
            barrier.wait()
            try:
                result = backend.confirm_loss_report(LossReportConfirm(ticket=ticket), uuid.uuid4().hex)
                outcomes.append("ok" if result.card_status == "temporary_loss" else result.card_status)
            except BackendRejected as refusal:
                outcomes.append(f"{refusal.status} {refusal.code}")
        finally:
            backend.close()

    threads = [threading.Thread(target=send, args=pair) for pair in zip(tokens, tickets, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_kiosks_confirm_the_same_report_once(database: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = database
    tokens = [register_kiosk(engine, kiosk) for kiosk in ("NX-C1", "NX-C2")]
    server = ServeProcess(url, tmp_path, workers=2)
    server.start()
    try:
        clients = [HttpBackend(server.base_url, token, timeout_s=30) for token in tokens]
        for holder in holders(engine)[:ROUNDS]:
            with Session(engine) as db:
                changes_before = db.execute(
                    select(func.count()).where(CardStatusChange.card_pk == holder.card_pk)
                ).scalar_one()
            tickets = [ticket(client, server, holder) for client in clients]  # two challenges → two tickets
            outcomes = sorted(confirm_at_once(server.base_url, tokens, tickets))
            assert outcomes == ["409 card_not_normal", "ok"], outcomes
            with Session(engine) as db:
                card = db.get(Card, holder.card_pk)
                assert card is not None and card.status == "temporary_loss"
                new_changes = (
                    db.execute(
                        select(CardStatusChange)
                        .where(CardStatusChange.card_pk == holder.card_pk)
                        .order_by(CardStatusChange.id)
                        .offset(changes_before)
                    )
                    .scalars()
                    .all()
                )
                assert [(c.from_status, c.to_status) for c in new_changes] == [("normal", "temporary_loss")]
                notices = db.execute(
                    select(func.count()).where(SmsOutbox.status_change_id == new_changes[0].id)
                ).scalar_one()
                assert notices == 1
        for client in clients:
            client.close()
    finally:
        server.stop()
