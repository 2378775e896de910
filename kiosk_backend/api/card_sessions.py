"""``POST /v1/card-sessions/challenge`` and ``POST /v1/card-sessions`` (kiosk token + Idempotency-Key)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk_backend.api.deps import request_session
from kiosk_backend.api.idempotency import Idempotent, run_idempotent
from kiosk_backend.config import BackendSettings
from kiosk_backend.schemas import CardChallenge, CardChallengeRequest, CardSession, CardSessionRequest
from kiosk_backend.services import card_sessions

router = APIRouter(prefix="/card-sessions", tags=["card sessions"])

# The login is two POSTs per card insertion, the busiest writes: each opens its session inside the endpoint's one
# worker thread (a generator dependency would cost two more thread hops, to enter and to close it); a lapse it
# records sends its SMS once the session is closed, as with every other route.


@router.post("/challenge", response_model=CardChallenge)
def challenge(body: CardChallengeRequest, idem: Idempotent, request: Request) -> Response:
    """A one-time challenge for INTERNAL AUTHENTICATE (valid 60 s, one use)."""
    settings: BackendSettings = request.app.state.settings
    with request_session(request) as db:
        return run_idempotent(
            db, idem, lambda: card_sessions.issue_challenge(db, idem.kiosk_id, body, settings.card.challenge_ttl_s)
        )


@router.post("", response_model=CardSession)
def open_session(body: CardSessionRequest, idem: Idempotent, request: Request) -> Response:
    """Check the card's cryptogram and identity; a citizen token scoped to the person and this kiosk."""
    settings: BackendSettings = request.app.state.settings
    with request_session(request) as db:
        return run_idempotent(db, idem, lambda: card_sessions.open_session(db, idem.kiosk_id, body, settings.card))
