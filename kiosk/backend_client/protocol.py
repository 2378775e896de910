"""The ``Backend`` protocol: what the kiosk's services need from the records backend."""

from __future__ import annotations

from typing import Protocol

from kiosk_backend.schemas import (
    CardChallenge,
    CardChallengeRequest,
    CardSession,
    CardSessionRequest,
    Health,
    HeartbeatAnswer,
    HeartbeatRequest,
    JournalAck,
    JournalUpload,
)


class BackendUnavailable(Exception):
    """The backend could not be reached or did not answer in time (the kiosk shows 服务暂停 / retries)."""


class BackendRejected(Exception):
    """The backend answered with an error: ``code`` is the stable error code the kiosk maps to a screen."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Backend(Protocol):
    """The records backend as the kiosk sees it; tests and the demo swap implementations."""

    def health(self) -> Health:
        """Liveness and database reachability; raises :class:`BackendUnavailable`."""
        ...

    def card_challenge(self, request: CardChallengeRequest) -> CardChallenge:
        """A one-time challenge for INTERNAL AUTHENTICATE; raises BackendUnavailable / BackendRejected."""
        ...

    def open_card_session(self, request: CardSessionRequest) -> CardSession:
        """Check the card's cryptogram and open a citizen session; raises BackendUnavailable / BackendRejected."""
        ...

    def heartbeat(self, beat: HeartbeatRequest) -> HeartbeatAnswer:
        """Report the kiosk's state; the answer carries the operators' service command. Raises like the others."""
        ...

    def upload_journal(self, batch: JournalUpload) -> JournalAck:
        """Send journal entries that continue the chain; answers the highest contiguous seq held."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
