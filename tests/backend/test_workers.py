"""`serve --workers 2` on PostgreSQL: separate processes that share only the database; duplicates act once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.models import CardStatusChange, IdempotencyRecord
from kiosk_backend.seed.load import seed_database
from kiosk_backend.services.housekeeping import purge_expired
from kiosk_backend.services.kiosks import register_kiosk
from tests.backend.conftest import DEMO, card_identity, cryptogram
from tests.backend.pg import PostgresServer


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_two_worker_processes_take_a_duplicate_once(postgres: PostgresServer, isolated_home: Path) -> None:
    url = postgres.create_database("kiosk_workers")
    upgrade_to_head(url)
    engine = make_engine(url)
    seed_database(engine, 10, 4, DEMO.cards)
    token = register_kiosk(engine, "NX-W")
    port = _port()
    env = dict(os.environ, KIOSK_BACKEND_DATABASE__URL=url, KIOSK_BACKEND_CARD__ISSUER_KEY=DEMO.test_issuer_key)
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk_backend", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        kiosk = {"Authorization": f"Bearer {token}"}
        card = DEMO.by_id("citizen")
        challenge = httpx.post(
            base + "/card-sessions/challenge",
            json=card_identity(card),
            headers={**kiosk, "Idempotency-Key": uuid.uuid4().hex},
        ).json()
        session = httpx.post(
            base + "/card-sessions",
            json={
                "challenge_id": challenge["challenge_id"],
                "cryptogram": cryptogram(card, challenge["challenge"]),
                "ssn": card.ssn,
                "card_no": card.card_no,
            },
            headers={**kiosk, "Idempotency-Key": uuid.uuid4().hex},
        ).json()
        with Session(engine) as db:
            before = db.execute(select(func.count()).select_from(CardStatusChange)).scalar_one()
        headers = {**kiosk, "X-Citizen-Token": session["token"], "Idempotency-Key": uuid.uuid4().hex}
        barrier = threading.Barrier(4)
        answers: list[httpx.Response] = []

        def send() -> None:
            with httpx.Client() as client:  # own connection each: the kernel spreads them over the workers
                barrier.wait()
                answers.append(client.post(base + "/me/card/loss-report", json={"reason": "lost"}, headers=headers))

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        assert len({a.text for a in answers}) == 1
        with Session(engine) as db:
            assert db.execute(select(func.count()).select_from(CardStatusChange)).scalar_one() == before + 1
        unlock = httpx.post(base + "/me/card/unlock", json={}, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        assert unlock.status_code == 200
    finally:
        server.terminate()
        server.wait(20)
        engine.dispose()


def test_housekeeping_purges_only_what_expired(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as db, db.begin():
        for key, age in (("old-key-0001", timedelta(hours=49)), ("new-key-0001", timedelta(hours=1))):
            db.add(
                IdempotencyRecord(
                    kiosk_id="K",
                    key=key,
                    request_hash="0" * 64,
                    status_code=200,
                    response_body="{}",
                    created_at=now - age,
                )
            )
    assert purge_expired(engine, 48)["idempotency_key"] == 1
    with Session(engine) as db:
        assert db.execute(select(IdempotencyRecord.key)).scalars().all() == ["new-key-0001"]
    engine.dispose()
