"""The ``Backend`` protocol: what the kiosk's services need from the records backend."""

from __future__ import annotations

from typing import Protocol

from kiosk_backend.schemas import Health


class BackendUnavailable(Exception):
    """The backend could not be reached or did not answer in time (the kiosk shows 服务暂停 / retries)."""


class Backend(Protocol):
    """The records backend as the kiosk sees it; tests and the demo swap implementations."""

    def health(self) -> Health:
        """Liveness and database reachability; raises :class:`BackendUnavailable`."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
