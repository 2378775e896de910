"""Heartbeats, the fleet view (JSON and HTML), remote service commands and journal upload — SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kiosk.journal import Journal
from kiosk.services.journal_upload import to_wire
from kiosk_backend.app import create_app
from kiosk_backend.config import FleetSettings
from kiosk_backend.journal_chain import entry_hash as backend_entry_hash
from kiosk_backend.services.fleet import fleet_view
from kiosk_backend.services.kiosks import register_kiosk
from tests.backend.conftest import Backend

OPERATOR = "operator-secret-token-for-tests"


@pytest.fixture(scope="module")
def fleet_client(backend: Backend) -> Iterator[TestClient]:
    settings = backend.settings.model_copy(update={"fleet": FleetSettings(operator_token=OPERATOR)})
    with TestClient(create_app(settings)) as client:
        yield client


def new_kiosk(backend: Backend) -> tuple[str, dict[str, str]]:
    kiosk_id = f"FL-{uuid.uuid4().hex[:8].upper()}"
    token = register_kiosk(backend.engine, kiosk_id)
    return kiosk_id, {"Authorization": f"Bearer {token}"}


OP = {"Authorization": f"Bearer {OPERATOR}"}


def beat(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "sent_at": datetime.now(UTC).isoformat(),
        "software_version": "0.1.0",
        "service_state": "in_service",
        "fault": None,
        "devices": {
            "card_reader": {"device": "online", "media": "not_present"},
            "printer": {"device": "online", "paper": "low", "fault": "E-PR-003"},
        },
        "counters": {"sessions": 12, "slips_printed": 5},
        "journal_seq": 7,
        "journal_hash": "ab" * 32,
    }
    body.update(overrides)
    return body


def kiosk_row(client: TestClient, kiosk_id: str) -> dict[str, object]:
    view = client.get("/v1/fleet", headers=OP)
    assert view.status_code == 200
    rows = [row for row in view.json()["kiosks"] if row["kiosk_id"] == kiosk_id]
    assert len(rows) == 1
    return rows[0]


def test_heartbeat_is_stored_and_shown_on_the_fleet_view(fleet_client: TestClient, backend: Backend) -> None:
    kiosk_id, auth = new_kiosk(backend)
    before = kiosk_row(fleet_client, kiosk_id)
    assert before["last_heartbeat_at"] is None and before["stale"] is True
    answer = fleet_client.post("/v1/heartbeats", json=beat(), headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["service"] == {"mode": "in_service", "reason": ""}
    assert answer.json()["interval_s"] == 30
    row = kiosk_row(fleet_client, kiosk_id)
    assert row["stale"] is False and row["age_s"] is not None and row["age_s"] < 5
    assert row["devices"]["printer"] == {"device": "online", "media": "unknown", "paper": "low", "fault": "E-PR-003"}
    assert row["counters"] == {"sessions": 12, "slips_printed": 5}
    assert row["journal_seq"] == 7 and row["software_version"] == "0.1.0"


def test_kiosk_goes_stale_after_three_missed_beats(backend: Backend) -> None:
    kiosk_id, _ = new_kiosk(backend)
    with Session(backend.engine) as db:
        from kiosk_backend.schemas import HeartbeatRequest
        from kiosk_backend.services.fleet import record_heartbeat

        record_heartbeat(db, kiosk_id, HeartbeatRequest.model_validate(beat()), 30)
        now = datetime.now(UTC)
        fresh = [k for k in fleet_view(db, 30, 3, now + timedelta(seconds=89)).kiosks if k.kiosk_id == kiosk_id]
        stale = [k for k in fleet_view(db, 30, 3, now + timedelta(seconds=91)).kiosks if k.kiosk_id == kiosk_id]
    assert fresh[0].stale is False
    assert stale[0].stale is True


def test_remote_out_of_service_rides_back_on_that_kiosks_heartbeat_only(
    fleet_client: TestClient, backend: Backend
) -> None:
    target, target_auth = new_kiosk(backend)
    _other, other_auth = new_kiosk(backend)
    command = {"mode": "out_of_service", "reason": "更换打印机"}
    answer = fleet_client.post(f"/v1/fleet/kiosks/{target}/service", json=command, headers=OP)
    assert answer.status_code == 200 and answer.json() == command
    assert fleet_client.post("/v1/heartbeats", json=beat(), headers=target_auth).json()["service"] == command
    assert (
        fleet_client.post("/v1/heartbeats", json=beat(), headers=other_auth).json()["service"]["mode"] == "in_service"
    )
    assert kiosk_row(fleet_client, target)["command"] == command
    back = fleet_client.post(f"/v1/fleet/kiosks/{target}/service", json={"mode": "in_service"}, headers=OP)
    assert back.status_code == 200
    again = fleet_client.post("/v1/heartbeats", json=beat(), headers=target_auth)
    assert again.json()["service"] == {"mode": "in_service", "reason": ""}


def test_service_command_errors_are_calm_and_coded(fleet_client: TestClient, backend: Backend) -> None:
    kiosk_id, auth = new_kiosk(backend)
    cases = [
        (
            fleet_client.post(f"/v1/fleet/kiosks/{kiosk_id}/service", json={"mode": "out_of_service"}, headers=OP),
            422,
            "reason_required",
        ),
        (
            fleet_client.post("/v1/fleet/kiosks/NOPE-1/service", json={"mode": "in_service"}, headers=OP),
            404,
            "kiosk_unknown",
        ),
        (
            fleet_client.post(f"/v1/fleet/kiosks/{kiosk_id}/service", json={"mode": "off"}, headers=OP),
            422,
            "invalid_request",
        ),
        (fleet_client.get("/v1/fleet"), 401, "operator_token_required"),
        (fleet_client.get("/v1/fleet", headers={"Authorization": "Bearer wrong"}), 401, "operator_token_invalid"),
        (fleet_client.get("/v1/fleet", headers=auth), 401, "operator_token_invalid"),  # a kiosk is no operator
        (fleet_client.post("/v1/heartbeats", json=beat()), 401, "kiosk_token_required"),
        (
            fleet_client.post("/v1/heartbeats", json=beat(devices={"printer": {"device": "on fire"}}), headers=auth),
            422,
            "invalid_request",
        ),
        (fleet_client.post("/v1/heartbeats", json=beat(journal_hash="xyz"), headers=auth), 422, "invalid_request"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text


def test_fleet_api_is_off_without_an_operator_token(api: TestClient) -> None:
    response = api.get("/v1/fleet", headers=OP)
    assert response.status_code == 403 and response.json()["error"]["code"] == "fleet_disabled"


def test_fleet_page_asks_for_the_token_and_lists_kiosks_chinese_first(
    fleet_client: TestClient, backend: Backend
) -> None:
    kiosk_id, auth = new_kiosk(backend)
    fleet_client.post("/v1/heartbeats", json=beat(fault="E-PR-003<script>"), headers=auth)
    denied = fleet_client.get("/fleet")
    assert denied.status_code == 401 and denied.headers["WWW-Authenticate"].startswith("Basic")
    basic = base64.b64encode(f"hall:{OPERATOR}".encode()).decode()
    page = fleet_client.get("/fleet", headers={"Authorization": f"Basic {basic}"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.index("自助终端监控") < html.index("Kiosk fleet")
    assert f'id="kiosk-{kiosk_id}"' in html and "纸少" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "失联" in html  # kiosks registered by other tests never beat: shown as stale


# ---------------------------------------------------------------- journal upload
def journal_with(tmp_path: Path, count: int) -> Journal:
    journal = Journal(tmp_path / f"j-{uuid.uuid4().hex[:6]}")
    for index in range(count):
        journal.append(
            "session.start" if index % 2 else "slip.printed", None, {"n": index, "ssn": "6401**********123X"}
        )
    return journal


def upload(client: TestClient, auth: dict[str, str], entries: list[dict[str, object]]) -> tuple[int, dict[str, object]]:
    response = client.post("/v1/journal", json={"entries": entries}, headers=auth)
    return response.status_code, response.json()


def test_backend_and_kiosk_hash_the_same_way(tmp_path: Path) -> None:
    entry = to_wire(journal_with(tmp_path, 1).last())  # type: ignore[arg-type]
    assert backend_entry_hash(entry.seq, entry.at, entry.kind, entry.code, entry.detail, entry.prev_hash) == entry.hash


def test_journal_upload_continues_the_chain_ignores_duplicates_and_refuses_gaps(
    fleet_client: TestClient, backend: Backend, tmp_path: Path
) -> None:
    _, auth = new_kiosk(backend)
    wire = [to_wire(e).model_dump() for e in journal_with(tmp_path, 6).entries()]
    assert upload(fleet_client, auth, wire[:3]) == (200, {"uploaded_seq": 3, "uploaded_hash": wire[2]["hash"]})
    assert upload(fleet_client, auth, wire[:3])[1]["uploaded_seq"] == 3  # replay: ignored
    status, body = upload(fleet_client, auth, wire[4:])
    assert (status, body["error"]["code"]) == (409, "journal_gap")
    assert upload(fleet_client, auth, wire[1:6])[1]["uploaded_seq"] == 6  # overlap: new part stored
    altered = dict(wire[5], detail='{"n":99}')
    assert upload(fleet_client, auth, [altered])[1]["error"]["code"] == "journal_entry_altered"


def test_journal_upload_refuses_a_different_chain(fleet_client: TestClient, backend: Backend, tmp_path: Path) -> None:
    _, auth = new_kiosk(backend)
    first = [to_wire(e).model_dump() for e in journal_with(tmp_path, 3).entries()]
    second = [to_wire(e).model_dump() for e in journal_with(tmp_path, 4).entries()]  # another kiosk's chain
    assert upload(fleet_client, auth, first)[1]["uploaded_seq"] == 3
    status, body = upload(fleet_client, auth, second[3:])
    assert (status, body["error"]["code"]) == (409, "journal_chain_broken")
    status, body = upload(fleet_client, auth, second[:1])
    assert (status, body["error"]["code"]) == (409, "journal_conflict")
    status, body = upload(fleet_client, auth, [dict(second[0], seq=5)])
    assert status == 422  # the hash covers the seq
