"""Migrations match the models on SQLite and PostgreSQL, and go down and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from kiosk_backend.db import alembic_config, upgrade_to_head
from kiosk_backend.models import Base
from tests.backend.pg import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database("kiosk_migrations")


def test_models_and_migrations_agree_and_downgrade_works(empty_url: str) -> None:
    upgrade_to_head(empty_url)
    engine = create_engine(empty_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    command.downgrade(alembic_config(empty_url), "0001")
    assert set(inspect(engine).get_table_names()) == {"kiosk", "alembic_version"}
    upgrade_to_head(empty_url)
    assert "contribution" in inspect(engine).get_table_names()
    engine.dispose()
