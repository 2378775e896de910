"""Verify a slip offline: read the QR (PDF → pdftoppm → zbarimg, PNG → zbarimg, or the QR text itself), check the
signature against trusted keys, and describe the payload so a person can compare it with the printed fields."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from kiosk_backend.slips.signing import BlobError, blob_from_qr_text
from kiosk_backend.slips.verify import Keyring, Verification, verify_blob

BEIJING = timezone(timedelta(hours=8))
RASTER_DPI = 200


class UnreadableSlip(Exception):
    """No slip QR code could be read from the input (exit code 2)."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise UnreadableSlip(f"{name} is not installed")
    return path


def decode_image(image: Path) -> list[str]:
    """Every QR code text in an image (zbarimg, QR only)."""
    done = subprocess.run(
        [_tool("zbarimg"), "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if line.strip()]


def qr_texts_of(source: str) -> list[str]:
    """The QR texts in a PDF or image file, or ``[source]`` when it is not a file (QR text given directly)."""
    path = Path(source)
    if not path.is_file():
        return [source]
    with path.open("rb") as handle:
        head = handle.read(5)
    if head != b"%PDF-":
        return decode_image(path)
    with tempfile.TemporaryDirectory(prefix="verify-slip-") as work:
        done = subprocess.run(
            [_tool("pdftoppm"), "-r", str(RASTER_DPI), "-gray", "-png", str(path), f"{work}/page"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise UnreadableSlip("the PDF cannot be rasterised")
        texts: list[str] = []
        for page in sorted(Path(work).glob("page*.png")):
            texts.extend(decode_image(page))
        return texts


def printed_mismatches(source: str, verification: Verification) -> list[str]:
    """For a PDF: the signed fields that do not appear in its printed text (an altered slip with an intact QR).
    Empty for images and QR text, which carry no printed text to compare."""
    payload = verification.payload
    path = Path(source)
    if payload is None or not path.is_file() or path.read_bytes()[:5] != b"%PDF-":
        return []
    done = subprocess.run([_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, timeout=60, check=False)
    text = "".join(done.stdout.decode("utf-8", errors="replace").split())
    issued = datetime.fromtimestamp(payload.issued_at, BEIJING).strftime("%Y-%m-%d%H:%M:%S")
    fields = {
        "查询流水号 serial": payload.serial,
        "社会保障号码 ID": payload.masked_id,
        "参保人 holder": "".join(payload.holder_name.split()),
        "签发时间 issued": issued,
    }
    return [name for name, value in fields.items() if value not in text]


def verify_source(source: str, keyring: Keyring, now: datetime | None = None) -> Verification:
    """Read and verify; raises :class:`UnreadableSlip` when no slip code is found."""
    moment = int((now or datetime.now(UTC)).timestamp())
    outcomes = []
    for text in qr_texts_of(source):
        try:
            blob = blob_from_qr_text(text)
        except BlobError:
            continue
        outcomes.append(verify_blob(blob, keyring, moment))
    if not outcomes:
        raise UnreadableSlip("no slip QR code found")
    return next((outcome for outcome in outcomes if outcome.genuine), outcomes[0])


def describe(verification: Verification) -> list[str]:
    """Lines for the terminal: the answer, then the signed payload (masked ID) to compare with the paper."""
    lines = [verification.text("zh") + " / " + verification.text("en")]
    payload = verification.payload
    if payload is None:
        return lines
    when = datetime.fromtimestamp(payload.issued_at, BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    until = datetime.fromtimestamp(payload.valid_until, BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    lines += [
        f"单据类型 type:       {payload.kind}",
        f"查询流水号 serial:   {payload.serial}",
        f"参保人 holder:       {payload.holder_name}",
        f"社会保障号码 ID:     {payload.masked_id}",
        f"签发 issued:         {when} (北京时间)",
        f"有效期至 valid until: {until}",
        f"地区 region:         {payload.region_code}   终端 kiosk: {payload.kiosk_id}",
        f"密钥 kid:            {verification.kid}",
    ]
    lines += [
        f"险种 {e.insurance_code} 状态 {e.status_code} {e.from_period}–{e.to_period} {e.months} 个月"
        for e in payload.summary
    ]
    lines.append(f"明细摘要 details digest: {payload.details_digest.hex()}")
    return lines
