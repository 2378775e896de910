"""Calm answers of the verification page: rate limit, oversized input, missing keys, unknown path."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from kiosk_backend.app import create_app
from tests.slips.conftest import SlipWorld

FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_form_page_and_limits(world: SlipWorld) -> None:
    doc = world.issue("CBZM")
    with TestClient(create_app(world.settings)) as client:
        page = client.get("/verify")
        assert (
            page.status_code == 200
            and "查询流水号" in page.text
            and "校验码" in page.text
            and "<script" not in page.text
        )
        for _ in range(3):  # serial_failures_per_hour = 3
            wrong = client.post("/verify", content=f"serial={doc.serial}&code=0000-0000-0000", headers=FORM)
            assert wrong.status_code == 200 and "校验码不正确" in wrong.text
        limited = client.post("/verify", content=f"serial={doc.serial}&code={doc.check_code}", headers=FORM)
        assert limited.status_code == 429 and "尝试次数过多" in limited.text
        huge = client.post("/verify", content="serial=" + "1" * 5000, headers=FORM)
        assert huge.status_code == 413
        bad = client.post("/verify", content="serial=12-34&code=x", headers=FORM)
        assert bad.status_code == 200 and "22位数字" in bad.text


def test_missing_master_key_is_unavailable_not_500(world: SlipWorld, tmp_path: Path) -> None:
    world.settings.slips.master_key_file = str(tmp_path / "gone.key")
    with TestClient(create_app(world.settings)) as client:
        answer = client.post("/verify", content="serial=6401042026112200000001&code=ABCD-ABCD-ABCD", headers=FORM)
    assert answer.status_code == 503 and "暂不可用" in answer.text


def test_garbage_qr_code_is_invalid(world: SlipWorld) -> None:
    with TestClient(create_app(world.settings)) as client:
        answer = client.get("/V/NOT-A-SLIP")
    assert answer.status_code == 200 and "无效" in answer.text


def test_wrong_master_key_is_unavailable_not_500(world: SlipWorld, tmp_path: Path) -> None:
    doc = world.issue("CBZM")
    other = tmp_path / "other.key"
    other.write_bytes(b"\x02" * 32)
    world.settings.slips.master_key_file = str(other)
    with TestClient(create_app(world.settings)) as client:
        answer = client.post("/verify", content=f"serial={doc.serial}&code={doc.check_code}", headers=FORM)
    assert answer.status_code == 503 and "暂不可用" in answer.text
