"""Issuing, archiving, keys and the verification doors of the backend (SLIP_SPEC §1, §3, §4)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_backend import cli as backend_cli
from kiosk_backend.app import create_app
from kiosk_backend.db import make_engine
from kiosk_backend.models import Slip, SlipLookup
from kiosk_backend.services import slip_keys
from kiosk_backend.services.slips import record_print_outcome, verify_by_code, verify_by_qr
from kiosk_backend.slips.signing import blob_from_qr_text, blob_to_base32
from kiosk_backend.slips.verify import Keyring, verify_blob
from tests.slips.conftest import ISSUED_AT, SlipWorld

LATER = ISSUED_AT + timedelta(days=1)


def test_issue_archives_signed_slip_with_masked_id(world: SlipWorld) -> None:
    first, second = world.issue("CBZM"), world.issue("JFMX")
    assert first.serial == "6401042026112200000001" and second.serial == "6401042026112200000002"
    assert first.masked_id == "640104********2314"
    assert "640104198003152314" not in first.model_dump_json()
    with Session(world.engine) as db:
        row = db.get(Slip, first.serial)
        assert row is not None
        assert (row.status, row.reprint_count, row.holder_ref) == ("issued", 0, "person:citizen")
        assert "check_code" not in row.content and "198003152314" not in json.dumps(row.content)
        ring = Keyring.from_wire(slip_keys.published_keys(db))
    outcome = verify_blob(blob_from_qr_text(first.qr_text), ring, int(LATER.timestamp()))
    assert outcome.genuine and outcome.payload is not None
    assert outcome.payload.masked_id == first.masked_id and outcome.payload.holder_name == "王建国"


def test_print_outcome_and_reprint_are_recorded(world: SlipWorld) -> None:
    doc = world.issue()
    with Session(world.engine) as db, db.begin():
        record_print_outcome(db, doc.serial, printed=False, reason="out_of_paper", now=LATER)
    with Session(world.engine) as db, db.begin():
        row = db.get(Slip, doc.serial)
        assert row is not None and (row.status, row.failure_reason) == ("failed", "out_of_paper")
        record_print_outcome(db, doc.serial, printed=True, reprint=True, now=LATER)
        assert (row.status, row.reprint_count, row.failure_reason) == ("printed", 1, None)


def test_form_door_is_case_and_dash_insensitive_and_logged(world: SlipWorld) -> None:
    doc = world.issue()
    typed = doc.check_code.replace("-", "").lower()
    with Session(world.engine) as db, db.begin():
        result = verify_by_code(
            db, world.master, world.slips, serial_text=doc.serial, code_text=typed, client="10.0.0.1", now=LATER
        )
        assert not isinstance(result, str)
        assert result.verification.status == "genuine"
        assert result.archived is not None and result.archived.detail_rows == doc.detail_rows
        wrong = verify_by_code(
            db,
            world.master,
            world.slips,
            serial_text=doc.serial,
            code_text="0000-0000-0000",
            client="10.0.0.1",
            now=LATER,
        )
        assert not isinstance(wrong, str)
        assert (wrong.verification.status, wrong.verification.reason, wrong.archived) == (
            "invalid",
            "wrong_check_code",
            None,
        )
        logged = [
            (r.door, r.serial, r.status, r.reason) for r in db.scalars(select(SlipLookup).order_by(SlipLookup.id))
        ]
    assert logged == [
        ("form", doc.serial, "genuine", "ok"),
        ("form", doc.serial, "invalid", "wrong_check_code"),
    ]


def test_wrong_guesses_are_rate_limited_per_serial_and_per_client(world: SlipWorld) -> None:
    doc = world.issue()

    def guess(client: str, code: str = "0000-0000-0000") -> object:
        with Session(world.engine) as db, db.begin():
            return verify_by_code(
                db, world.master, world.slips, serial_text=doc.serial, code_text=code, client=client, now=LATER
            )

    for n in range(3):  # serial_failures_per_hour = 3 in the fixture, spread over clients
        assert guess(f"10.0.0.{n}") != "limited"
    assert guess("10.0.0.99") == "limited"
    assert guess("10.0.0.99", doc.check_code) == "limited"  # even the right code, while locked
    world.settings.slips.client_failures_per_window = 2
    other = world.issue("CBZM")
    with Session(world.engine) as db, db.begin():
        answers = [
            verify_by_code(
                db,
                world.master,
                world.slips,
                serial_text=other.serial,
                code_text="1111-1111-1111",
                client="192.0.2.7",
                now=LATER,
            )
            for _ in range(3)
        ]
    assert answers[-1] == "limited"


def test_expired_revoked_and_rotated(world: SlipWorld) -> None:
    old = world.issue()
    with Session(world.engine) as db, db.begin():
        rotated_kid = slip_keys.rotate_keys(db, world.master, LATER, validity_days=90).kid
    new = world.issue("CBZM", now=LATER)
    ring_time = LATER + timedelta(hours=1)
    with Session(world.engine) as db, db.begin():
        ring = Keyring.from_wire(slip_keys.published_keys(db))
        assert verify_blob(blob_from_qr_text(old.qr_text), ring, int(ring_time.timestamp())).genuine  # old key verifies
        assert blob_from_qr_text(new.qr_text)[:4].hex() == rotated_kid
        expired = verify_by_qr(db, world.slips, code=old.qr_text, client="c", now=ISSUED_AT + timedelta(days=91))
        assert not isinstance(expired, str) and expired.verification.status == "expired"
        slip_keys.revoke_serial(db, new.serial, "withdrawn at counter", LATER)
        withdrawn = verify_by_qr(db, world.slips, code=new.qr_text, client="c", now=ring_time)
        assert not isinstance(withdrawn, str)
        assert (withdrawn.verification.status, withdrawn.verification.reason) == ("revoked", "serial_revoked")
        old_kid = blob_from_qr_text(old.qr_text)[:4].hex()
        slip_keys.revoke_key(db, old_kid, ring_time)
        revoked = verify_by_code(
            db, world.master, world.slips, serial_text=old.serial, code_text=old.check_code, client="c", now=ring_time
        )
        assert not isinstance(revoked, str)
        assert (revoked.verification.status, revoked.verification.reason) == ("revoked", "key_revoked")


def test_qr_door_refuses_tampering_and_unknown_slips(world: SlipWorld) -> None:
    doc = world.issue()
    blob = bytearray(blob_from_qr_text(doc.qr_text))
    blob[30] ^= 0x04
    with Session(world.engine) as db, db.begin():
        tampered = verify_by_qr(db, world.slips, code=blob_to_base32(bytes(blob)), client="c", now=LATER)
        garbage = verify_by_qr(db, world.slips, code="not base32!", client="c", now=LATER)
        assert not isinstance(tampered, str) and not isinstance(garbage, str)
        assert (tampered.verification.status, tampered.verification.reason) == ("invalid", "bad_signature")
        assert (garbage.verification.status, garbage.verification.reason) == ("invalid", "bad_base32")
        db.delete(db.get(Slip, doc.serial))
        db.flush()
        missing = verify_by_qr(db, world.slips, code=doc.qr_text, client="c", now=LATER)
        assert not isinstance(missing, str) and missing.verification.reason == "archive_mismatch"


def test_slip_keys_endpoint_and_export_are_the_same_json(world: SlipWorld, tmp_path: Path) -> None:
    world.issue()
    with TestClient(create_app(world.settings)) as client:
        answer = client.get("/v1/slip-keys")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"keys", "revoked_serials"}
    (key,) = body["keys"]
    assert set(key) == {"kid", "alg", "public_key", "not_before", "not_after", "revoked"}
    assert key["alg"] == "Ed25519" and len(key["kid"]) == 8 and key["revoked"] is False
    config = world.config_file(tmp_path / "backend.toml")
    exported = tmp_path / "keys.json"
    assert backend_cli.main(["keys", "export", str(exported), "--config", str(config)]) == 0
    assert json.loads(exported.read_text(encoding="utf-8")) == body


def test_keys_cli_init_rotate_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "backend.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "r.sqlite3"}"\n[slips]\nmaster_key_file = "{tmp_path / "m.key"}"\n',
        encoding="utf-8",
    )
    args = ["--config", str(config)]
    assert backend_cli.main(["keys", "init", *args]) == 0
    assert (tmp_path / "m.key").stat().st_mode & 0o777 == 0o600
    assert backend_cli.main(["keys", "init", *args]) == 0
    assert "already exists" in capsys.readouterr().out
    assert backend_cli.main(["keys", "rotate", *args]) == 0
    assert backend_cli.main(["keys", "revoke", "deadbeef", *args]) == 1
    assert "no slip signing key deadbeef" in capsys.readouterr().err
    assert backend_cli.main(["keys", "revoke-serial", "123", *args]) == 1
    assert backend_cli.main(["keys", "list", *args]) == 0
    listing = capsys.readouterr().out.strip().splitlines()
    assert len(listing) == 2 and "not_after=None" in listing[1]
    # the database alone cannot sign: private keys are sealed under the master key file
    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with Session(engine) as db, pytest.raises(slip_keys.SlipKeyError) as refused:
        slip_keys.current_signer(db, slip_keys.MasterKey(b"\x00" * 32))
    engine.dispose()
    assert refused.value.code == "wrong_master_key"
    (tmp_path / "m.key").write_bytes(b"\x01" * 32)  # someone replaced the master key file
    assert backend_cli.main(["keys", "rotate", *args]) == 1
    assert "does not open the keys" in capsys.readouterr().err
    assert backend_cli.main(["keys", "export", str(tmp_path / "no-dir" / "k.json"), *args]) == 2
