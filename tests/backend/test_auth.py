"""Every /v1 route but health, slip keys and the operators' fleet routes needs the kiosk token; personal routes
need a live citizen token."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from kiosk_backend.api.deps import KIOSK_CACHE_TTL_S, KioskTokenCache
from kiosk_backend.app import create_app
from kiosk_backend.config import BackendSettings, DatabaseSettings
from kiosk_backend.services.kiosks import register_kiosk
from tests.backend.conftest import DEMO, Backend, citizen, idem, login

PUBLIC = {"/v1/health", "/v1/slip-keys"}  # slip verification pages live outside /v1
OPERATOR = ("/v1/fleet",)  # operators' routes: their own token (tests/backend/test_fleet_api.py), never a kiosk's


def _routes() -> list[tuple[str, str]]:
    """Every operation of the served OpenAPI document (path parameters filled with 1)."""
    spec = create_app(BackendSettings(database=DatabaseSettings(url="sqlite://"))).openapi()
    found = []
    for path, operations in spec["paths"].items():
        if path.startswith("/v1") and path not in PUBLIC and not path.startswith(OPERATOR):
            for method in operations:
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return found


ROUTES = _routes()
PERSONAL = [(m, p) for m, p in ROUTES if p.startswith("/v1/me")]


def test_the_route_table_is_what_we_think() -> None:
    assert len(ROUTES) >= 19
    assert ("POST", "/v1/card-sessions") in ROUTES
    assert ("GET", "/v1/me/contributions") in ROUTES


@pytest.mark.parametrize("token", [None, "Bearer not-a-token", "Basic abc", "Bearer "])
def test_every_route_needs_a_kiosk_token(backend: Backend, token: str | None) -> None:
    with TestClient(create_app(backend.settings)) as client:
        for method, path in ROUTES:
            headers = {"Authorization": token} if token is not None else {}
            answer = client.request(method, path, json={}, headers={**headers, **idem()})
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["error"]["code"] in {"kiosk_token_required", "kiosk_token_invalid"}


def test_health_needs_no_token(backend: Backend) -> None:
    with TestClient(create_app(backend.settings)) as client:
        assert client.get("/v1/health").status_code == 200


def test_personal_routes_need_a_citizen_token(api: TestClient) -> None:
    for method, path in PERSONAL:
        for headers in ({}, citizen("forged-token")):
            answer = api.request(method, path, json={}, headers={**headers, **idem()})
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["error"]["code"] in {"citizen_token_required", "citizen_token_invalid"}


def test_a_citizen_token_only_works_at_its_kiosk(api: TestClient, backend: Backend) -> None:
    token = login(api, "citizen")["token"]
    other_kiosk = {"Authorization": f"Bearer {backend.tokens['NX-K2']}", **citizen(token)}
    for method, path in PERSONAL:
        answer = api.request(method, path, json={}, headers={**other_kiosk, **idem()})
        assert answer.status_code == 403, (method, path)
        assert answer.json()["error"]["code"] == "citizen_session_other_kiosk"


def test_an_ended_session_is_void(api: TestClient) -> None:
    token = login(api, "citizen")["token"]
    ended = api.post("/v1/me/session/end", headers={**citizen(token), **idem()})
    assert ended.status_code == 200
    answer = api.get("/v1/me", headers=citizen(token))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "citizen_session_expired"


def test_a_token_never_returns_another_persons_data(api: TestClient) -> None:
    mine = login(api, "citizen")["token"]
    retiree = login(api, "retiree")["token"]
    assert api.get("/v1/me", headers=citizen(mine)).json()["ssn"] == DEMO.by_id("citizen").ssn
    assert api.get("/v1/me", headers=citizen(retiree)).json()["ssn"] == DEMO.by_id("retiree").ssn
    pension = api.get("/v1/me/benefits", headers=citizen(retiree)).json()["items"][0]
    own = api.get(f"/v1/me/benefits/{pension['id']}/payments", headers=citizen(retiree))
    assert own.status_code == 200
    assert own.json()["total"] > 0
    foreign = api.get(f"/v1/me/benefits/{pension['id']}/payments", headers=citizen(mine))
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "benefit_unknown"
    # the person is never a parameter: an ssn in the query string is refused or ignored, never obeyed
    sneaky = api.get("/v1/me", params={"ssn": DEMO.by_id("retiree").ssn}, headers=citizen(mine))
    assert sneaky.json()["ssn"] == DEMO.by_id("citizen").ssn


def test_authentication_is_checked_before_the_filters(api: TestClient) -> None:
    answer = api.get("/v1/me/contributions", params={"from_period": 201513})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "citizen_token_required"


def test_a_replaced_kiosk_token_stops_working_within_the_cache_ttl(backend: Backend) -> None:
    kiosk_id = f"NX-TTL-{uuid.uuid4().hex[:8]}"
    old = register_kiosk(backend.engine, kiosk_id)
    now = [1000.0]
    app = create_app(backend.settings)
    app.state.kiosk_cache = KioskTokenCache(clock=lambda: now[0])
    with TestClient(app) as client:

        def ask(token: str) -> str:
            answer = client.get("/v1/me/enrolments", headers={"Authorization": f"Bearer {token}"})
            return str(answer.json()["error"]["code"])  # citizen_token_required: the kiosk token passed

        assert ask(old) == "citizen_token_required"
        new = register_kiosk(backend.engine, kiosk_id, replace=True)
        assert ask(new) == "citizen_token_required"  # a new token works at once (only good answers are cached)
        assert ask(old) == "citizen_token_required"  # still cached in this worker …
        now[0] += KIOSK_CACHE_TTL_S + 0.1
        assert ask(old) == "kiosk_token_invalid"  # … for at most the TTL
        assert ask(new) == "citizen_token_required"
