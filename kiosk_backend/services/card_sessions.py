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
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import bindparam, func, insert, select, update

from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate
from kiosk_backend.clock import aware, utcnow
from kiosk_backend.config import CardSettings
from kiosk_backend.errors import ApiError
from kiosk_backend.fastdb import FastDb, Insert, Query, Statement, insert_query
from kiosk_backend.identifiers import mask_ssn
from kiosk_backend.models import Card, CardChallengeRecord, CitizenSession, Person, Staff
from kiosk_backend.schemas import CardChallenge, CardChallengeRequest, CardSession, CardSessionRequest
from kiosk_backend.services.audit import audit_insert
from kiosk_backend.services.card_status import loss_lapsed
from kiosk_backend.services.outcomes import Outcome
from kiosk_backend.tokens import new_token, token_hash

CARD_ID_COMPARED = 24  # hex digits of 卡识别码 compared with the record (all but the 4-byte MAC)

# The login is two POSTs per card insertion, the busiest writes of the service: its statements run on the driver
# (kiosk_backend.fastdb). The challenge is one round trip on PostgreSQL (its insert, guarding the stored answer's);
# the session two (read challenge + card + holder; burn, guarding the session, audit and answer inserts).


_CARD_BY_ATR = Query(select(Card.id, Card.card_id, Card.status).where(Card.atr == bindparam("atr")))
_ISSUE = Query(  # the card's lookup and the challenge's insert in one statement; no row: unknown or cancelled
    insert(CardChallengeRecord)
    .from_select(
        ["id", "kiosk_id", "card_pk", "challenge", "expires_at"],
        select(
            bindparam("id", type_=CardChallengeRecord.id.type),
            bindparam("kiosk_id", type_=CardChallengeRecord.kiosk_id.type),
            Card.id,
            bindparam("challenge", type_=CardChallengeRecord.challenge.type),
            bindparam("expires_at", type_=CardChallengeRecord.expires_at.type),
        ).where(
            Card.atr == bindparam("atr"),
            func.substr(Card.card_id, 1, CARD_ID_COMPARED) == bindparam("card_id_prefix"),
            Card.status != "cancelled",
        ),
    )
    .returning(CardChallengeRecord.card_pk)
)
_CHALLENGE_AND_HOLDER = Query(  # the challenge, its card and holder (and staff flag): one round trip, no lock
    select(
        CardChallengeRecord.kiosk_id,
        CardChallengeRecord.challenge,
        CardChallengeRecord.expires_at,
        CardChallengeRecord.used_at,
        Card.id,
        Card.atr,
        Card.card_no,
        Card.status,
        Card.loss_expires_at,
        Person.id,
        Person.ssn,
        Person.name,
        Staff.active,
    )
    .join(Card, Card.id == CardChallengeRecord.card_pk)
    .join(Person, Person.id == Card.person_id)
    .outerjoin(Staff, Staff.person_id == Person.id)
    .where(CardChallengeRecord.id == bindparam("challenge_id"))
)
_BURN = Query(  # compare-and-set: of two concurrent uses of one challenge only one passes
    update(CardChallengeRecord)
    .where(CardChallengeRecord.id == bindparam("b_challenge_id"), CardChallengeRecord.used_at.is_(None))
    .values(used_at=bindparam("b_now"))
    .returning(CardChallengeRecord.id)
)
_CARD_STATUS = Query(select(Card.status).where(Card.id == bindparam("card_pk")))
_INSERT_SESSION = insert_query(
    CitizenSession,
    ("token_hash", "person_id", "card_pk", "kiosk_id", "scope", "role", "created_at", "expires_at", "ended_at"),
)


async def issue_challenge(db: FastDb, kiosk_id: str, request: CardChallengeRequest, ttl_s: int) -> Outcome:
    """A one-time challenge for the card with this ATR and 卡识别码 (stored only if that card is on record)."""
    record = {
        "id": secrets.token_hex(16),
        "kiosk_id": kiosk_id,
        "challenge": secrets.token_bytes(16).hex().upper(),
        "expires_at": utcnow() + timedelta(seconds=ttl_s),
    }
    card_id_prefix = request.card_id[:CARD_ID_COMPARED]

    async def why_not() -> Outcome:  # the failure path only
        card = await db.first(_CARD_BY_ATR, {"atr": request.atr})
        if card is None or card[1][:CARD_ID_COMPARED] != card_id_prefix:
            return Outcome(ApiError(404, "card_unknown", "this card is not on record"))
        return Outcome(ApiError(403, "card_cancelled", "this card has been cancelled; please apply for a new one"))

    answer = CardChallenge(challenge_id=record["id"], challenge=record["challenge"], expires_at=record["expires_at"])
    issue = (_ISSUE, {**record, "atr": request.atr, "card_id_prefix": card_id_prefix})
    return Outcome(answer, guard=issue, otherwise=why_not)


async def open_session(
    db: FastDb,
    kiosk_id: str,
    request: CardSessionRequest,
    settings: CardSettings,
    record_lapse: Callable[[int], Awaitable[None]],
) -> Outcome:
    """Verify the cryptogram and identity; the outcome opens a citizen session.

    Every outcome past the lookup burns the challenge (also a failed login); if a concurrent use burnt it first, the
    answer is ``challenge_used`` and nothing else is written. ``record_lapse(card_pk)`` turns a lapsed temporary loss
    back to normal in its own transaction (a fact of time, not of this login) before anything else is written.
    """
    issuer_key = settings.issuer_key_bytes()
    if issuer_key is None:
        raise ApiError(503, "issuer_key_missing", "card logins are not configured on this backend")
    found = await db.first(_CHALLENGE_AND_HOLDER, {"challenge_id": request.challenge_id})
    if found is None or found[0] != kiosk_id:
        raise ApiError(401, "challenge_unknown", "unknown login challenge; start again")
    _, challenge, expires_at, used_at, card_pk, atr, card_no, status, loss_expires, person_id, ssn, name, staff = found
    if used_at is not None:
        raise _challenge_used()
    now = utcnow()
    expected = internal_authenticate(derive_card_key(issuer_key, bytes.fromhex(atr)), bytes.fromhex(challenge))
    authentic = hmac.compare_digest(expected.hex().upper(), request.cryptogram)
    same_identity = request.ssn == ssn and request.card_no == card_no
    fresh = aware(expires_at) > now
    if fresh and authentic and same_identity and loss_lapsed(status, loss_expires, now):
        await record_lapse(card_pk)
        status = (await db.first(_CARD_STATUS, {"card_pk": card_pk}) or (status,))[0]
    burn: Statement = (_BURN, {"b_challenge_id": request.challenge_id, "b_now": now})

    def burnt(answer: CardSession | ApiError, *writes: Insert) -> Outcome:
        return Outcome(answer, writes, guard=burn, otherwise=_used_meanwhile)

    if not fresh:
        return burnt(ApiError(401, "challenge_expired", "the login challenge expired; start again"))
    if not authentic:
        failed = audit_insert("card_login", "bad_cryptogram", kiosk_id, person_id, f"card …{card_no[-4:]}")
        return burnt(ApiError(401, "card_auth_failed", "the card could not be authenticated"), failed)
    if not same_identity:
        mismatch = audit_insert("card_login", "identity_mismatch", kiosk_id, person_id, f"card …{card_no[-4:]}")
        return burnt(ApiError(403, "card_mismatch", "the card's data do not match the records"), mismatch)
    if status == "cancelled":
        return burnt(ApiError(403, "card_cancelled", "this card has been cancelled; please apply for a new one"))
    scope = "full" if status == "normal" else "unlock_only"
    role = "staff" if staff else "citizen"
    token = new_token()
    expires = now + timedelta(seconds=settings.session_ttl_s)
    session = {"person_id": person_id, "card_pk": card_pk, "kiosk_id": kiosk_id, "scope": scope, "role": role}
    opened: Insert = (
        _INSERT_SESSION,
        {**session, "token_hash": token_hash(token), "created_at": now, "expires_at": expires, "ended_at": None},
    )
    logged = audit_insert("card_login", "ok" if scope == "full" else "unlock_only", kiosk_id, person_id, mask_ssn(ssn))
    answer = CardSession(
        token=token, expires_at=expires, scope=scope, role=role, card_status=status, name=name, ssn=ssn
    )
    return burnt(answer, opened, logged)


def _challenge_used() -> ApiError:
    return ApiError(401, "challenge_used", "this login challenge was already used; start again")


async def _used_meanwhile() -> Outcome:
    """The outcome when a concurrent use burnt the challenge between the lookup and the burn."""
    return Outcome(_challenge_used())
