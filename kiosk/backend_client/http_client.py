"""``HttpBackend``: the records backend over HTTP (httpx), with timeouts and the kiosk's bearer token."""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
from kiosk_backend.schemas import (
    CardChallenge,
    CardChallengeRequest,
    CardSession,
    CardSessionRequest,
    ErrorBody,
    Health,
    HeartbeatAnswer,
    HeartbeatRequest,
    JournalAck,
    JournalUpload,
)

AnswerT = TypeVar("AnswerT", bound=BaseModel)


class HttpBackend:
    """A keep-alive HTTP client of one backend URL.

    Transport failures and unreadable answers raise :class:`BackendUnavailable`; error answers raise
    :class:`BackendRejected` with the backend's stable error code.
    """

    def __init__(
        self, base_url: str, token: str = "", timeout_s: float = 5.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/v1", headers=headers, timeout=timeout_s, transport=transport
        )

    def health(self) -> Health:
        """``GET /v1/health``."""
        return self._call("GET", "/health", Health)

    def card_challenge(self, request: CardChallengeRequest) -> CardChallenge:
        """``POST /v1/card-sessions/challenge``."""
        return self._call("POST", "/card-sessions/challenge", CardChallenge, request)

    def open_card_session(self, request: CardSessionRequest) -> CardSession:
        """``POST /v1/card-sessions``."""
        return self._call("POST", "/card-sessions", CardSession, request)

    def heartbeat(self, beat: HeartbeatRequest) -> HeartbeatAnswer:
        """``POST /v1/heartbeats``."""
        return self._call("POST", "/heartbeats", HeartbeatAnswer, beat)

    def upload_journal(self, batch: JournalUpload) -> JournalAck:
        """``POST /v1/journal``."""
        return self._call("POST", "/journal", JournalAck, batch)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _call(self, method: str, path: str, answer: type[AnswerT], body: BaseModel | None = None) -> AnswerT:
        content = body.model_dump_json().encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            response = self._client.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if response.is_error:
            raise _rejection(response)
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            raise BackendUnavailable(f"{method} {path}: unreadable answer") from exc


def _rejection(response: httpx.Response) -> BackendRejected | BackendUnavailable:
    if response.status_code >= 500:
        return BackendUnavailable(f"backend error {response.status_code}")
    try:
        error = ErrorBody.model_validate_json(response.content).error
    except ValidationError:
        return BackendUnavailable(f"unreadable error answer {response.status_code}")
    return BackendRejected(response.status_code, error.code, error.message)
