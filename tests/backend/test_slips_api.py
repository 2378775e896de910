"""``POST /v1/me/slips`` gathers the citizen's own records into a signed slip; ``…/outcome`` records the printer's
answer (补打 counted); ``/v1/slips/check`` verifies serial + check code for a kiosk. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_backend.app import create_app
from kiosk_backend.config import SlipSettings
from kiosk_backend.models import Contribution, Person, Slip
from kiosk_backend.schemas import SlipDocument, SlipKeys
from kiosk_backend.services.slip_keys import MasterKey, init_keys
from kiosk_backend.slips.signing import blob_from_qr_text
from kiosk_backend.slips.verify import Keyring, verify_blob
from tests.backend.conftest import Backend, citizen, idem, login

SSN = "640104198003152314"  # the demo card "citizen"


@pytest.fixture(scope="module")
def slip_api(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client of an app whose slip master key is in a temp dir; keys initialised in the shared database."""
    key_file = tmp_path_factory.mktemp("slipkeys") / "master.key"
    master = MasterKey.load_or_create(key_file)
    with Session(backend.engine) as db, db.begin():
        init_keys(db, master, datetime.now(UTC).replace(microsecond=0))
    settings = backend.settings.model_copy(update={"slips": SlipSettings(master_key_file=str(key_file))})
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {backend.tokens['NX-K1']}"
        yield client


def _issue(client: TestClient, token: object, body: dict[str, object]) -> SlipDocument:
    answer = client.post("/v1/me/slips", json=body, headers={**citizen(token), **idem()})
    assert answer.status_code == 200, answer.text
    return SlipDocument.model_validate_json(answer.content)


def test_jfmx_slip_has_the_persons_own_months_and_verifies(slip_api: TestClient, backend: Backend) -> None:
    token = login(slip_api, "citizen")["token"]
    with Session(backend.engine) as db:
        person_id = db.scalar(select(Person.id).where(Person.ssn == SSN))
        periods = sorted(
            set(
                db.scalars(
                    select(Contribution.period).where(
                        Contribution.person_id == person_id, Contribution.period.between(202401, 202412)
                    )
                )
            )
        )
    assert periods, "the demo citizen pays contributions in 2024"
    doc = _issue(slip_api, token, {"kind": "JFMX", "from_period": 202401, "to_period": 202412})
    assert doc.kind == "JFMX" and doc.period == "2024-01至2024-12"
    assert doc.masked_id == "640104********2314" and SSN not in doc.model_dump_json()
    assert sorted({int(row[0].replace("-", "")) for row in doc.detail_rows if isinstance(row[0], str)}) == periods
    assert doc.summary_rows and all(202401 <= r.from_period <= r.to_period <= 202412 for r in doc.summary_rows)
    pension = next(r for r in doc.summary_rows if r.insurance_code == "110")
    assert pension.months == len(periods)
    keys = SlipKeys.model_validate(slip_api.get("/v1/slip-keys").json())
    outcome = verify_blob(blob_from_qr_text(doc.qr_text), Keyring.from_wire(keys), int(datetime.now(UTC).timestamp()))
    assert outcome.genuine and outcome.payload is not None and outcome.payload.serial == doc.serial
    check = slip_api.post("/v1/slips/check", json={"serial": doc.serial, "check_code": doc.check_code.lower()})
    assert check.status_code == 200 and check.json()["status"] == "genuine"
    assert check.json()["archived"]["serial"] == doc.serial
    wrong = slip_api.post("/v1/slips/check", json={"serial": doc.serial, "check_code": "AAAA-AAAA-AAAA"})
    assert wrong.json()["status"] == "invalid" and wrong.json()["reason"] == "wrong_check_code"
    assert wrong.json()["archived"] is None


def test_cbzm_and_qyjld_and_an_idempotent_replay(slip_api: TestClient) -> None:
    token = login(slip_api, "citizen")["token"]
    cbzm = _issue(slip_api, token, {"kind": "CBZM"})
    assert cbzm.title == "参保证明" and cbzm.period is None
    assert {r.insurance_code for r in cbzm.summary_rows} >= {"110", "310"}
    assert len(cbzm.detail_rows) >= 2 and cbzm.detail_columns[0] == "险种"
    key = idem()
    first = slip_api.post("/v1/me/slips", json={"kind": "QYJLD", "year": 2024}, headers={**citizen(token), **key})
    again = slip_api.post("/v1/me/slips", json={"kind": "QYJLD", "year": 2024}, headers={**citizen(token), **key})
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["serial"] == again.json()["serial"] and first.json()["period"] == "2024"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "JFMX"}, "invalid_period"),
        ({"kind": "JFMX", "from_period": 202413, "to_period": 202412}, "invalid_period"),
        ({"kind": "JFMX", "from_period": 201001, "to_period": 202012}, "period_too_long"),
        ({"kind": "QYJLD", "year": 2999}, "invalid_period"),
        ({"kind": "XX"}, "invalid_request"),
    ],
)
def test_bad_requests_are_refused_calmly(slip_api: TestClient, body: dict[str, object], code: str) -> None:
    token = login(slip_api, "citizen")["token"]
    answer = slip_api.post("/v1/me/slips", json=body, headers={**citizen(token), **idem()})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code


def test_outcome_failed_then_reprint_printed(slip_api: TestClient, backend: Backend) -> None:
    token = login(slip_api, "citizen")["token"]
    doc = _issue(slip_api, token, {"kind": "CBZM"})
    path = f"/v1/me/slips/{doc.serial}/outcome"
    failed = slip_api.post(
        path, json={"printed": False, "reason": "out_of_paper"}, headers={**citizen(token), **idem()}
    )
    assert failed.status_code == 200, failed.text
    assert failed.json() == {"serial": doc.serial, "status": "failed", "reprint_count": 0}
    printed = slip_api.post(path, json={"printed": True, "reprint": True}, headers={**citizen(token), **idem()})
    assert printed.json() == {"serial": doc.serial, "status": "printed", "reprint_count": 1}
    with Session(backend.engine) as db:
        row = db.get(Slip, doc.serial)
        assert row is not None and row.status == "printed" and row.failure_reason is None
    other = login(slip_api, "staff")["token"]  # someone else's slip is not theirs to report on
    foreign = slip_api.post(path, json={"printed": True}, headers={**citizen(other), **idem()})
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "slip_unknown"


def test_without_citizen_token_no_slip(slip_api: TestClient) -> None:
    answer = slip_api.post("/v1/me/slips", json={"kind": "CBZM"}, headers=idem())
    assert answer.status_code == 401
