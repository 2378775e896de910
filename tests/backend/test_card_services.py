"""临时挂失 and 解挂 through the state machine, with history; a formal loss is for the counter."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.backend.conftest import citizen, idem, login


def test_report_loss_then_unlock(api: TestClient) -> None:
    token = login(api, "initial-pin")["token"]
    reported = api.post("/v1/me/card/loss-report", json={"reason": "lost"}, headers={**citizen(token), **idem()})
    assert reported.status_code == 200, reported.text
    body = reported.json()
    assert body["card"]["status"] == "temporary_loss"
    assert body["card"]["loss_expires_at"] is not None
    assert body["session_scope"] == "unlock_only"
    assert api.get("/v1/me/contributions", headers=citizen(token)).status_code == 403
    # a new login with the lost card gets an unlock-only token
    again = login(api, "initial-pin")
    assert again["scope"] == "unlock_only"
    unlocked = api.post("/v1/me/card/unlock", json={}, headers={**citizen(again["token"]), **idem()})
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["card"]["status"] == "normal"
    assert unlocked.json()["session_scope"] == "full"
    history = [(h["from_status"], h["to_status"], h["channel"]) for h in unlocked.json()["card"]["history"]]
    assert history[-2:] == [("normal", "temporary_loss", "kiosk"), ("temporary_loss", "normal", "kiosk")]
    assert api.get("/v1/me/contributions", headers=citizen(again["token"])).status_code == 200


def test_unlock_of_a_normal_card_conflicts(api: TestClient) -> None:
    token = login(api, "citizen")["token"]
    answer = api.post("/v1/me/card/unlock", json={}, headers={**citizen(token), **idem()})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "card_not_lost"


def test_formal_loss_cannot_be_unlocked_at_a_kiosk(api: TestClient) -> None:
    token = login(api, "formal-loss")["token"]
    answer = api.post("/v1/me/card/unlock", json={}, headers={**citizen(token), **idem()})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "formal_loss_counter_only"
    report = api.post("/v1/me/card/loss-report", json={}, headers={**citizen(token), **idem()})
    assert report.status_code == 403  # an unlock-only session may not report
