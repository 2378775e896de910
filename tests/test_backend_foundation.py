"""The backend's plumbing: Alembic migrations on first start, /v1/health, and the stable error shape."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from kiosk_backend.app import create_app
from kiosk_backend.config import BackendSettings, DatabaseSettings
from kiosk_backend.db import head_revision, upgrade_to_head


def sqlite_settings(tmp_path: Path) -> BackendSettings:
    return BackendSettings(database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'records.sqlite3'}"))


def test_migrations_create_schema_and_are_idempotent(tmp_path: Path) -> None:
    url = sqlite_settings(tmp_path).database_url()
    upgrade_to_head(url)
    upgrade_to_head(url)  # a second start changes nothing
    engine = create_engine(url)
    assert "kiosk" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()


def test_health_ok(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    upgrade_to_head(settings.database_url())
    with TestClient(create_app(settings)) as client:
        answer = client.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": "0.1.0", "database": "ok"}


def test_health_reports_unreachable_database(tmp_path: Path) -> None:
    settings = BackendSettings(database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'missing-dir' / 'x.sqlite3'}"))
    with TestClient(create_app(settings)) as client:
        answer = client.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json()["database"] == "unreachable"


def test_unknown_route_has_stable_error_shape(tmp_path: Path) -> None:
    with TestClient(create_app(sqlite_settings(tmp_path))) as client:
        answer = client.get("/v1/no-such-thing")
        wrong_method = client.post("/v1/health")
    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found", "message": "Not Found"}}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_default_database_lives_in_user_data_dir(isolated_home: Path) -> None:
    url = BackendSettings().database_url()
    assert url == f"sqlite:///{isolated_home}/.local/share/shebao-kiosk-backend/records.sqlite3"
