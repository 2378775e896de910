"""Stable error codes and the handlers that give every failure the ``{"error": {code, message}}`` shape."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk_backend.fastdb import ValueRefused
from kiosk_backend.schemas import ErrorBody, ErrorDetail

log = logging.getLogger(__name__)

HTTP_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}

# Finer codes for the commonest validation failures; everything else is ``invalid_request``.
VALIDATION_CODES = {"json_invalid": "malformed_json", "extra_forbidden": "unknown_field", "missing": "missing_field"}


class ApiError(Exception):
    """Raised by services and routes to answer with a stable code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_body_json(code: str, message: str) -> str:
    """The JSON text of an error answer (stored for idempotent replays)."""
    return ErrorBody(error=ErrorDetail(code=code, message=message)).model_dump_json()


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The JSON error answer."""
    body = ErrorBody(error=ErrorDetail(code=code, message=message))
    return JSONResponse(status_code=status, content=body.model_dump())


def install_error_handlers(app: FastAPI) -> None:
    """Map every kind of failure to the stable error shape; unexpected ones become 500 without details."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_STATUS_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        code = VALIDATION_CODES.get(str(first.get("type", "")), "invalid_request")
        return error_response(422, code, f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        log.warning("value refused by the database: %s", type(exc.orig).__name__)
        return error_response(422, "invalid_value", "a value in the request cannot be stored or compared")

    @app.exception_handler(ValueRefused)
    async def _value_refused(_request: Request, exc: ValueRefused) -> JSONResponse:
        log.warning("value refused by the database: %s", exc)
        return error_response(422, "invalid_value", "a value in the request cannot be stored or compared")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "internal error; the incident was logged")
