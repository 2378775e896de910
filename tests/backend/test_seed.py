"""The seeder: deterministic, realistic, the demo people always included, same records via COPY and executemany."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text

from kiosk_backend import cli
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.identifiers import is_valid_card_no, is_valid_ssn
from kiosk_backend.seed.generate import COLUMNS
from kiosk_backend.seed.load import AlreadySeeded, _copy_text, seed_database
from tests.backend.conftest import DEMO, SEED_PERSONS, Backend
from tests.backend.pg import PostgresServer

CHECKED = ("person", "card", "contribution", "benefit_payment", "pension_account_year", "medical_account_txn")


def _digest(engine: Engine, table: str) -> str:
    """A digest of a table's content that is the same on SQLite and PostgreSQL."""
    columns = [c for c in COLUMNS[table] if c not in {"changed_at", "status_changed_at", "occurred_at"}]
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}"))
        return hashlib.sha256(repr([tuple(str(v) for v in row) for row in rows]).encode()).hexdigest()


def _fresh_sqlite(path: Path, persons: int, seed: int) -> Engine:
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    engine = make_engine(url)
    seed_database(engine, persons, seed, DEMO.cards)
    return engine


def test_same_seed_same_records_other_seed_other_records(tmp_path: Path) -> None:
    one, two, other = (_fresh_sqlite(tmp_path / f"{n}.sqlite3", 25, s) for n, s in (("a", 5), ("b", 5), ("c", 6)))
    for table in CHECKED:
        assert _digest(one, table) == _digest(two, table), table
    assert _digest(one, "contribution") != _digest(other, "contribution")


def test_copy_on_postgresql_loads_what_sqlite_loads(postgres: PostgresServer, tmp_path: Path) -> None:
    sqlite = _fresh_sqlite(tmp_path / "s.sqlite3", 25, 9)
    url = postgres.create_database("kiosk_seed")
    upgrade_to_head(url)
    pg = make_engine(url)
    count_keys = text("SELECT count(*) FROM pg_constraint WHERE contype = 'f'")
    with pg.connect() as connection:
        keys_before = connection.execute(count_keys).scalar_one()
    report = seed_database(pg, 25, 9, DEMO.cards)
    with pg.connect() as connection:  # the loader drops foreign keys for speed and re-creates (validates) them
        assert connection.execute(count_keys).scalar_one() == keys_before > 20
    assert report.persons == 25 and report.rows["contribution"] > 25 * 60
    for table in CHECKED:
        assert _digest(sqlite, table) == _digest(pg, table), table
    with pg.connect() as connection:  # sequences moved past the explicit ids: a new row gets a fresh id
        next_id = connection.execute(text("SELECT nextval(pg_get_serial_sequence('person', 'id'))")).scalar_one()
    assert next_id == 26
    with pg.connect() as connection:  # the big tables were loaded frozen: nothing left for VACUUM to do
        sql = text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'contribution'")
        pages, all_visible = connection.execute(sql).one()
    assert pages > 0 and all_visible == pages
    with pg.connect() as connection:  # and recorded as vacuumed: autovacuum has no insert backlog to work off
        sql = text("SELECT n_ins_since_vacuum FROM pg_stat_user_tables WHERE relname = 'contribution'")
        assert connection.execute(sql).scalar_one() == 0
    pg.dispose()


def test_rows_in_any_seeded_table_refuse_a_postgresql_seed(postgres: PostgresServer) -> None:
    """Seeding truncates the tables it loads frozen: it first makes sure there is nothing to lose."""
    url = postgres.create_database("kiosk_seed_taken")
    upgrade_to_head(url)
    pg = make_engine(url)
    with pg.begin() as connection:
        sql = "INSERT INTO employer (code, name, region, injury_rate_permille) VALUES ('x', 'y', '640100', 2)"
        connection.execute(text(sql))
    with pytest.raises(AlreadySeeded, match="employer"):
        seed_database(pg, 5, 1, DEMO.cards)
    with pg.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM employer")).scalar_one() == 1
    pg.dispose()


def test_records_are_plausible(backend: Backend) -> None:
    with backend.engine.connect() as connection:
        people = connection.execute(text("SELECT ssn, household_region, persona FROM person")).all()
        cards = connection.execute(text("SELECT card_no, status FROM card")).all()
        bases = connection.execute(
            text("SELECT MIN(base), MAX(base), COUNT(*) FROM contribution WHERE kind = 'normal'")
        ).one()
        gaps = connection.execute(text("SELECT COUNT(DISTINCT person_id) FROM contribution")).scalar_one()
        paying = connection.execute(text("SELECT COUNT(*) FROM benefit WHERE kind = 'basic_pension'")).scalar_one()
    assert len(people) == SEED_PERSONS
    assert all(
        is_valid_ssn(ssn) and region.startswith(("6401", "6402", "6403", "6404", "6405")) for ssn, region, _ in people
    )
    assert len({ssn for ssn, _, _ in people}) == len(people)
    assert {persona for _, _, persona in people} == {"worker", "retiree", "resident", "injured"}
    assert all(is_valid_card_no(no) for no, _ in cards)
    assert bases[0] > 0 and bases[1] <= 3 * 830_000 and bases[2] > SEED_PERSONS * 50
    assert gaps > SEED_PERSONS // 2 and paying >= 1


def test_demo_people_match_their_cards(backend: Backend) -> None:
    with backend.engine.connect() as connection:
        for card in DEMO.cards:
            row = connection.execute(
                text(
                    "SELECT p.name, p.persona, c.card_no, c.status, c.atr FROM person p "
                    "JOIN card c ON c.person_id = p.id WHERE p.ssn = :ssn"
                ),
                {"ssn": card.ssn},
            ).one()
            assert tuple(row) == (card.name, card.persona, card.card_no, card.status, card.atr.hex().upper())
        staff = connection.execute(text("SELECT p.ssn FROM staff s JOIN person p ON p.id = s.person_id")).scalars()
        assert set(staff) == {c.ssn for c in DEMO.cards if c.role == "staff"}


def test_seeding_twice_is_refused(tmp_path: Path) -> None:
    engine = _fresh_sqlite(tmp_path / "x.sqlite3", 10, 1)
    with pytest.raises(AlreadySeeded):
        seed_database(engine, 10, 1, DEMO.cards)


def test_seed_and_kiosk_add_commands(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_BACKEND_DATABASE__URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert cli.main(["seed", "--persons", "15", "--seed", "2"]) == 0
    assert "seeded 15 people" in capsys.readouterr().out
    assert cli.main(["seed", "--persons", "15"]) == 1
    assert cli.main(["kiosk", "add", "NX-0001"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(token) >= 40
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM kiosk WHERE id = 'NX-0001'")).scalar_one()
    engine.dispose()
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    assert cli.main(["kiosk", "add", "NX-0001"]) == 1
    assert cli.main(["kiosk", "add", "NX-0001", "--rotate"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] != token
    assert cli.main(["kiosk", "add", "bad id!"]) == 2


def test_copy_text_escapes_what_copy_would_misread(postgres: PostgresServer) -> None:
    plain = [(1, "王建国", date(2026, 1, 15), None, True), (2, "普通", date(2026, 2, 1), 3.5, False)]
    tricky = [(3, "tab\there", date(2026, 3, 1), None, True), (4, "back\\slash\nline\r", date(2026, 4, 1), 0.0, False)]
    assert _copy_text(plain, 5).count("\t") == 8  # the fast path
    url = postgres.create_database("copy_text")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute("CREATE TEMP TABLE t (id int, name text, day date, amount float8, flag boolean)")
        for rows in (plain, tricky):
            with connection.cursor().copy("COPY t FROM STDIN") as copy:
                copy.write(_copy_text(rows, 5))
        assert connection.execute("SELECT * FROM t ORDER BY id").fetchall() == plain + tricky
