"""挂失 without the card (kiosk token): ``POST /v1/loss-reports``, ``…/{challenge_id}/verify``, ``…/confirm``.

Steps 1 and 2 commit what they counted (rate limits, wrong attempts) even when they refuse; step 3 carries an
Idempotency-Key (a retry gets the stored answer, the report is made once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, BackgroundTasks, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kiosk_backend.api.deps import DbSession, KioskAuth
from kiosk_backend.api.idempotency import Idempotent, run_idempotent
from kiosk_backend.errors import ApiError
from kiosk_backend.schemas import (
    LossReportChallenge,
    LossReportConfirm,
    LossReportResult,
    LossReportStart,
    LossReportTicket,
    LossReportVerify,
)
from kiosk_backend.services import loss_reports
from kiosk_backend.services.sms import SmsGateway, SmsMessage

log = logging.getLogger(__name__)
router = APIRouter(prefix="/loss-reports", tags=["card services"])

AnswerT = TypeVar("AnswerT")
ChallengeId = Path(pattern=r"^[0-9a-f]{32}$", description="from step 1")


def _committed(db: Session, action: Callable[[], AnswerT]) -> AnswerT:
    """Run ``action`` and commit; an ``ApiError`` answer keeps (commits) what the action flushed before it."""
    try:
        answer = action()
    except ApiError:
        db.commit()
        raise
    db.commit()
    return answer


def _key(request: Request) -> bytes:
    return bytes(request.app.state.loss_secret.get())


@router.post("", response_model=LossReportChallenge)
def start(
    body: LossReportStart, kiosk: KioskAuth, db: DbSession, request: Request, background: BackgroundTasks
) -> LossReportChallenge:
    """Step 1: the same answer for an unknown ID number, a wrong name and a match; only a match gets an SMS code,
    sent after the answer (its timing does not depend on the gateway)."""
    settings = request.app.state.settings
    answer, sms = _committed(db, lambda: loss_reports.start(db, kiosk.id, body, settings, _key(request)))
    if sms is not None:
        background.add_task(_send_code, request.app.state.sms_gateway, sms)
    return answer


def _send_code(gateway: SmsGateway, sms: SmsMessage) -> None:
    try:
        gateway.send(sms)
    except OSError as exc:  # the citizen gets no code and starts again; the answer must not differ
        log.warning("SMS gateway refused a one-time code: %s", type(exc).__name__)


@router.post("/{challenge_id}/verify", response_model=LossReportTicket)
def verify(
    body: LossReportVerify, kiosk: KioskAuth, db: DbSession, request: Request, challenge_id: str = ChallengeId
) -> LossReportTicket:
    """Step 2: the SMS code → the masked card and a single-use ticket."""
    settings = request.app.state.settings
    return _committed(db, lambda: loss_reports.verify(db, kiosk.id, challenge_id, body, settings, _key(request)))


@router.post("/confirm", response_model=LossReportResult)
def confirm(body: LossReportConfirm, idem: Idempotent, db: DbSession, request: Request) -> Response:
    """Step 3: 临时挂失 (409 ``card_not_normal`` when the card is not normal)."""
    settings = request.app.state.settings
    return run_idempotent(db, idem, lambda: loss_reports.confirm(db, idem.kiosk_id, body, settings, _key(request)))
