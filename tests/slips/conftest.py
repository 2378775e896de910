"""Slip fixtures: a migrated SQLite archive with keys, and a helper that issues real slips into it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk_backend.app import create_app
from kiosk_backend.config import BackendSettings, DatabaseSettings, SlipSettings
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.demo_cards import load_demo_cards
from kiosk_backend.schemas import SlipDocument, SlipKind
from kiosk_backend.services.slip_keys import MasterKey, init_keys
from kiosk_backend.services.slip_samples import sample_content
from kiosk_backend.services.slips import SlipHolder, issue_slip
from tests.slips.ipp_lab import free_port

ISSUED_AT = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)  # 09:30 in the hall


@dataclass
class SlipWorld:
    """A backend archive with keys: settings, engine and master key."""

    settings: BackendSettings
    engine: Engine
    master: MasterKey

    @property
    def slips(self) -> SlipSettings:
        return self.settings.slips

    def config_file(self, path: Path) -> Path:
        """A backend.toml pointing at this archive and master key (for CLI and server tests)."""
        path.write_text(
            f'[database]\nurl = "{self.settings.database_url()}"\n'
            f'[slips]\nmaster_key_file = "{self.settings.slips.master_key_file}"\n'
            f'verify_base_url = "{self.settings.slips.verify_base_url}"\n',
            encoding="utf-8",
        )
        return path

    def issue(self, kind: SlipKind = "QYJLD", now: datetime = ISSUED_AT) -> SlipDocument:
        card = load_demo_cards().cards[0]
        rows = sample_content(kind)
        with Session(self.engine) as db, db.begin():
            return issue_slip(
                db,
                self.master,
                self.slips,
                kind=kind,
                holder=SlipHolder(person_ref=f"person:{card.id}", name=card.name, ssn=card.ssn),
                summary_rows=rows.summary_rows,
                detail_columns=rows.detail_columns,
                detail_rows=rows.detail_rows,
                kiosk_id="NX-YC-0007",
                region_code="640104",
                period=rows.period,
                now=now,
            )


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SlipWorld]:
    settings = BackendSettings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'records.sqlite3'}"),
        slips=SlipSettings(master_key_file=str(tmp_path / "slip-master.key"), serial_failures_per_hour=3),
    )
    upgrade_to_head(settings.database_url())
    engine = make_engine(settings.database_url())
    master = MasterKey.load_or_create(settings.slip_master_key_path())
    with Session(engine) as db, db.begin():
        init_keys(db, master, datetime(2026, 1, 1, tzinfo=UTC))
    yield SlipWorld(settings, engine, master)
    engine.dispose()


@pytest.fixture
def served(world: SlipWorld) -> Iterator[tuple[SlipWorld, str]]:
    """The backend app on 127.0.0.1 (uvicorn in a thread); slips carry its address in their QR."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    world.settings.slips.verify_base_url = base
    server = uvicorn.Server(uvicorn.Config(create_app(world.settings), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield world, base
    server.should_exit = True
    thread.join(timeout=10)
