"""Backend API fixtures: the same seeded records on SQLite and on a real PostgreSQL started here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kiosk_backend.app import create_app
from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate
from kiosk_backend.config import BackendSettings, CardSettings, DatabaseSettings, LossReportSettings, SmsSettings
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.demo_cards import DemoCard, DemoCards, load_demo_cards
from kiosk_backend.seed.generate import card_identifier
from kiosk_backend.seed.load import seed_database
from kiosk_backend.services.kiosks import register_kiosk
from tests.backend.pg import PostgresServer

SEED_PERSONS = 40
DEMO: DemoCards = load_demo_cards()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Backend:
    """One seeded database with two registered kiosks."""

    kind: str
    url: str
    engine: Engine
    settings: BackendSettings
    tokens: dict[str, str]

    @property
    def outbox(self) -> Path:
        """The file SMS gateway's outbox of this backend."""
        return self.settings.sms_outbox_path()


def backend_settings(url: str, issuer_key: str = DEMO.test_issuer_key, data_dir: Path | None = None) -> BackendSettings:
    """Settings of a test backend; ``data_dir`` holds the SMS outbox and the loss-report secret."""
    settings = BackendSettings(database=DatabaseSettings(url=url), card=CardSettings(issuer_key=issuer_key))
    if data_dir is None:
        return settings
    return settings.model_copy(
        update={
            "sms": SmsSettings(outbox=str(data_dir / "sms-outbox.jsonl")),
            "loss_report": LossReportSettings(secret_file=str(data_dir / "loss-report.key")),
        }
    )


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'records.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.create_database("kiosk_api")
    upgrade_to_head(url)
    engine = make_engine(url)
    seed_database(engine, SEED_PERSONS, 7, DEMO.cards)
    tokens = {kiosk: register_kiosk(engine, kiosk) for kiosk in ("NX-K1", "NX-K2")}
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    try:
        yield Backend(request.param, url, engine, backend_settings(url, data_dir=data_dir), tokens)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def api(backend: Backend) -> Iterator[TestClient]:
    """A client of the app, authenticated as kiosk NX-K1."""
    with TestClient(create_app(backend.settings)) as client:
        client.headers["Authorization"] = f"Bearer {backend.tokens['NX-K1']}"
        yield client


def idem() -> dict[str, str]:
    """A fresh Idempotency-Key header."""
    return {"Idempotency-Key": uuid.uuid4().hex}


def card_identity(card: DemoCard) -> dict[str, str]:
    return {"card_id": card_identifier(card.region, card.atr_serial), "atr": card.atr.hex().upper()}


def cryptogram(card: DemoCard, challenge_hex: str, issuer_key: bytes = DEMO.issuer_key) -> str:
    """What the card answers to INTERNAL AUTHENTICATE."""
    return internal_authenticate(derive_card_key(issuer_key, card.atr), bytes.fromhex(challenge_hex)).hex().upper()


def login(client: TestClient, card_name: str) -> dict[str, object]:
    """The whole card login of CARD_SPEC §5; returns the CardSession JSON."""
    card = DEMO.by_id(card_name)
    challenge = client.post("/v1/card-sessions/challenge", json=card_identity(card), headers=idem())
    assert challenge.status_code == 200, challenge.text
    body = challenge.json()
    answer = client.post(
        "/v1/card-sessions",
        json={
            "challenge_id": body["challenge_id"],
            "cryptogram": cryptogram(card, body["challenge"]),
            "ssn": card.ssn,
            "card_no": card.card_no,
        },
        headers=idem(),
    )
    assert answer.status_code == 200, answer.text
    session: dict[str, object] = answer.json()
    return session


def citizen(token: object) -> dict[str, str]:
    return {"X-Citizen-Token": str(token)}
