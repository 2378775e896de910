"""Record slips for the logged-in citizen (``/v1/me/slips``, Idempotency-Key) and the kiosk's 权益单校验 by serial +
check code (``/v1/slips/check``). The signing keys never leave the backend."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from kiosk_backend.api.deps import CitizenToken, DbSession, KioskAuth, citizen_for_token
from kiosk_backend.api.idempotency import Idempotent, run_idempotent
from kiosk_backend.clock import utcnow
from kiosk_backend.config import BackendSettings
from kiosk_backend.errors import ApiError
from kiosk_backend.models import CitizenSession, Person, Slip
from kiosk_backend.schemas import (
    SlipCheckRequest,
    SlipCheckResult,
    SlipDocument,
    SlipIssueRequest,
    SlipOutcome,
    SlipOutcomeRequest,
)
from kiosk_backend.services import slip_content
from kiosk_backend.services.audit import audit
from kiosk_backend.services.slip_keys import MasterKey, SlipKeyError
from kiosk_backend.services.slips import SlipError, SlipHolder, issue_slip, record_print_outcome, verify_by_code
from kiosk_backend.slips.compose import BEIJING
from kiosk_backend.tokens import token_hash

router = APIRouter(tags=["record slips"])

Serial = Annotated[str, Path(max_length=22, description="查询流水号")]


def known_citizen_token(kiosk: KioskAuth, db: DbSession, token: CitizenToken) -> str | None:
    """Refuse an absent, unknown or other kiosk's token before the body is read (401/403 come before 422); whether
    the session is still live is decided inside the idempotent action, so a replay gets its stored answer."""
    opened_at = None
    if token:
        opened_at = db.scalar(select(CitizenSession.kiosk_id).where(CitizenSession.token_hash == token_hash(token)))
    if opened_at != kiosk.id:
        citizen_for_token(db, kiosk.id, token, full_scope=False)  # raises the matching 401 / 403
    return token


KnownCitizenToken = Annotated[str | None, Depends(known_citizen_token)]


def _master(settings: BackendSettings) -> MasterKey:
    try:
        return MasterKey.load(settings.slip_master_key_path())
    except SlipKeyError as exc:
        raise ApiError(503, "slips_unavailable", "slips cannot be issued now (no slip keys)") from exc


@router.post("/me/slips", response_model=SlipDocument)
def issue(
    token: KnownCitizenToken, body: SlipIssueRequest, idem: Idempotent, db: DbSession, request: Request
) -> Response:
    """Issue a slip of the citizen's own records: serial, check code, signed QR; archived as ``issued``."""
    settings: BackendSettings = request.app.state.settings
    master = _master(settings)

    def action() -> SlipDocument:
        citizen = citizen_for_token(db, idem.kiosk_id, token, full_scope=True)
        person = db.get(Person, citizen.person_id)
        if person is None:
            raise ApiError(404, "person_unknown", "no such person")
        now = utcnow()
        rows = slip_content.gather(db, person.id, body, now.astimezone(BEIJING).date())
        try:
            document = issue_slip(
                db,
                master,
                settings.slips,
                kind=rows.kind,
                holder=SlipHolder(str(person.id), person.name, person.ssn),
                summary_rows=rows.summary_rows,
                detail_columns=rows.detail_columns,
                detail_rows=rows.detail_rows,
                kiosk_id=citizen.kiosk_id,
                region_code=settings.region_code,
                period=rows.period,
                now=now,
            )
        except SlipKeyError as exc:
            raise ApiError(503, "slips_unavailable", exc.message) from exc
        except SlipError as exc:
            raise ApiError(409 if exc.code == "serial_busy" else 422, exc.code, exc.message) from exc
        audit(db, "slip_issue", "ok", citizen.kiosk_id, person.id, f"{rows.kind} {document.serial}")
        return document

    return run_idempotent(db, idem, action)


@router.post("/me/slips/{serial}/outcome", response_model=SlipOutcome)
def outcome(
    token: KnownCitizenToken, serial: Serial, body: SlipOutcomeRequest, idem: Idempotent, db: DbSession
) -> Response:
    """Printed, or failed with a reason; ``reprint`` counts a 补打 of the same serial."""

    def action() -> SlipOutcome:
        citizen = citizen_for_token(db, idem.kiosk_id, token, full_scope=True)
        row = db.get(Slip, serial)
        if row is None or row.holder_ref != str(citizen.person_id):
            raise ApiError(404, "slip_unknown", "no slip with this serial for this person")
        reason = None if body.printed else (body.reason or "unknown")
        record_print_outcome(db, serial, printed=body.printed, reason=reason, reprint=body.reprint, now=utcnow())
        what = "printed" if body.printed else f"failed {reason}"
        audit(db, "slip_print", "ok" if body.printed else "failed", citizen.kiosk_id, citizen.person_id, what)
        return SlipOutcome(serial=serial, status=row.status, reprint_count=row.reprint_count)

    return run_idempotent(db, idem, action)


@router.post("/slips/check", response_model=SlipCheckResult)
def check(body: SlipCheckRequest, kiosk: KioskAuth, db: DbSession, request: Request) -> SlipCheckResult:
    """权益单校验 at a kiosk: serial + check code; logged and rate-limited like the web form."""
    settings: BackendSettings = request.app.state.settings
    master = _master(settings)
    result = verify_by_code(
        db, master, settings.slips, serial_text=body.serial, code_text=body.check_code, client=f"kiosk:{kiosk.id}"
    )
    db.commit()
    if isinstance(result, str):
        return SlipCheckResult(status="limited", reason="rate_limited", checked_at=utcnow())
    verification = result.verification
    return SlipCheckResult(
        status=verification.status,
        reason=verification.reason,
        archived=result.archived,
        checked_at=result.checked_at,
    )
