"""Card login (CARD_SPEC.md §5): the backend plays the HSM.

1. ``issue_challenge``: the card on record is found by its ATR and 卡识别码; a one-time 16-byte challenge valid
   for ``challenge_ttl_s`` is stored.
2. ``open_session``: the challenge is burnt (even when the login then fails), the cryptogram is recomputed with
   ``K_card = derive_card_key(K_issuer, ATR)``, the 社会保障号码 and 卡号 must be those on record; the answer is a
   short-lived token scoped to the person and the kiosk — ``unlock_only`` while the card is reported lost.

The 卡识别码's last 4 bytes are an issuer MAC this backend does not hold a key for: the first 12 bytes (region,
application id, serial) must match the record.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate
from kiosk_backend.clock import aware, utcnow
from kiosk_backend.config import CardSettings
from kiosk_backend.errors import ApiError
from kiosk_backend.identifiers import mask_ssn
from kiosk_backend.models import Card, CardChallengeRecord, CitizenSession, Person, Staff
from kiosk_backend.schemas import CardChallenge, CardChallengeRequest, CardSession, CardSessionRequest
from kiosk_backend.services.audit import audit
from kiosk_backend.services.card_status import effective_status, loss_lapsed
from kiosk_backend.tokens import new_token, token_hash

CARD_ID_COMPARED = 24  # hex digits of 卡识别码 compared with the record (all but the 4-byte MAC)


# The login's statements, built once (building a statement costs more than running it); Core where no ORM object
# is needed. The login is two POSTs per card insertion, the busiest writes of the service.
_CARD_BY_ATR = select(Card.id, Card.card_id, Card.status).where(Card.atr == bindparam("atr"))
_INSERT_CHALLENGE = insert(CardChallengeRecord)
_BURN = (
    update(CardChallengeRecord)
    .where(
        CardChallengeRecord.id == bindparam("b_challenge_id"),
        CardChallengeRecord.kiosk_id == bindparam("b_kiosk_id"),
        CardChallengeRecord.used_at.is_(None),
    )
    .values(used_at=bindparam("b_now"))
    .returning(CardChallengeRecord.card_pk, CardChallengeRecord.challenge, CardChallengeRecord.expires_at)
)
_CHALLENGE_OWNER = select(CardChallengeRecord.kiosk_id).where(CardChallengeRecord.id == bindparam("challenge_id"))
_CARD_HOLDER = (  # card, holder and staff flag in one round trip (columns: the ORM card only if a loss lapsed)
    select(
        Card.id,
        Card.atr,
        Card.card_no,
        Card.status,
        Card.loss_expires_at,
        Person.id.label("person_id"),
        Person.ssn,
        Person.name,
        Staff.active.label("staff_active"),
    )
    .join(Person, Person.id == Card.person_id)
    .outerjoin(Staff, Staff.person_id == Person.id)
    .where(Card.id == bindparam("card_pk"))
)
_INSERT_SESSION = insert(CitizenSession)


def issue_challenge(db: Session, kiosk_id: str, request: CardChallengeRequest, ttl_s: int) -> CardChallenge:
    """Store and return a one-time challenge for the card with this ATR and 卡识别码."""
    connection = db.connection()
    card = connection.execute(_CARD_BY_ATR, {"atr": request.atr}).first()
    if card is None or card.card_id[:CARD_ID_COMPARED] != request.card_id[:CARD_ID_COMPARED]:
        raise ApiError(404, "card_unknown", "this card is not on record")
    if card.status == "cancelled":
        raise ApiError(403, "card_cancelled", "this card has been cancelled; please apply for a new one")
    record = {
        "id": secrets.token_hex(16),
        "kiosk_id": kiosk_id,
        "card_pk": card.id,
        "challenge": secrets.token_bytes(16).hex().upper(),
        "expires_at": utcnow() + timedelta(seconds=ttl_s),
    }
    connection.execute(_INSERT_CHALLENGE, record)
    return CardChallenge(challenge_id=record["id"], challenge=record["challenge"], expires_at=record["expires_at"])


def _burn(db: Session, kiosk_id: str, challenge_id: str) -> tuple[int, str]:
    """Mark the challenge used, atomically, and return its (card, challenge): a challenge never passes twice.

    One ``UPDATE … RETURNING`` round trip on the good path.
    """
    now = utcnow()
    connection = db.connection()
    burnt = connection.execute(_BURN, {"b_challenge_id": challenge_id, "b_kiosk_id": kiosk_id, "b_now": now}).first()
    if burnt is None:
        owner = connection.execute(_CHALLENGE_OWNER, {"challenge_id": challenge_id}).scalar_one_or_none()
        if owner != kiosk_id:
            raise ApiError(401, "challenge_unknown", "unknown login challenge; start again")
        raise ApiError(401, "challenge_used", "this login challenge was already used; start again")
    if aware(burnt.expires_at) <= now:
        raise ApiError(401, "challenge_expired", "the login challenge expired; start again")
    return int(burnt.card_pk), str(burnt.challenge)


def open_session(db: Session, kiosk_id: str, request: CardSessionRequest, settings: CardSettings) -> CardSession:
    """Verify the cryptogram and identity, then open a citizen session."""
    issuer_key = settings.issuer_key_bytes()
    if issuer_key is None:
        raise ApiError(503, "issuer_key_missing", "card logins are not configured on this backend")
    card_pk, challenge = _burn(db, kiosk_id, request.challenge_id)
    card = db.connection().execute(_CARD_HOLDER, {"card_pk": card_pk}).first()
    if card is None:
        raise ApiError(404, "card_unknown", "this card is not on record")
    expected = internal_authenticate(derive_card_key(issuer_key, bytes.fromhex(card.atr)), bytes.fromhex(challenge))
    if not hmac.compare_digest(expected.hex().upper(), request.cryptogram):
        audit(db, "card_login", "bad_cryptogram", kiosk_id, card.person_id, f"card …{card.card_no[-4:]}")
        raise ApiError(401, "card_auth_failed", "the card could not be authenticated")
    if request.ssn != card.ssn or request.card_no != card.card_no:
        audit(db, "card_login", "identity_mismatch", kiosk_id, card.person_id, f"card …{card.card_no[-4:]}")
        raise ApiError(403, "card_mismatch", "the card's data do not match the records")
    now = utcnow()
    status = card.status
    if loss_lapsed(card.status, card.loss_expires_at, now):  # turned back to normal, recorded as a system change
        record = db.get(Card, card_pk)
        assert record is not None
        status = effective_status(db, record, now)
    if status == "cancelled":
        raise ApiError(403, "card_cancelled", "this card has been cancelled; please apply for a new one")
    scope = "full" if status == "normal" else "unlock_only"
    role = "staff" if card.staff_active else "citizen"
    token = new_token()
    expires = now + timedelta(seconds=settings.session_ttl_s)
    db.connection().execute(
        _INSERT_SESSION,
        {
            "token_hash": token_hash(token),
            "person_id": card.person_id,
            "card_pk": card.id,
            "kiosk_id": kiosk_id,
            "scope": scope,
            "role": role,
            "created_at": now,
            "expires_at": expires,
            "ended_at": None,
        },
    )
    audit(db, "card_login", "ok" if scope == "full" else "unlock_only", kiosk_id, card.person_id, mask_ssn(card.ssn))
    return CardSession(
        token=token,
        expires_at=expires,
        scope=scope,
        role=role,
        card_status=status,
        name=card.name,
        ssn=card.ssn,
    )
