"""The public verification page: ``/V/<code>`` (from the QR), ``/verify`` (serial + check code form). No token."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk_backend.config import BackendSettings
from kiosk_backend.services.slip_keys import MasterKey, SlipKeyError
from kiosk_backend.services.slips import LookupResult, verify_by_code, verify_by_qr
from kiosk_backend.web import pages

router = APIRouter(include_in_schema=False)
_MAX_FORM_BYTES = 2048


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _answer(result: LookupResult | str) -> HTMLResponse:
    if isinstance(result, str):
        return HTMLResponse(pages.limited_page(), status_code=429)
    return HTMLResponse(pages.result_page(result.verification, result.archived, result.checked_at))


@router.get("/V/{code}", response_class=HTMLResponse)
def verify_qr(code: str, request: Request) -> HTMLResponse:
    """A phone camera opens this from the QR code."""
    settings: BackendSettings = request.app.state.settings
    engine: Engine = request.app.state.engine
    with Session(engine) as db, db.begin():
        result = verify_by_qr(db, settings.slips, code=code, client=_client(request))
    return _answer(result)


@router.get("/verify", response_class=HTMLResponse)
def verify_form() -> HTMLResponse:
    return HTMLResponse(pages.form_page())


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(request: Request) -> HTMLResponse:
    """Serial + check code from the form (``application/x-www-form-urlencoded``)."""
    raw = await request.body()
    if len(raw) > _MAX_FORM_BYTES:
        return HTMLResponse(pages.form_page(message="输入过长 Input too long"), status_code=413)
    fields = parse_qs(raw.decode("utf-8", errors="replace"))
    serial = fields.get("serial", [""])[0]
    code = fields.get("code", [""])[0]
    return _submit(request, serial, code)


def _submit(request: Request, serial: str, code: str) -> HTMLResponse:
    settings: BackendSettings = request.app.state.settings
    engine: Engine = request.app.state.engine
    try:
        master = MasterKey.load(settings.slip_master_key_path())
        with Session(engine) as db, db.begin():
            result = verify_by_code(
                db, master, settings.slips, serial_text=serial, code_text=code, client=_client(request)
            )
    except SlipKeyError:  # no master key file, or not the one that sealed the keys
        return HTMLResponse(pages.unavailable_page(), status_code=503)
    return _answer(result)
