"""Kiosk registration (``kiosk-backend kiosk add ID``) and token lookup."""

from __future__ import annotations

import re

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk_backend.clock import utcnow
from kiosk_backend.models import Kiosk
from kiosk_backend.tokens import new_token, token_hash

KIOSK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


class KioskExists(Exception):
    """The kiosk id is already registered."""


def register_kiosk(engine: Engine, kiosk_id: str, token: str | None = None, replace: bool = False) -> str:
    """Register ``kiosk_id`` and return its API token (the caller shows it once; only its hash is stored).

    ``token`` lets demo mode pass a token it generated itself; ``replace`` rotates the token of a known kiosk.
    """
    if not KIOSK_ID.match(kiosk_id):
        raise ValueError("a kiosk id is 1–32 characters: letters, digits, '.', '_' or '-'")
    token = token or new_token()
    with Session(engine) as db, db.begin():
        existing = db.get(Kiosk, kiosk_id)
        if existing is not None and not replace:
            raise KioskExists(kiosk_id)
        if existing is None:
            db.add(Kiosk(id=kiosk_id, token_hash=token_hash(token), status="in_service", created_at=utcnow()))
        else:
            existing.token_hash = token_hash(token)
            existing.status = "in_service"
    return token


def kiosk_for_token(db: Session, token: str) -> tuple[str, str] | None:
    """``(kiosk id, status)`` of the kiosk holding ``token``, or None."""
    row = db.execute(select(Kiosk.id, Kiosk.status).where(Kiosk.token_hash == token_hash(token))).first()
    return (row[0], row[1]) if row is not None else None
