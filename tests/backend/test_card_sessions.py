"""Card login (CARD_SPEC §5) against the backend playing the HSM, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kiosk_backend.app import create_app
from kiosk_backend.models import Card, CardChallengeRecord, CardStatusChange, SmsOutbox
from tests.backend.conftest import DEMO, Backend, backend_settings, card_identity, citizen, cryptogram, idem, login


def _challenge(api: TestClient, card_name: str) -> dict[str, str]:
    answer = api.post("/v1/card-sessions/challenge", json=card_identity(DEMO.by_id(card_name)), headers=idem())
    assert answer.status_code == 200, answer.text
    body: dict[str, str] = answer.json()
    return body


def _session_request(card_name: str, challenge: dict[str, str], **changes: str) -> dict[str, str]:
    card = DEMO.by_id(card_name)
    request = {
        "challenge_id": challenge["challenge_id"],
        "cryptogram": cryptogram(card, challenge["challenge"]),
        "ssn": card.ssn,
        "card_no": card.card_no,
    }
    request.update(changes)
    return request


def test_good_card_gets_a_full_citizen_session(api: TestClient) -> None:
    session = login(api, "citizen")
    assert session["scope"] == "full"
    assert session["role"] == "citizen"
    assert session["card_status"] == "normal"
    assert session["name"] == "王建国"
    expires = datetime.fromisoformat(str(session["expires_at"]))
    assert timedelta(0) < expires - datetime.now(UTC) <= timedelta(seconds=600)
    me = api.get("/v1/me", headers=citizen(session["token"]))
    assert me.status_code == 200
    assert me.json()["ssn"] == DEMO.by_id("citizen").ssn


def test_staff_card_has_staff_role(api: TestClient) -> None:
    assert login(api, "staff")["role"] == "staff"


def test_challenges_are_random_and_one_time(api: TestClient) -> None:
    first, second = _challenge(api, "citizen"), _challenge(api, "citizen")
    assert first["challenge"] != second["challenge"]
    ok = api.post("/v1/card-sessions", json=_session_request("citizen", first), headers=idem())
    assert ok.status_code == 200
    again = api.post("/v1/card-sessions", json=_session_request("citizen", first), headers=idem())
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "challenge_used"


def test_wrong_cryptogram_is_refused_and_burns_the_challenge(api: TestClient) -> None:
    challenge = _challenge(api, "citizen")
    wrong = api.post(
        "/v1/card-sessions", json=_session_request("citizen", challenge, cryptogram="00" * 16), headers=idem()
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "card_auth_failed"
    retry = api.post("/v1/card-sessions", json=_session_request("citizen", challenge), headers=idem())
    assert retry.json()["error"]["code"] == "challenge_used"


def test_other_issuer_key_fails(api: TestClient) -> None:
    challenge = _challenge(api, "citizen")
    card = DEMO.by_id("citizen")
    forged = cryptogram(card, challenge["challenge"], issuer_key=bytes(16))
    answer = api.post(
        "/v1/card-sessions", json=_session_request("citizen", challenge, cryptogram=forged), headers=idem()
    )
    assert answer.json()["error"]["code"] == "card_auth_failed"


def test_expired_challenge_is_refused(api: TestClient, backend: Backend) -> None:
    challenge = _challenge(api, "citizen")
    with Session(backend.engine) as db, db.begin():
        db.execute(
            update(CardChallengeRecord)
            .where(CardChallengeRecord.id == challenge["challenge_id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    answer = api.post("/v1/card-sessions", json=_session_request("citizen", challenge), headers=idem())
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "challenge_expired"


def test_identity_must_match_the_card_on_record(api: TestClient) -> None:
    other = DEMO.by_id("retiree")
    for changes in ({"ssn": other.ssn}, {"card_no": other.card_no}):
        answer = api.post(
            "/v1/card-sessions", json=_session_request("citizen", _challenge(api, "citizen"), **changes), headers=idem()
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "card_mismatch"


def test_unknown_card_and_mismatched_card_id(api: TestClient) -> None:
    identity = card_identity(DEMO.by_id("citizen"))
    unknown = {"card_id": identity["card_id"], "atr": identity["atr"][:-8] + "DEADBEEF"}
    answer = api.post("/v1/card-sessions/challenge", json=unknown, headers=idem())
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "card_unknown"
    wrong_id = {"card_id": "0" * 32, "atr": identity["atr"]}
    assert api.post("/v1/card-sessions/challenge", json=wrong_id, headers=idem()).status_code == 404


def test_challenge_of_another_kiosk_is_unknown(api: TestClient, backend: Backend) -> None:
    challenge = _challenge(api, "citizen")
    other = {"Authorization": f"Bearer {backend.tokens['NX-K2']}", **idem()}
    answer = api.post("/v1/card-sessions", json=_session_request("citizen", challenge), headers=other)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "challenge_unknown"


def test_lost_cards_get_unlock_only_sessions(api: TestClient) -> None:
    for name, status in (("lost", "temporary_loss"), ("formal-loss", "formal_loss")):
        session = login(api, name)
        assert session["scope"] == "unlock_only"
        assert session["card_status"] == status
        refused = api.get("/v1/me/contributions", headers=citizen(session["token"]))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "card_reported_lost"


def test_a_lapsed_temporary_loss_logs_in_normally_and_is_recorded(api: TestClient, backend: Backend) -> None:
    card_no = DEMO.by_id("lost").card_no
    with Session(backend.engine) as db:
        card = db.execute(select(Card).where(Card.card_no == card_no)).scalar_one()
        card_pk, saved = card.id, (card.status, card.loss_expires_at, card.status_changed_at)
        card.loss_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.commit()
    try:
        session = login(api, "lost")
        assert (session["scope"], session["card_status"]) == ("full", "normal")
        with Session(backend.engine) as db:
            assert db.get(Card, card_pk).status == "normal"  # type: ignore[union-attr]
            last = (
                db.execute(
                    select(CardStatusChange)
                    .where(CardStatusChange.card_pk == card_pk)
                    .order_by(CardStatusChange.id.desc())
                )
                .scalars()
                .first()
            )
            assert last is not None
            assert (last.from_status, last.to_status, last.channel) == ("temporary_loss", "normal", "system")
    finally:  # the session-wide database goes back to the seeded state for the other tests
        with Session(backend.engine) as db:
            lapses = select(CardStatusChange.id).where(
                CardStatusChange.card_pk == card_pk, CardStatusChange.channel == "system"
            )
            db.execute(delete(SmsOutbox).where(SmsOutbox.status_change_id.in_(lapses)))  # the lapse's SMS
            db.execute(delete(CardStatusChange).where(CardStatusChange.id.in_(lapses)))
            db.execute(
                update(Card)
                .where(Card.id == card_pk)
                .values(status=saved[0], loss_expires_at=saved[1], status_changed_at=saved[2])
            )
            db.commit()


def test_without_issuer_key_logins_are_refused(backend: Backend) -> None:
    settings = backend_settings(backend.url, issuer_key="")
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {backend.tokens['NX-K1']}"
        challenge = _challenge(client, "citizen")
        answer = client.post("/v1/card-sessions", json=_session_request("citizen", challenge), headers=idem())
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "issuer_key_missing"


def test_a_cancelled_card_gets_no_challenge(api: TestClient, backend: Backend) -> None:
    demo_atrs = {card.atr.hex().upper() for card in DEMO.cards}
    with Session(backend.engine) as db:
        card = next(c for c in db.scalars(select(Card).where(Card.status == "normal")) if c.atr not in demo_atrs)
        identity = {"card_id": card.card_id, "atr": card.atr}
        db.execute(update(Card).where(Card.id == card.id).values(status="cancelled"))
        db.commit()
        challenges = db.scalar(select(func.count()).select_from(CardChallengeRecord))
    answer = api.post("/v1/card-sessions/challenge", json=identity, headers=idem())
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "card_cancelled")
    with Session(backend.engine) as db:
        assert db.scalar(select(func.count()).select_from(CardChallengeRecord)) == challenges
