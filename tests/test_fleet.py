"""The fleet: several kiosk processes and one kiosk app heartbeat to one real backend process on loopback.

Their states show on the fleet view (JSON and page); a remote out of service reaches the right kiosk with the first
heartbeat sent after the operator's command, and no other kiosk.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kiosk.app import KioskApp
from kiosk.backend_client.embedded import EmbeddedBackend
from kiosk.backend_client.http_client import HttpBackend
from kiosk.clock import SystemClock
from kiosk.config import BackendSection, FleetSection, KioskSettings
from kiosk.context import KioskContext
from kiosk.journal import Journal
from kiosk.screens.attract import AttractScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.services.kiosks import register_kiosk
from tests.helpers import REPO

OPERATOR = "fleet-test-operator-token"
AGENTS = {"NX-F1": "full", "NX-F2": "low", "NX-F3": "out"}
BEAT_S = 0.3


@dataclass
class Fleet:
    url: str
    tokens: dict[str, str]
    logs: dict[str, Path]
    operator: httpx.Client


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    database = tmp_path / "fleet.sqlite3"
    upgrade_to_head(f"sqlite:///{database}")
    engine = make_engine(f"sqlite:///{database}")
    tokens = {kiosk: register_kiosk(engine, kiosk) for kiosk in [*AGENTS, "NX-APP"]}
    engine.dispose()
    monkeypatch.setenv("KIOSK_BACKEND_FLEET__OPERATOR_TOKEN", OPERATOR)
    server = EmbeddedBackend(database, tmp_path / "backend.log")
    server.start()
    agents: list[subprocess.Popen[bytes]] = []
    operator = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {OPERATOR}"}, timeout=10)
    try:
        for _ in range(200):
            try:
                if operator.get("/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        logs = {kiosk: tmp_path / f"{kiosk}.jsonl" for kiosk in AGENTS}
        for kiosk, paper in AGENTS.items():
            argv = [server.url, tokens[kiosk], kiosk, str(logs[kiosk]), str(BEAT_S), paper]
            agents.append(subprocess.Popen([sys.executable, "-m", "tests.fleet_agent", *argv], cwd=REPO))
        yield Fleet(server.url, tokens, logs, operator)
    finally:
        for agent in agents:
            agent.terminate()
        for agent in agents:
            agent.wait(10)
        operator.close()
        server.stop()


def beats(fleet: Fleet, kiosk: str) -> list[dict[str, object]]:
    path = fleet.logs[kiosk]
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_for(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    assert predicate(), "not reached in time"  # type: ignore[operator]


def fleet_rows(fleet: Fleet) -> dict[str, dict[str, object]]:
    return {row["kiosk_id"]: row for row in fleet.operator.get("/v1/fleet").json()["kiosks"]}


async def test_fleet_view_and_remote_out_of_service_reach_the_right_kiosk(fleet: Fleet, tmp_path: Path) -> None:
    wait_for(lambda: all(any(b["delivered"] for b in beats(fleet, kiosk)) for kiosk in AGENTS))
    rows = fleet_rows(fleet)
    for kiosk, paper in AGENTS.items():
        assert rows[kiosk]["stale"] is False
        assert rows[kiosk]["devices"]["printer"]["paper"] == paper  # type: ignore[index]
    wait_for(lambda: all(fleet_rows(fleet)[k]["service_state"] == "in_service" for k in AGENTS))
    assert rows["NX-APP"]["stale"] is True and rows["NX-APP"]["last_heartbeat_at"] is None
    page = fleet.operator.get("/fleet")
    assert page.status_code == 200 and all(f'id="kiosk-{kiosk}"' in page.text for kiosk in AGENTS)
    assert "缺纸" in page.text and "纸少" in page.text

    command = {"mode": "out_of_service", "reason": "网点装修，暂停服务"}
    assert fleet.operator.post("/v1/fleet/kiosks/NX-F2/service", json=command).status_code == 200
    commanded_at = time.time()
    wait_for(lambda: any(b["started"] > commanded_at and b["delivered"] for b in beats(fleet, "NX-F2")))
    first_after = next(b for b in beats(fleet, "NX-F2") if b["started"] > commanded_at and b["delivered"])
    assert first_after["remote"] == "网点装修，暂停服务" and first_after["state"] == "out_of_service"
    wait_for(lambda: all(any(b["started"] > commanded_at + BEAT_S for b in beats(fleet, k)) for k in AGENTS))
    for kiosk in ("NX-F1", "NX-F3"):
        assert all(b["remote"] is None for b in beats(fleet, kiosk))
    wait_for(lambda: fleet_rows(fleet)["NX-F2"]["service_state"] == "out_of_service")
    assert fleet_rows(fleet)["NX-F2"]["command"] == command
    assert fleet_rows(fleet)["NX-F1"]["service_state"] == "in_service"

    assert fleet.operator.post("/v1/fleet/kiosks/NX-F2/service", json={"mode": "in_service"}).status_code == 200
    back_at = time.time()
    wait_for(lambda: any(b["started"] > back_at and b["delivered"] for b in beats(fleet, "NX-F2")))
    first_back = next(b for b in beats(fleet, "NX-F2") if b["started"] > back_at and b["delivered"])
    assert first_back["remote"] is None and first_back["state"] == "in_service"

    # the full kiosk app on the same backend: its screen follows the operator's command
    backend = HttpBackend(fleet.url, fleet.tokens["NX-APP"])
    journal = Journal(tmp_path / "app-journal")
    settings = KioskSettings(
        kiosk_id="NX-APP",
        backend=BackendSection(health_interval_s=0.2, startup_grace_s=0),
        fleet=FleetSection(heartbeat_interval_s=BEAT_S, journal_upload_interval_s=BEAT_S),
    )
    app = KioskApp(KioskContext.create(settings, SystemClock(), backend, journal=journal))
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(300):
            await pilot.pause(0.05)
            if isinstance(app.screen, AttractScreen) and fleet_rows(fleet)["NX-APP"]["last_heartbeat_at"]:
                break
        command = {"mode": "out_of_service", "reason": "远程维护"}
        assert fleet.operator.post("/v1/fleet/kiosks/NX-APP/service", json=command).status_code == 200
        for _ in range(300):
            await pilot.pause(0.05)
            if isinstance(app.screen, OutOfServiceScreen):
                break
        assert isinstance(app.screen, OutOfServiceScreen) and app.screen.reason_text == "远程维护"
        for _ in range(300):
            await pilot.pause(0.05)
            if fleet_rows(fleet)["NX-APP"]["journal_uploaded_seq"] == journal.last().seq:  # type: ignore[union-attr]
                break
        assert fleet_rows(fleet)["NX-APP"]["journal_uploaded_seq"] == journal.uploaded_seq() > 0
    journal.close()
    backend.close()
