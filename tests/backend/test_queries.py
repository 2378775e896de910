"""The personal queries return the logged-in person's records, with filters and pagination that add up."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from tests.backend.conftest import citizen, login


@pytest.fixture
def worker(api: TestClient) -> dict[str, str]:
    return citizen(login(api, "citizen")["token"])


def test_basic_info_and_enrolments(api: TestClient, worker: dict[str, str]) -> None:
    me = api.get("/v1/me", headers=worker).json()
    assert me["name"] == "王建国"
    assert me["birth_date"] == "1980-03-15"
    assert me["phone"] == "13909510001"
    insurances = {e["insurance"]: e for e in api.get("/v1/me/enrolments", headers=worker).json()["items"]}
    assert {"110", "310"} <= set(insurances)
    assert all(e["status"] in {"1", "2", "3"} for e in insurances.values())


def test_contribution_pages_and_totals_add_up(api: TestClient, worker: dict[str, str]) -> None:
    everything = api.get("/v1/me/contributions", params={"limit": 500}, headers=worker).json()
    assert everything["total"] >= 120  # a career since the early 2000s
    periods = [m["period"] for m in everything["items"]]
    assert periods == sorted(periods, reverse=True)
    assert everything["totals"]["pension_personal"] == sum(m["pension_personal"] for m in everything["items"])
    for month in everything["items"]:
        if month["kind"] == "normal":
            assert month["pension_personal"] == month["base"] * 8 // 100
    pages = []
    for offset in range(0, everything["total"], 50):
        page = api.get("/v1/me/contributions", params={"limit": 50, "offset": offset}, headers=worker).json()
        pages.extend(page["items"])
    assert pages == everything["items"]
    year = api.get("/v1/me/contributions", params={"from_period": 201501, "to_period": 201512}, headers=worker).json()
    assert all(201501 <= m["period"] <= 201512 for m in year["items"])
    assert year["total"] == len([p for p in periods if 201501 <= p <= 201512])


@pytest.mark.parametrize(
    "params",
    [
        {"from_period": 201513},
        {"from_period": 202001, "to_period": 201901},
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"kind": "bogus"},
        {"from_period": "2015-01"},
        {"from_period": "1; DROP TABLE person"},
    ],
)
def test_bad_filters_are_4xx(api: TestClient, worker: dict[str, str], params: dict[str, object]) -> None:
    answer = api.get("/v1/me/contributions", params=params, headers=worker)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] in {"invalid_period", "invalid_request"}


def test_card_info(api: TestClient, worker: dict[str, str]) -> None:
    card = api.get("/v1/me/card", headers=worker).json()
    assert card["card_no"] == "A64010016"
    assert card["bank_account_masked"].startswith("*") and len(card["bank_account_masked"].strip("*")) == 4
    assert card["history"][0]["to_status"] == "normal"


def test_medical_account_balance_matches_the_newest_transaction(api: TestClient, worker: dict[str, str]) -> None:
    account = api.get("/v1/me/medical-account", params={"limit": 500}, headers=worker).json()
    assert account["items"], "a contributing employee has credits in the last year"
    assert account["balance"] == account["items"][0]["balance_after"]
    assert account["balance"] >= 0


def test_pension_account_accrues_with_interest(api: TestClient, worker: dict[str, str]) -> None:
    account = api.get("/v1/me/pension-account", headers=worker).json()
    years = account["items"]
    assert years and account["balance"] == years[-1]["closing"]
    for previous, year in itertools.pairwise(years):
        assert year["opening"] == previous["closing"]
        assert year["closing"] == year["opening"] + year["credits"] + year["interest"]
    recent = api.get("/v1/me/pension-account", params={"from_year": 2020, "to_year": 2022}, headers=worker).json()
    assert [y["year"] for y in recent["items"]] == [2020, 2021, 2022]


def test_retiree_pension_composition_and_payments(api: TestClient) -> None:
    retiree = citizen(login(api, "retiree")["token"])
    pension = next(
        b for b in api.get("/v1/me/benefits", headers=retiree).json()["items"] if b["kind"] == "basic_pension"
    )
    assert pension["status"] == "paying"
    assert sum(c["amount"] for c in pension["components"]) == pension["monthly_amount"]
    payments = api.get(f"/v1/me/benefits/{pension['id']}/payments", params={"from_period": 202601}, headers=retiree)
    body = payments.json()
    assert [p["period"] for p in body["items"]] == list(range(202610, 202600, -1))
    assert body["items"][0]["amount"] == pension["monthly_amount"]
    assert body["total_amount"] == sum(p["amount"] for p in body["items"])


def test_injured_person_has_determination_and_grades(api: TestClient) -> None:
    injured = citizen(login(api, "expired")["token"])  # the expired-card demo person is the injured persona
    items = api.get("/v1/me/work-injuries", headers=injured).json()["items"]
    assert items
    recognised = [i for i in items if i["result"] == "recognised"]
    for item in recognised:
        for assessment in item["assessments"]:
            assert 1 <= assessment["disability_grade"] <= 10
    cases = api.get("/v1/me/cases", headers=injured).json()["items"]
    assert any(c["service"] == "工伤认定申请" for c in cases)


def test_resident_has_resident_insurances(api: TestClient) -> None:
    resident = citizen(login(api, "blocked")["token"])  # the blocked-PIN demo person is the resident persona
    insurances = {e["insurance"] for e in api.get("/v1/me/enrolments", headers=resident).json()["items"]}
    assert insurances == {"170", "390"}
    months = api.get("/v1/me/contributions", headers=resident).json()["items"]
    assert months and all(m["kind"] == "resident" and m["period"] % 100 == 1 for m in months)


def test_lists_answer_for_everyone(api: TestClient, worker: dict[str, str]) -> None:
    for path in (
        "/v1/me/one-time-benefits",
        "/v1/me/cases",
        "/v1/me/medical-visits",
        "/v1/me/medical-contracts",
        "/v1/me/work-injuries",
        "/v1/me/transfers",
        "/v1/me/benefits",
    ):
        answer = api.get(path, headers=worker)
        assert answer.status_code == 200, path
        assert isinstance(answer.json()["items"], list)
    visits = api.get("/v1/me/medical-visits", params={"date_from": "2026-01-01"}, headers=worker).json()
    for visit in visits["items"]:
        assert visit["visit_date"] >= "2026-01-01"
        assert visit["total"] == visit["fund_paid"] + visit["account_paid"] + visit["self_paid"]
