"""Synthetic content of the three slip types (demo, tests, benchmarks) until the records API (issue #3) gathers
the real rows. Money is formatted from fen; nothing here is a real person."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk_backend.schemas import SlipDocument, SlipKind, SlipSummaryRow
from kiosk_backend.slips.compose import Issuer, SlipContent, compose_slip

INSURANCE = {"110": "企业职工基本养老保险", "210": "失业保险", "310": "职工基本医疗保险", "410": "工伤保险"}
STATUS = {1: "参保缴费", 2: "暂停缴费", 3: "终止参保"}
EMPLOYER = "银川市兴庆区示例科技有限公司"


@dataclass(frozen=True)
class SampleRows:
    """What ``issue_slip`` needs besides the holder: summary, detail table and period."""

    kind: SlipKind
    summary_rows: list[SlipSummaryRow]
    detail_columns: list[str]
    detail_rows: list[list[str | int]]
    period: str | None


def yuan(fen: int) -> str:
    """Fen as printed yuan: ``445764`` → ``"4457.64"``."""
    return f"{fen // 100}.{fen % 100:02d}"


def _summary() -> list[SlipSummaryRow]:
    return [
        SlipSummaryRow(
            insurance_code=code,
            insurance_name=name,
            status_code=1,
            status_name=STATUS[1],
            from_period=201507,
            to_period=202510,
            months=124,
        )
        for code, name in INSURANCE.items()
    ]


def sample_content(kind: SlipKind, year: int = 2025) -> SampleRows:
    """A realistic one-page slip of each type."""
    base = 445764  # 4457.64 yuan
    if kind == "CBZM":
        columns = ["险种", "参保单位", "参保状态", "参保日期"]
        rows: list[list[str | int]] = [[name, EMPLOYER, STATUS[1], "2015-07-01"] for name in INSURANCE.values()]
        return SampleRows(kind, _summary(), columns, rows, None)
    if kind == "QYJLD":
        columns = ["年月", "缴费基数", "养老个人缴费", "医疗个人缴费", "失业个人缴费", "缴费单位"]
        rows = [
            [f"{year}-{m:02d}", yuan(base), yuan(base * 8 // 100), yuan(base * 2 // 100), yuan(base // 200), EMPLOYER]
            for m in range(1, 13)
        ]
        return SampleRows(kind, _summary(), columns, rows, str(year))
    columns = ["缴费年月", "险种", "缴费基数", "单位缴费", "个人缴费", "到账状态"]
    rows = []
    for m in range(1, 13):
        rows.append([f"{year}-{m:02d}", "养老", yuan(base), yuan(base * 16 // 100), yuan(base * 8 // 100), "已到账"])
        rows.append([f"{year}-{m:02d}", "医疗", yuan(base), yuan(base * 6 // 100), yuan(base * 2 // 100), "已到账"])
    return SampleRows(kind, _summary(), columns, rows, f"{year}-01至{year}-12")


def sample_document(
    kind: SlipKind,
    *,
    private_key: Ed25519PrivateKey | None = None,
    serial: str = "6401042026112200000017",
    verify_base_url: str = "http://127.0.0.1:8470",
    issued: datetime | None = None,
) -> SlipDocument:
    """A signed sample slip without a database (benchmarks, rendering tests); a throw-away key by default."""
    rows = sample_content(kind)
    issuer = Issuer(
        issuing_office="银川市社会保险事业管理局",
        kiosk_id="NX-YC-0007",
        region_code="640104",
        verify_base_url=verify_base_url,
        private_key=private_key or Ed25519PrivateKey.generate(),
        k_cc=secrets.token_bytes(32),
        check_key_version=1,
    )
    content = SlipContent(
        kind, "王建国", "640104********2314", rows.summary_rows, rows.detail_columns, rows.detail_rows, rows.period
    )
    moment = (issued or datetime.now(UTC)).replace(microsecond=0)
    document, _blob = compose_slip(content, issuer, serial, moment, moment + timedelta(days=90))
    return document
