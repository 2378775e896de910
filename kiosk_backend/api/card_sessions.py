"""``POST /v1/card-sessions/challenge`` and ``POST /v1/card-sessions`` (kiosk token + Idempotency-Key)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from kiosk_backend.api.deps import request_session
from kiosk_backend.api.idempotency import Idempotent, run_idempotent_fast
from kiosk_backend.config import BackendSettings
from kiosk_backend.models import Card
from kiosk_backend.schemas import CardChallenge, CardChallengeRequest, CardSession, CardSessionRequest
from kiosk_backend.services import card_sessions
from kiosk_backend.services.card_status import effective_status

router = APIRouter(prefix="/card-sessions", tags=["card sessions"])

# The login is two POSTs per card insertion, the busiest writes: async routes on kiosk_backend.fastdb (no worker
# thread; one round trip for the challenge, two for the session on PostgreSQL).


@router.post("/challenge", response_model=CardChallenge)
async def challenge(body: CardChallengeRequest, idem: Idempotent, request: Request) -> Response:
    """A one-time challenge for INTERNAL AUTHENTICATE (valid 60 s, one use)."""
    ttl_s = request.app.state.settings.card.challenge_ttl_s
    db = request.app.state.fastdb
    return await run_idempotent_fast(db, idem, lambda: card_sessions.issue_challenge(db, idem.kiosk_id, body, ttl_s))


@router.post("", response_model=CardSession)
async def open_session(body: CardSessionRequest, idem: Idempotent, request: Request) -> Response:
    """Check the card's cryptogram and identity; a citizen token scoped to the person and this kiosk."""
    settings: BackendSettings = request.app.state.settings
    db = request.app.state.fastdb

    async def record_lapse(card_pk: int) -> None:
        await run_in_threadpool(_record_lapse, request, card_pk)

    return await run_idempotent_fast(
        db, idem, lambda: card_sessions.open_session(db, idem.kiosk_id, body, settings.card, record_lapse)
    )


def _record_lapse(request: Request, card_pk: int) -> None:
    """A lapsed temporary loss turns back to normal (history + SMS), committed on its own."""
    with request_session(request) as db:
        card = db.get(Card, card_pk)
        if card is not None:
            effective_status(db, card)
            db.commit()
