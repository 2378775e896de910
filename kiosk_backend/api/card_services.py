"""State-changing citizen services: 临时挂失, 解挂, ending the session (Idempotency-Key on each)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import update

from kiosk_backend.api.deps import AnyScopeCitizen, CitizenAuth, DbSession
from kiosk_backend.api.idempotency import Idempotent, run_idempotent
from kiosk_backend.clock import utcnow
from kiosk_backend.config import BackendSettings
from kiosk_backend.errors import ApiError
from kiosk_backend.models import Card, CitizenSession
from kiosk_backend.schemas import CardLossReportRequest, CardServiceResult, CardUnlockRequest, SessionEnded
from kiosk_backend.services import card_status, queries
from kiosk_backend.services.audit import audit

router = APIRouter(prefix="/me", tags=["card services"])


def _card(db: DbSession, card_pk: int) -> Card:
    card = db.get(Card, card_pk, with_for_update=True)
    if card is None:
        raise ApiError(404, "card_unknown", "this card is not on record")
    return card


@router.post("/card/loss-report", response_model=CardServiceResult)
def report_loss(
    body: CardLossReportRequest, citizen: CitizenAuth, idem: Idempotent, db: DbSession, request: Request
) -> Response:
    """临时挂失: the card becomes ``temporary_loss`` (lapses after the configured days); the session turns
    ``unlock_only``."""
    settings: BackendSettings = request.app.state.settings

    def action() -> CardServiceResult:
        card = _card(db, citizen.card_pk)
        card_status.report_temporary_loss(db, card, citizen.kiosk_id, body.reason, settings.card.temporary_loss_days)
        _set_scope(db, citizen.token_hash, "unlock_only")
        audit(db, "card_loss_report", "ok", citizen.kiosk_id, citizen.person_id, f"card …{card.card_no[-4:]}")
        db.flush()
        return CardServiceResult(card=queries.card_info(db, card.id), session_scope="unlock_only")

    return run_idempotent(db, idem, action)


@router.post("/card/unlock", response_model=CardServiceResult)
def unlock(body: CardUnlockRequest, citizen: AnyScopeCitizen, idem: Idempotent, db: DbSession) -> Response:
    """解挂: a temporary loss report is cancelled; the session becomes ``full``. A formal loss → 409."""

    def action() -> CardServiceResult:
        card = _card(db, citizen.card_pk)
        card_status.cancel_temporary_loss(db, card, citizen.kiosk_id)
        _set_scope(db, citizen.token_hash, "full")
        audit(db, "card_unlock", "ok", citizen.kiosk_id, citizen.person_id, f"card …{card.card_no[-4:]}")
        db.flush()
        return CardServiceResult(card=queries.card_info(db, card.id), session_scope="full")

    return run_idempotent(db, idem, action)


@router.post("/session/end", response_model=SessionEnded)
def end_session(citizen: AnyScopeCitizen, idem: Idempotent, db: DbSession) -> Response:
    """The citizen token is void from now on (card removed, 退出)."""

    def action() -> SessionEnded:
        now = utcnow()
        db.execute(update(CitizenSession).where(CitizenSession.token_hash == citizen.token_hash).values(ended_at=now))
        return SessionEnded(ended_at=now)

    return run_idempotent(db, idem, action)


def _set_scope(db: DbSession, hashed: str, scope: str) -> None:
    db.execute(update(CitizenSession).where(CitizenSession.token_hash == hashed).values(scope=scope))
