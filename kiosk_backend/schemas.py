"""Wire models of the `/v1` API: the one source of the contract, used by the backend and the kiosk's client."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


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
