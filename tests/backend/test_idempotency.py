"""Idempotency-Key: a replay gets the stored answer, another body is refused, concurrent duplicates act once."""

from __future__ import annotations

import threading
import uuid

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk_backend.app import create_app
from kiosk_backend.models import CardChallengeRecord, CardStatusChange, CitizenSession
from tests.backend.conftest import DEMO, Backend, card_identity, citizen, cryptogram, idem, login


def _challenges(backend: Backend) -> int:
    with Session(backend.engine) as db:
        return db.execute(select(func.count()).select_from(CardChallengeRecord)).scalar_one()


def test_replay_returns_the_stored_answer(api: TestClient, backend: Backend) -> None:
    headers = idem()
    before = _challenges(backend)
    first = api.post("/v1/card-sessions/challenge", json=card_identity(DEMO.by_id("citizen")), headers=headers)
    second = api.post("/v1/card-sessions/challenge", json=card_identity(DEMO.by_id("citizen")), headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _challenges(backend) == before + 1


def test_same_key_other_body_is_422(api: TestClient) -> None:
    headers = idem()
    assert api.post(
        "/v1/card-sessions/challenge", json=card_identity(DEMO.by_id("citizen")), headers=headers
    ).is_success
    other = api.post("/v1/card-sessions/challenge", json=card_identity(DEMO.by_id("retiree")), headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_errors_are_stored_and_replayed_too(api: TestClient) -> None:
    token = login(api, "citizen")["token"]
    headers = {**citizen(token), **idem()}
    first = api.post("/v1/me/card/unlock", json={}, headers=headers)
    second = api.post("/v1/me/card/unlock", json={}, headers=headers)
    assert first.status_code == second.status_code == 409
    assert first.json() == second.json()


def test_keys_are_per_kiosk(api: TestClient, backend: Backend) -> None:
    key = idem()
    body = card_identity(DEMO.by_id("citizen"))
    mine = api.post("/v1/card-sessions/challenge", json=body, headers=key)
    theirs = api.post(
        "/v1/card-sessions/challenge", json=body, headers={**key, "Authorization": f"Bearer {backend.tokens['NX-K2']}"}
    )
    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["challenge_id"] != theirs.json()["challenge_id"]


def test_key_is_required_and_well_formed(api: TestClient) -> None:
    body = card_identity(DEMO.by_id("citizen"))
    missing = api.post("/v1/card-sessions/challenge", json=body)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_required"
    for bad in ("short", "x" * 65, "has space in it", "semi;colon;key"):
        answer = api.post("/v1/card-sessions/challenge", json=body, headers={"Idempotency-Key": bad})
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "idempotency_key_invalid"


def _race(
    backend: Backend, method: str, path: str, json: object, headers: dict[str, str], own_keys: bool = False
) -> list[httpx.Response]:
    """Send the same request from two independent app instances (two 'workers': separate engines) at once;
    ``own_keys``: each with its own Idempotency-Key (two requests, not a duplicate)."""
    clients = [TestClient(create_app(backend.settings)) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def send(client: TestClient) -> None:
        with client:
            barrier.wait()
            mine = {**headers, **(idem() if own_keys else {})}
            answer = client.request(
                method, path, json=json, headers={"Authorization": f"Bearer {backend.tokens['NX-K1']}", **mine}
            )
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_duplicates_take_effect_once(api: TestClient, backend: Backend) -> None:
    for attempt in range(3):
        before = _challenges(backend)
        answers = _race(
            backend,
            "POST",
            "/v1/card-sessions/challenge",
            card_identity(DEMO.by_id("retiree")),
            {"Idempotency-Key": f"race-{uuid.uuid4().hex}"},
        )
        assert [a.status_code for a in answers] == [200, 200], (attempt, [a.text for a in answers])
        assert answers[0].json() == answers[1].json()
        assert _challenges(backend) == before + 1


def _sessions(backend: Backend) -> int:
    with Session(backend.engine) as db:
        return db.execute(select(func.count()).select_from(CitizenSession)).scalar_one()


def _session_request(api: TestClient, card_name: str) -> dict[str, str]:
    """The body of a card login's second step, for a fresh challenge."""
    card = DEMO.by_id(card_name)
    challenge = api.post("/v1/card-sessions/challenge", json=card_identity(card), headers=idem()).json()
    return {
        "challenge_id": challenge["challenge_id"],
        "cryptogram": cryptogram(card, challenge["challenge"]),
        "ssn": card.ssn,
        "card_no": card.card_no,
    }


def test_concurrent_duplicate_logins_open_one_session(api: TestClient, backend: Backend) -> None:
    for attempt in range(3):
        before = _sessions(backend)
        key = {"Idempotency-Key": f"race-{uuid.uuid4().hex}"}
        answers = _race(backend, "POST", "/v1/card-sessions", _session_request(api, "retiree"), key)
        assert [a.status_code for a in answers] == [200, 200], (attempt, [a.text for a in answers])
        assert answers[0].json() == answers[1].json()
        assert _sessions(backend) == before + 1


def test_one_challenge_used_by_two_logins_at_once_opens_one_session(api: TestClient, backend: Backend) -> None:
    """Two requests (own keys) with one challenge: one session; the other is told the challenge was used."""
    for attempt in range(3):
        before = _sessions(backend)
        answers = _race(backend, "POST", "/v1/card-sessions", _session_request(api, "retiree"), {}, own_keys=True)
        outcomes = sorted((a.status_code, a.json().get("error", {}).get("code")) for a in answers)
        assert outcomes == [(200, None), (401, "challenge_used")], (attempt, outcomes)
        assert _sessions(backend) == before + 1


def test_concurrent_loss_reports_change_the_card_once(api: TestClient, backend: Backend) -> None:
    token = login(api, "initial-pin")["token"]
    with Session(backend.engine) as db:
        before = db.execute(select(func.count()).select_from(CardStatusChange)).scalar_one()
    answers = _race(
        backend,
        "POST",
        "/v1/me/card/loss-report",
        {"reason": "stolen"},
        {**citizen(token), "Idempotency-Key": f"race-{uuid.uuid4().hex}"},
    )
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    with Session(backend.engine) as db:
        assert db.execute(select(func.count()).select_from(CardStatusChange)).scalar_one() == before + 1
    unlock = api.post("/v1/me/card/unlock", json={}, headers={**citizen(login(api, "initial-pin")["token"]), **idem()})
    assert unlock.status_code == 200
