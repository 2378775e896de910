"""``HttpBackend``: the records backend over HTTP (httpx), with timeouts and the kiosk's bearer token."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from kiosk.backend_client.protocol import BackendUnavailable
from kiosk_backend.schemas import Health


class HttpBackend:
    """A keep-alive HTTP client of one backend URL; every failure surfaces as :class:`BackendUnavailable`."""

    def __init__(self, base_url: str, token: str = "", timeout_s: float = 5.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/") + "/v1", headers=headers, timeout=timeout_s)

    def health(self) -> Health:
        """``GET /v1/health``."""
        try:
            response = self._client.get("/health")
            response.raise_for_status()
            return Health.model_validate_json(response.content)
        except (httpx.HTTPError, ValidationError) as exc:
            raise BackendUnavailable(f"health check failed: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
