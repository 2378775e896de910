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
