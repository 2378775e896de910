"""Issue → render PDF → pdftoppm → zbarimg → verify the signature and compare with the archive; and the CLI."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kiosk import cli as kiosk_cli
from kiosk.printing import fonts
from kiosk.printing.fonts import PrintingUnavailable
from kiosk.printing.render import render_slip, warm_up
from kiosk.services.slip_verification import qr_texts_of
from kiosk_backend.demo_cards import load_demo_cards
from kiosk_backend.models import Slip
from kiosk_backend.services import slip_keys
from kiosk_backend.slips.payload import details_digest, parse_body
from kiosk_backend.slips.signing import blob_from_qr_text, blob_to_base32, split_blob
from kiosk_backend.slips.verify import Keyring, verify_blob
from tests.helpers import require_tool
from tests.slips.conftest import ISSUED_AT, SlipWorld

NOW = int(ISSUED_AT.timestamp()) + 3600


def pdf_text(pdf: Path) -> str:
    done = subprocess.run([require_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.mark.parametrize(("kind", "layout"), [("CBZM", "a4"), ("QYJLD", "receipt80"), ("JFMX", "a4")])
def test_round_trip_through_paper_image(world: SlipWorld, tmp_path: Path, kind: str, layout: str) -> None:
    require_tool("pdftoppm")
    require_tool("zbarimg")
    doc = world.issue(kind)  # type: ignore[arg-type]
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(render_slip(doc, layout))  # type: ignore[arg-type]
    (text,) = qr_texts_of(str(pdf))  # rasterised with pdftoppm, decoded with zbarimg
    assert text == doc.qr_text
    blob = blob_from_qr_text(text)
    with Session(world.engine) as db:
        ring = Keyring.from_wire(slip_keys.published_keys(db))
        row = db.get(Slip, doc.serial)
        assert row is not None
        outcome = verify_blob(blob, ring, NOW)
        assert outcome.genuine and outcome.payload is not None
        assert split_blob(blob).body == row.body and split_blob(blob).signature == row.signature
        assert outcome.payload == parse_body(row.body)
        assert outcome.payload.details_digest == details_digest(row.content["detail_rows"])
    printed = pdf_text(pdf)
    for field in (doc.serial, doc.check_code, doc.masked_id, doc.holder_name, doc.title):
        assert field in printed


def test_pdf_embeds_the_cjk_truetype_font(world: SlipWorld, tmp_path: Path) -> None:
    assert warm_up() is True
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(render_slip(world.issue("CBZM")))
    fonts_out = subprocess.run([require_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    lines = fonts_out.splitlines()[2:]
    assert lines and all("WenQuanYiMicroHei" in line and "TrueType" in line and " yes yes " in line for line in lines)
    assert "STSong" not in fonts_out


def test_pin_never_and_full_id_never_on_the_slip(world: SlipWorld, tmp_path: Path) -> None:
    card = load_demo_cards().cards[0]
    doc = world.issue("QYJLD")
    for layout in ("a4", "receipt80"):
        pdf = tmp_path / f"{layout}.pdf"
        pdf.write_bytes(render_slip(doc, layout))  # type: ignore[arg-type]
        printed = pdf_text(pdf)
        assert card.pin not in printed and card.pin not in doc.qr_text
        assert card.ssn not in printed and "640104********2314" in printed
    payload = parse_body(split_blob(blob_from_qr_text(doc.qr_text)).body)
    assert payload.masked_id == "640104********2314"
    assert card.ssn.encode() not in blob_from_qr_text(doc.qr_text)


def test_reprint_is_marked(world: SlipWorld, tmp_path: Path) -> None:
    doc = world.issue("CBZM")
    first, again = tmp_path / "first.pdf", tmp_path / "again.pdf"
    first.write_bytes(render_slip(doc))
    again.write_bytes(render_slip(doc, reprint=True))
    assert "补打" not in pdf_text(first)
    assert "补打" in pdf_text(again) and doc.serial in pdf_text(again)


def test_no_cjk_font_means_printing_unavailable(world: SlipWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_registered", None)
    monkeypatch.setenv("KIOSK_CJK_FONT", "/nonexistent/font.ttc")
    with pytest.raises(PrintingUnavailable):
        render_slip(world.issue("CBZM"))
    assert warm_up() is False


def test_verify_slip_cli_exit_codes(
    world: SlipWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tool("pdftoppm")
    require_tool("zbarimg")
    doc = world.issue("CBZM")
    keys = tmp_path / "keys.json"
    with Session(world.engine) as db:
        slip_keys.export_keys(db, keys)
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(render_slip(doc))
    png_stem = tmp_path / "slip"
    subprocess.run([require_tool("pdftoppm"), "-r", "150", "-png", "-singlefile", str(pdf), str(png_stem)], check=True)
    monkeypatch.setattr("kiosk.services.slip_verification.datetime", _FrozenDatetime)

    assert kiosk_cli.main(["verify-slip", str(pdf), "--public-key", str(keys)]) == 0
    out = capsys.readouterr().out
    assert "真实有效" in out and doc.serial in out and doc.masked_id in out
    assert kiosk_cli.main(["verify-slip", f"{png_stem}.png", "--public-key", str(keys)]) == 0
    assert kiosk_cli.main(["verify-slip", doc.qr_text, "--public-key", str(keys)]) == 0
    capsys.readouterr()

    blob = bytearray(blob_from_qr_text(doc.qr_text))
    blob[25] ^= 0x01  # one changed byte in the payload
    tampered = doc.qr_text.rsplit("/", 1)[0] + "/" + blob_to_base32(bytes(blob))
    assert kiosk_cli.main(["verify-slip", tampered, "--public-key", str(keys)]) == 1
    assert "无效" in capsys.readouterr().out

    blank = tmp_path / "blank.pdf"
    blank.write_bytes(render_slip(doc).replace(b"/V/", b"/X/")[:200])  # not a readable slip
    assert kiosk_cli.main(["verify-slip", str(blank), "--public-key", str(keys)]) == 2
    assert kiosk_cli.main(["verify-slip", "hello world", "--public-key", str(keys)]) == 2
    assert kiosk_cli.main(["verify-slip", doc.qr_text, "--public-key", str(pdf)]) == 2


class _FrozenDatetime:
    """``datetime.now`` fixed one hour after the test slips were issued."""

    @staticmethod
    def now(tz: object = None) -> object:
        return ISSUED_AT.replace(hour=ISSUED_AT.hour + 1)

    @staticmethod
    def fromtimestamp(value: float, tz: object = None) -> object:
        from datetime import datetime

        return datetime.fromtimestamp(value, tz)  # type: ignore[arg-type]


def test_verify_slip_without_key_file_trusts_the_configured_backend_only(
    served: tuple[SlipWorld, str],
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, base = served
    doc = world.issue("CBZM", now=datetime.now(UTC))
    monkeypatch.setenv("KIOSK_BACKEND__URL", base)
    assert kiosk_cli.main(["verify-slip", doc.qr_text]) == 0
    assert "真实有效" in capsys.readouterr().out
    # a QR naming another host is still checked against the configured backend's keys, never the named host's
    elsewhere = "HTTP://EVIL.EXAMPLE/V/" + doc.qr_text.rsplit("/", 1)[1]
    assert kiosk_cli.main(["verify-slip", elsewhere]) == 0
    monkeypatch.setenv("KIOSK_BACKEND__URL", "http://127.0.0.1:9")  # nothing listens: no keys, usage error
    assert kiosk_cli.main(["verify-slip", doc.qr_text]) == 2
    assert "cannot get the slip keys" in capsys.readouterr().err


def test_altered_printed_text_with_intact_qr_is_caught(
    world: SlipWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tool("pdftotext")
    doc = world.issue("CBZM")
    keys = tmp_path / "keys.json"
    with Session(world.engine) as db:
        slip_keys.export_keys(db, keys)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(render_slip(doc.model_copy(update={"holder_name": "李四"})))  # same QR, other name printed
    monkeypatch.setattr("kiosk.services.slip_verification.datetime", _FrozenDatetime)
    assert kiosk_cli.main(["verify-slip", str(forged), "--public-key", str(keys)]) == 1
    out = capsys.readouterr().out
    assert "真实有效" in out and "printed text differs" in out and "参保人 holder" in out
