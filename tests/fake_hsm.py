"""A fake records backend that plays the HSM of CARD_SPEC §5 with ``kiosk_backend.cardcrypto`` and the test issuer key.

It implements the ``Backend`` methods the login needs: one-time challenges valid 60 s, the cryptogram recomputed
from the ATR, and the card status from ``config/demo-cards.toml`` (temporary loss → ``unlock_only``; formal loss or
cancelled → refused). The real backend's endpoints replace it in the lead's integration test.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
from kiosk.clock import Clock
from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate
from kiosk_backend.demo_cards import DemoCard, DemoCards
from kiosk_backend.schemas import CardChallenge, CardChallengeRequest, CardSession, CardSessionRequest, Health

CHALLENGE_TTL = timedelta(seconds=60)


@dataclass
class _Issued:
    card: DemoCard
    atr: bytes
    challenge: bytes
    expires_at: datetime


class FakeHsmBackend:
    """``Backend`` for tests: the HSM check done for real, people from the demo cards file."""

    def __init__(self, cards: DemoCards, clock: Clock) -> None:
        self._cards = cards
        self._clock = clock
        self._lock = threading.Lock()
        self._issued: dict[str, _Issued] = {}
        self.requests: list[object] = []  # everything the kiosk sent (the PIN test greps it)
        self.sessions: list[CardSession] = []
        self.ended: list[str] = []  # tokens the kiosk voided
        self.up = True  # False: every call raises BackendUnavailable

    def health(self) -> Health:
        return Health(status="ok", version="fake-hsm", database="ok")

    def close(self) -> None:
        pass

    def end_session(self, citizen_token: str) -> None:
        self.ended.append(citizen_token)

    def card_challenge(self, request: CardChallengeRequest) -> CardChallenge:
        self.requests.append(request)
        if not self.up:
            raise BackendUnavailable("connection refused")
        atr = bytes.fromhex(request.atr)
        card = next((c for c in self._cards.cards if c.atr == atr), None)
        if card is None:
            raise BackendRejected(404, "card_unknown", "no such card")
        challenge_id = secrets.token_hex(16)  # the wire format: 32 lower-case hex digits
        issued = _Issued(card, atr, os.urandom(16), self._clock.now() + CHALLENGE_TTL)
        with self._lock:
            self._issued[challenge_id] = issued
        return CardChallenge(
            challenge_id=challenge_id, challenge=issued.challenge.hex().upper(), expires_at=issued.expires_at
        )

    def open_card_session(self, request: CardSessionRequest) -> CardSession:
        self.requests.append(request)
        with self._lock:
            issued = self._issued.pop(request.challenge_id, None)  # one-time: a replay finds nothing
        if issued is None:
            raise BackendRejected(409, "challenge_unknown", "unknown or already used challenge")
        if self._clock.now() > issued.expires_at:
            raise BackendRejected(409, "challenge_expired", "the challenge is older than 60 s")
        expected = internal_authenticate(derive_card_key(self._cards.issuer_key, issued.atr), issued.challenge)
        if not hmac.compare_digest(expected, bytes.fromhex(request.cryptogram)):
            raise BackendRejected(401, "card_not_genuine", "the card's cryptogram is wrong")
        card = issued.card
        if (request.ssn, request.card_no) != (card.ssn, card.card_no):
            raise BackendRejected(401, "card_mismatch", "the identity does not belong to this card")
        if card.status in ("formal_loss", "cancelled"):
            raise BackendRejected(403, "card_cancelled", "this card can no longer be used")
        session = CardSession(
            token=secrets.token_urlsafe(24),
            expires_at=self._clock.now() + timedelta(minutes=15),
            scope="unlock_only" if card.status == "temporary_loss" else "full",
            role=card.role,
            card_status=card.status,
            name=card.name,
            ssn=card.ssn,
        )
        self.sessions.append(session)
        return session
