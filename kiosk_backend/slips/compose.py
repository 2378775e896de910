"""Compose a slip from its content: payload, signature, check code and the ``SlipDocument`` the kiosk renders.

Pure (no database): ``issue_slip`` adds the serial allocation and the archive around it; benchmarks and tests use
it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk_backend.schemas import SlipDocument, SlipKind, SlipSummaryRow
from kiosk_backend.slips.checkcode import check_code
from kiosk_backend.slips.payload import SlipPayload, SummaryEntry, build_body, details_digest, nfc
from kiosk_backend.slips.signing import Blob, qr_text, sign_body

TITLES: dict[str, str] = {"CBZM": "参保证明", "QYJLD": "个人权益记录单", "JFMX": "缴费明细"}
VERIFY_HINT = "扫描二维码，或登录 {url}/verify 输入查询流水号和校验码核验"
BEIJING = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class SlipContent:
    """What a slip says, before it gets a serial: the holder (name and *masked* ID only) and the rows."""

    kind: SlipKind
    holder_name: str
    masked_id: str
    summary_rows: Sequence[SlipSummaryRow]
    detail_columns: Sequence[str]
    detail_rows: Sequence[Sequence[str | int]]
    period: str | None = None


@dataclass(frozen=True)
class Issuer:
    """Who issues and how: office, kiosk, region, the verification URL and the keys."""

    issuing_office: str
    kiosk_id: str
    region_code: str
    verify_base_url: str
    private_key: Ed25519PrivateKey
    k_cc: bytes
    check_key_version: int


def compose_slip(
    content: SlipContent, issuer: Issuer, serial: str, issued: datetime, valid_until: datetime
) -> tuple[SlipDocument, Blob]:
    """Sign the payload and build the document (check code, QR text, verification hint)."""
    rows = [[nfc(c) if isinstance(c, str) else c for c in row] for row in content.detail_rows]
    digest = details_digest(rows)
    payload = SlipPayload(
        kind=content.kind,
        serial=serial,
        issued_at=int(issued.timestamp()),
        valid_until=int(valid_until.timestamp()),
        region_code=issuer.region_code,
        kiosk_id=issuer.kiosk_id,
        holder_name=nfc(content.holder_name),
        masked_id=content.masked_id,
        summary=tuple(
            SummaryEntry(r.insurance_code, r.status_code, r.from_period, r.to_period, r.months)
            for r in content.summary_rows
        ),
        details_digest=digest,
    )
    blob = sign_body(issuer.private_key, build_body(payload))
    document = SlipDocument(
        kind=content.kind,
        title=TITLES[content.kind],
        issuing_office=issuer.issuing_office,
        serial=serial,
        check_code=check_code(issuer.k_cc, issuer.check_key_version, serial, digest),
        holder_name=payload.holder_name,
        masked_id=payload.masked_id,
        period=content.period,
        issued_at=issued,
        valid_until=valid_until,
        region_code=issuer.region_code,
        kiosk_id=issuer.kiosk_id,
        summary_rows=list(content.summary_rows),
        detail_columns=[nfc(c) for c in content.detail_columns],
        detail_rows=rows,
        qr_text=qr_text(issuer.verify_base_url, blob.to_bytes()),
        verify_hint=VERIFY_HINT.format(url=issuer.verify_base_url.rstrip("/")),
    )
    return document, blob
