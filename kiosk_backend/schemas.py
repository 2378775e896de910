"""Wire models of the `/v1` API: the one source of the contract, used by the backend and the kiosk's client."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WireModel(BaseModel):
    """Strict wire model: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Health(WireModel):
    """Answer of ``GET /v1/health``."""

    status: Literal["ok", "degraded"]
    version: str
    database: Literal["ok", "unreachable"]


class ErrorDetail(WireModel):
    """A stable, machine-readable error code and a human message."""

    code: str
    message: str


class ErrorBody(WireModel):
    """Every error answer of the API has this shape."""

    error: ErrorDetail


# ---------------------------------------------------------------- card sessions (CARD_SPEC.md §5)
HEX16 = r"^[0-9A-F]{32}$"  # 16 bytes, upper-case hex


class CardChallengeRequest(WireModel):
    """``POST /v1/card-sessions/challenge`` (kiosk token): ask for a one-time challenge for this card."""

    card_id: str = Field(pattern=HEX16, description="卡识别码 (EF05 tag 01), 16 bytes hex")
    atr: str = Field(pattern=r"^[0-9A-F]{34}$", description="answer to reset, 17 bytes hex")


class CardChallenge(WireModel):
    """A one-time challenge, valid for 60 s, to be sent to the card with INTERNAL AUTHENTICATE."""

    challenge_id: str
    challenge: str = Field(pattern=HEX16)
    expires_at: datetime


class CardSessionRequest(WireModel):
    """``POST /v1/card-sessions`` (kiosk token): the card's cryptogram and identity read after the PIN was verified.

    The PIN itself never leaves the kiosk: the card verified it.
    """

    challenge_id: str
    cryptogram: str = Field(pattern=HEX16)
    ssn: str = Field(min_length=18, max_length=18)
    card_no: str = Field(min_length=9, max_length=9)


CardStatus = Literal["normal", "temporary_loss", "formal_loss", "cancelled"]


class CardSession(WireModel):
    """A short-lived citizen token, scoped to this person and kiosk.

    ``scope`` is ``unlock_only`` when the card is reported lost: the token then only allows 解挂.
    """

    token: str
    expires_at: datetime
    scope: Literal["full", "unlock_only"]
    role: Literal["citizen", "staff"]
    card_status: CardStatus
    name: str
    ssn: str


# ---------------------------------------------------------------- record slips (SLIP_SPEC.md)
SlipKind = Literal["CBZM", "QYJLD", "JFMX"]  # 参保证明, 个人权益记录单, 缴费明细


class SlipKey(WireModel):
    """One slip signing key as published (SLIP_SPEC §3)."""

    kid: str = Field(pattern=r"^[0-9a-f]{8}$")
    alg: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="base64 of the 32 raw bytes")
    not_before: int = Field(description="Unix seconds")
    not_after: int | None = Field(description="Unix seconds; slips of this key stop verifying after it")
    revoked: bool = False


class SlipKeys(WireModel):
    """``GET /v1/slip-keys`` (no authentication), and the file offline verifiers load."""

    keys: list[SlipKey]
    revoked_serials: list[str] = Field(default_factory=list)


class SlipSummaryRow(WireModel):
    """One insurance line of a slip; the codes go into the QR, the names are printed beside them."""

    insurance_code: str = Field(pattern=r"^\d{3}$", description="险种类型 AAE140, e.g. 110")
    insurance_name: str
    status_code: int = Field(ge=1, le=3, description="1 参保缴费, 2 暂停缴费, 3 终止参保")
    status_name: str
    from_period: int = Field(description="YYYYMM")
    to_period: int = Field(description="YYYYMM")
    months: int = Field(ge=0)


class SlipDocument(WireModel):
    """What the backend returns when it issues a slip: everything the kiosk needs to render and print it.

    ``masked_id`` is masked (``111111********1110``); the full ID never leaves the backend on a slip. Detail cells are
    the printed text (money already formatted, e.g. ``"4457.64"``) or integers; their canonical CBOR is digested.
    """

    kind: SlipKind
    title: str
    issuing_office: str
    serial: str = Field(pattern=r"^\d{22}$")
    check_code: str = Field(pattern=r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
    holder_name: str
    masked_id: str = Field(pattern=r"^\d{6}\*{8}[\dX]{4}$")
    period: str | None = Field(default=None, description="e.g. 2025 or 2025-01至2025-12; None for 参保证明")
    issued_at: datetime
    valid_until: datetime
    region_code: str = Field(pattern=r"^\d{6}$")
    kiosk_id: str
    summary_rows: list[SlipSummaryRow]
    detail_columns: list[str]
    detail_rows: list[list[str | int]]
    qr_text: str
    verify_hint: str = Field(description="footer line: where and how to verify")
