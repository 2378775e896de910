"""``GET /v1/slip-keys``: the public keys and revoked serials offline verifiers trust (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk_backend.schemas import SlipKeys
from kiosk_backend.services.slip_keys import published_keys

router = APIRouter()


@router.get("/slip-keys", response_model=SlipKeys)
def slip_keys(request: Request) -> SlipKeys:
    engine: Engine = request.app.state.engine
    with Session(engine) as db:
        return published_keys(db)
