"""The operators' credential: one token from the backend config, as a bearer token or an HTTP Basic password."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Annotated

from fastapi import Depends, Request

from kiosk_backend.config import BackendSettings
from kiosk_backend.errors import ApiError


def presented_token(authorization: str) -> str:
    """The token in ``Authorization: Bearer T`` or ``Authorization: Basic base64(any:T)``; empty if none."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def require_operator(request: Request) -> None:
    """403 when the fleet API is off (no token configured); 401 unless the operators' token is presented."""
    settings: BackendSettings = request.app.state.settings
    expected = settings.fleet.operator_token.get_secret_value()
    if not expected:
        raise ApiError(403, "fleet_disabled", "the fleet API is off: no operator token is configured")
    presented = presented_token(request.headers.get("Authorization", ""))
    if not presented:
        raise ApiError(401, "operator_token_required", "the operators' token is required")
    if not secrets.compare_digest(presented.encode(), expected.encode()):
        raise ApiError(401, "operator_token_invalid", "the operators' token is not valid")


OperatorAuth = Annotated[None, Depends(require_operator)]
