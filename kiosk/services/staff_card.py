"""Staff login with the staff member's own card + PIN (no UI).

The card login is the citizen's (:class:`~kiosk.services.login.LoginService`: PIN verified by the card, challenge,
INTERNAL AUTHENTICATE, backend session); staff mode opens only when the backend answers ``role = "staff"`` for a card
in good standing. The backend's card session is ended at once either way: staff mode never runs inside a citizen
session. Wrong PINs, citizen cards and cards the backend refuses count into the same lockout as the passphrase; a
backend that does not answer is not the card's fault — the screen points to the maintenance passphrase instead.
"""

from __future__ import annotations

import dataclasses
import logging

from kiosk.backend_client.protocol import Backend, BackendUnavailable
from kiosk.cardreader.errors import CardError, CardRemoved
from kiosk.cardreader.pin import Pin
from kiosk.cardreader.transport import CardTransport
from kiosk.services.citizen import void_token
from kiosk.services.login import AskPin, LoginCancelled, LoginRefused, LoginService, PinPrompt
from kiosk.services.login import LoginResult as CardLogin
from kiosk.services.staff_auth import LoginResult, StaffLockout, StaffLogin
from kiosk.session import EndReason
from kiosk_backend.identifiers import mask_tail

log = logging.getLogger(__name__)

METHOD = "card"
WRONG_PIN = "E-ST-002"
NOT_STAFF = "E-ST-004"
BACKEND_DOWN = "E-ST-005"


class StaffCardAuthenticator:
    """Staff card + PIN, the role confirmed by the backend; shares the lockout with the passphrase."""

    def __init__(self, login: LoginService, backend: Backend, lock: StaffLockout) -> None:
        self._login = login
        self._backend = backend
        self.lock = lock

    def lockout(self) -> StaffLogin | None:
        """The lock in force now, or None."""
        return self.lock.current(METHOD)

    def authenticate(self, transport: CardTransport, ask_pin: AskPin) -> StaffLogin:
        """Log the card in (blocking: run off the UI thread) and decide from the backend's role."""
        locked = self.lock.refuse_if_locked(METHOD)
        if locked is not None:
            return locked  # the card is not even read
        locked_by_pin: list[StaffLogin] = []

        def counted(prompt: PinPrompt) -> Pin | None:
            if prompt.wrong is not None:  # the card refused the last PIN
                outcome = self.lock.failed(METHOD, WRONG_PIN, reason="wrong_pin")
                if outcome.result is LoginResult.LOCKED:
                    locked_by_pin.append(outcome)
                    return None  # stop asking: the kiosk's lock, before the card's own counter runs out
            return ask_pin(prompt)

        try:
            result = self._login.login(transport, counted)
        except LoginCancelled:
            return locked_by_pin[0] if locked_by_pin else StaffLogin(LoginResult.CANCELLED, method=METHOD)
        except CardRemoved as exc:
            return StaffLogin(LoginResult.CANCELLED, method=METHOD, code=exc.code)
        except BackendUnavailable:
            self.lock.record("staff.login_failed", BACKEND_DOWN, {"method": METHOD, "reason": "backend_unavailable"})
            return StaffLogin(LoginResult.BACKEND_DOWN, method=METHOD, code=BACKEND_DOWN)
        except LoginRefused as exc:  # the backend refused the card itself (cryptogram, unknown, cancelled …)
            return dataclasses.replace(
                self.lock.failed(METHOD, NOT_STAFF, reason=exc.code), result=LoginResult.CARD_FAILED, code=exc.code
            )
        except CardError as exc:  # unreadable card, PIN blocked …: journaled, not counted (no one guessed)
            self.lock.record("staff.login_failed", exc.code, {"method": METHOD})
            return StaffLogin(LoginResult.CARD_FAILED, method=METHOD, code=exc.code)
        return self.accept(result)

    def accept(self, result: CardLogin) -> StaffLogin:
        """A card whose login just succeeded: end its backend session, then staff mode if the backend's role says so.

        Blocking (voids the token at the backend): run off the UI thread."""
        session = result.session
        card_session = session.card_session
        card_no = session.identification.card_no if session.identification is not None else ""
        session.end(EndReason.LOGOUT)
        if card_session is not None:
            void_token(self._backend, card_session.token)
        if card_session is None or card_session.role != "staff" or card_session.scope != "full":
            reason = "reported_lost" if card_session is not None and card_session.scope != "full" else "not_staff"
            outcome = self.lock.failed(METHOD, NOT_STAFF, reason=reason)
            if outcome.result is LoginResult.LOCKED:
                return outcome
            return dataclasses.replace(outcome, result=LoginResult.NOT_STAFF)
        locked = self.lock.refuse_if_locked(METHOD)
        if locked is not None:
            return locked
        log.info("staff card login: card %s", mask_tail(card_no))
        return self.lock.succeeded(f"card {mask_tail(card_no)}", METHOD)
