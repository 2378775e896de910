"""Login with the card and its PIN (ARCHITECTURE §3 step 2), no UI.

card inserted → SELECT SSSE → EF05 → PIN status (blocked? stop before asking) → PIN from the caller → VERIFY →
EF06 → backend challenge → INTERNAL AUTHENTICATE → backend session → :class:`CitizenSession`.

The PIN only travels from the caller's ``ask_pin`` to the card's VERIFY: it is never logged, stored on the session
or sent to the backend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.backend_client.protocol import Backend, BackendRejected
from kiosk.cardreader.card import SocialSecurityCard
from kiosk.cardreader.errors import CardError, CardRemoved, WrongPin
from kiosk.cardreader.pin import Pin
from kiosk.cardreader.transport import CardTransport
from kiosk.clock import Clock
from kiosk.session import CitizenSession, EndReason
from kiosk_backend.identifiers import mask_tail
from kiosk_backend.schemas import CardChallengeRequest, CardSessionRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PinPrompt:
    """What the PIN screen shows: tries left (if the card says) and the previous wrong attempt, if any."""

    tries_left: int | None
    wrong: WrongPin | None = None
    card_no: str = ""  # of the card asking (the screen shows it masked)
    note: dict[str, str] | None = None  # e.g. which PIN is valid after a PIN change the card was pulled from


class PinCheck(Protocol):
    """Finds out which PIN is valid when a card comes back after being pulled during CHANGE PIN."""

    def resolve(self, card: SocialSecurityCard, card_no: str) -> dict[str, str] | None:
        """The words for the PIN screen, or ``None`` when nothing is pending for this card."""
        ...


AskPin = Callable[[PinPrompt], Pin | None]  # None: the citizen cancelled


class LoginCancelled(Exception):
    """The citizen cancelled at the PIN prompt."""

    code = "login_cancelled"


class LoginRefused(Exception):
    """The backend refused the card (wrong cryptogram, unknown or cancelled card, expired challenge …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class LoginResult:
    """The session, and the card (still connected) for card services such as the PIN change."""

    session: CitizenSession
    card: SocialSecurityCard


class LoginService:
    """Runs the login sequence against one card and the backend."""

    def __init__(
        self, backend: Backend, clock: Clock, hard_limit_s: float = 600.0, pin_check: PinCheck | None = None
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._hard_limit_s = hard_limit_s
        self._pin_check = pin_check

    def login(self, transport: CardTransport, ask_pin: AskPin) -> LoginResult:
        """Log the card in; raises a CardError (CardRemoved, PinBlocked …), LoginCancelled, LoginRefused or
        BackendUnavailable. On any failure the partial session is ended and wiped."""
        card = SocialSecurityCard(transport)
        card.select_ssse()
        ident = card.read_identification()
        session = CitizenSession(self._clock, ident, card.atr, self._hard_limit_s)
        log.info("login: card %s (v%s) inserted", mask_tail(ident.card_no), ident.version)
        try:
            note = self._pin_check.resolve(card, ident.card_no) if self._pin_check is not None else None
            tries_left = card.pin_tries_left()  # PinBlocked here: the citizen is never asked for a PIN
            pin = self._verify(card, ask_pin, tries_left, ident.card_no, note)
            session.pin_verified(card.read_holder(ident), initial_pin=pin.is_initial)
            del pin
            challenge = self._backend.card_challenge(
                CardChallengeRequest(card_id=ident.card_id.hex().upper(), atr=card.atr.hex().upper())
            )
            cryptogram = card.internal_authenticate(bytes.fromhex(challenge.challenge))
            assert session.holder is not None
            card_session = self._backend.open_card_session(
                CardSessionRequest(
                    challenge_id=challenge.challenge_id,
                    cryptogram=cryptogram.hex().upper(),
                    ssn=session.holder.ssn,
                    card_no=ident.card_no,
                )
            )
            session.authenticated(card_session)
        except BackendRejected as exc:
            session.end(EndReason.FAILED)
            log.info("login refused by the backend: %s", exc.code)
            raise LoginRefused(exc.code, exc.message) from None
        except CardRemoved:
            session.end(EndReason.CARD_REMOVED)
            log.info("login ended: card removed")
            raise
        except BaseException as exc:
            session.end(EndReason.FAILED)
            log.info("login failed: %s", exc.code if isinstance(exc, CardError) else type(exc).__name__)
            raise
        log.info("login: session open (scope %s, %d APDUs)", card_session.scope, card.apdu_count)
        return LoginResult(session, card)

    @staticmethod
    def _verify(
        card: SocialSecurityCard, ask_pin: AskPin, tries_left: int | None, card_no: str, note: dict[str, str] | None
    ) -> Pin:
        wrong: WrongPin | None = None
        while True:
            pin = ask_pin(PinPrompt(tries_left, wrong, card_no, note))
            if pin is None:
                raise LoginCancelled("cancelled at the PIN prompt")
            try:
                card.verify_pin(pin)
            except WrongPin as exc:  # PinBlocked (63C0 / 6983) is not a WrongPin: it propagates
                wrong, tries_left = exc, exc.tries_left
                continue
            return pin
