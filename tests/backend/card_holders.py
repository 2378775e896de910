"""Seeded card holders for the card-service tests: pick people, log in with their card, read the SMS outbox."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate
from kiosk_backend.models import Card, Person
from kiosk_backend.services.sms import read_outbox
from tests.backend.conftest import DEMO

DEMO_SSNS = frozenset(card.ssn for card in DEMO.cards)


@dataclass(frozen=True)
class Holder:
    """A person on record and their card."""

    person_id: int
    ssn: str
    name: str
    phone: str
    card_pk: int
    card_no: str
    card_id: str
    atr: str


def holders(engine: Engine, status: str = "normal", demo: bool = False) -> list[Holder]:
    """Seeded people (not the demo people unless ``demo``) whose card has ``status``, newest person first."""
    with Session(engine) as db:
        rows = db.execute(
            select(Person, Card)
            .join(Card, Card.person_id == Person.id)
            .where(Card.status == status)
            .order_by(Person.id.desc())
        ).all()
    return [
        Holder(p.id, p.ssn, p.name, p.phone, c.id, c.card_no, c.card_id, c.atr)
        for p, c in rows
        if (p.ssn in DEMO_SSNS) == demo
    ]


class HolderPool:
    """Hands out each seeded holder once per database (tests change their cards)."""

    def __init__(self) -> None:
        self._taken: dict[str, set[int]] = {}

    def take(self, engine: Engine, kind: str) -> Holder:
        taken = self._taken.setdefault(kind, set())
        for holder in holders(engine):
            if holder.person_id not in taken:
                taken.add(holder.person_id)
                return holder
        raise AssertionError("no seeded holder with a normal card left; seed more people")


POOL = HolderPool()


def cryptogram_for(atr_hex: str, challenge_hex: str) -> str:
    """What the card with this ATR answers to INTERNAL AUTHENTICATE (test issuer key)."""
    key = derive_card_key(DEMO.issuer_key, bytes.fromhex(atr_hex))
    return internal_authenticate(key, bytes.fromhex(challenge_hex)).hex().upper()


def login_holder(client: TestClient, holder: Holder) -> str:
    """The card login of CARD_SPEC §5 with a seeded card; the citizen token."""
    keyed = {"Idempotency-Key": uuid.uuid4().hex}
    challenge = client.post(
        "/v1/card-sessions/challenge", json={"card_id": holder.card_id, "atr": holder.atr}, headers=keyed
    )
    assert challenge.status_code == 200, challenge.text
    body = challenge.json()
    session = client.post(
        "/v1/card-sessions",
        json={
            "challenge_id": body["challenge_id"],
            "cryptogram": cryptogram_for(holder.atr, body["challenge"]),
            "ssn": holder.ssn,
            "card_no": holder.card_no,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert session.status_code == 200, session.text
    return str(session.json()["token"])


def outbox(path: Path) -> list[dict[str, str | None]]:
    """Every message the file gateway wrote (the format docs/API.md documents)."""
    return read_outbox(path)


def sms_code(path: Path, challenge_id: str, wait_s: float = 10.0) -> str:
    """The one-time code sent for this challenge (from the SMS text; it is sent just after the answer)."""
    deadline = time.monotonic() + wait_s
    while True:
        texts = [m["text"] for m in outbox(path) if m["kind"] == "otp" and m["ref"] == challenge_id]
        if texts or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(texts) == 1, texts
    found = re.search(r"验证码(\d{6})", str(texts[0]))
    assert found is not None
    return found.group(1)


def unknown_ssn(seed: int) -> str:
    """A well-formed 社会保障号码 (right check character) that is not on record."""
    from kiosk_backend.identifiers import ssn_check_char

    body = f"6401991990{seed:07d}"[:17]
    return body + ssn_check_char(body)
