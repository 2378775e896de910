"""The same card-less loss report confirmed from two kiosks at once, through two ``serve`` worker processes that
share one database (PostgreSQL, and a SQLite file): exactly one report, one history row, one SMS; the other kiosk
gets 409 ``card_not_normal``."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.models import Card, CardStatusChange, SmsOutbox
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


def ticket(client: httpx.Client, server: ServeProcess, holder: Holder) -> str:
    started = client.post(
        "/v1/loss-reports", json={"ssn": holder.ssn, "name": holder.name}, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert started.status_code == 200, started.text
    challenge_id = started.json()["challenge_id"]
    verified = client.post(
        f"/v1/loss-reports/{challenge_id}/verify",
        json={"code": sms_code(server.outbox, challenge_id)},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["card_status"] == "normal"
    return str(verified.json()["ticket"])


def confirm_at_once(base_url: str, tokens: list[str], tickets: list[str]) -> list[httpx.Response]:
    """Each kiosk confirms its ticket on its own connection (the kernel spreads them over the workers), released
    together by a barrier."""
    barrier = threading.Barrier(len(tokens))
    answers: list[httpx.Response] = []

    def send(token: str, ticket: str) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as own:
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
            own.get("/v1/health")  # connected before the barrier
            barrier.wait()
            answers.append(own.post("/v1/loss-reports/confirm", json={"ticket": ticket}, headers=headers))

    threads = [threading.Thread(target=send, args=pair) for pair in zip(tokens, tickets, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_kiosks_confirm_the_same_report_once(database: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = database
    tokens = [register_kiosk(engine, kiosk) for kiosk in ("NX-C1", "NX-C2")]
    server = ServeProcess(url, tmp_path, workers=2)
    server.start()
    try:
        clients = [
            httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            for token in tokens
        ]
        for holder in holders(engine)[:ROUNDS]:
            with Session(engine) as db:
                changes_before = db.execute(
                    select(func.count()).where(CardStatusChange.card_pk == holder.card_pk)
                ).scalar_one()
            tickets = [ticket(client, server, holder) for client in clients]  # two challenges → two tickets
            answers = confirm_at_once(server.base_url, tokens, tickets)
            outcomes = sorted((a.status_code, a.json().get("error", {}).get("code", "")) for a in answers)
            assert outcomes == [(200, ""), (409, "card_not_normal")], [a.text for a in answers]
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
