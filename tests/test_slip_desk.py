"""The slip desk and the check service without the UI: periods offered, one issue per visit, 补打 reported, a lost
report never blocks the citizen; malformed serial / code refused before the backend is asked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk.backend_client.protocol import BackendUnavailable
from kiosk.printing.printers import DirectoryPrinter
from kiosk.services.slip_check import SlipChecker, looks_like_qr
from kiosk.services.slip_desk import SlipDesk, period_options, preview
from kiosk_backend.schemas import (
    SlipCheckResult,
    SlipDocument,
    SlipIssueRequest,
    SlipKeys,
    SlipOutcome,
    SlipOutcomeRequest,
)
from kiosk_backend.services.slip_samples import sample_document


class SlipBackend:
    """Records the slip calls; ``report_fails`` makes the outcome report unreachable."""

    def __init__(self) -> None:
        self.issued: list[SlipIssueRequest] = []
        self.reports: list[SlipOutcomeRequest] = []
        self.checks = 0
        self.report_fails = False

    def issue_slip(
        self, citizen_token: str, request: SlipIssueRequest, idempotency_key: str | None = None
    ) -> SlipDocument:
        assert citizen_token == "tok" and idempotency_key
        self.issued.append(request)
        return sample_document(request.kind)

    def report_slip_outcome(
        self, citizen_token: str, serial: str, outcome: SlipOutcomeRequest, idempotency_key: str | None = None
    ) -> SlipOutcome:
        if self.report_fails:
            raise BackendUnavailable("down")
        self.reports.append(outcome)
        return SlipOutcome(serial=serial, status="printed" if outcome.printed else "failed", reprint_count=0)

    def check_slip(self, serial: str, check_code: str) -> SlipCheckResult:
        self.checks += 1
        raise BackendUnavailable("down")

    def slip_keys(self) -> SlipKeys:
        raise BackendUnavailable("down")


def test_periods_offered() -> None:
    assert period_options("CBZM", date(2026, 11, 22)) == []
    years = [o.request.year for o in period_options("QYJLD", date(2026, 11, 22))]
    assert years == [2025, 2024, 2023]
    last12 = period_options("JFMX", date(2026, 11, 22))[0].request
    assert (last12.from_period, last12.to_period) == (202512, 202611)
    december = period_options("JFMX", date(2026, 12, 5))[0].request
    assert (december.from_period, december.to_period) == (202601, 202612)
    whole = period_options("JFMX", date(2026, 1, 5))[1].request
    assert (whole.from_period, whole.to_period) == (202501, 202512)


def test_preview_masks_the_name() -> None:
    doc = sample_document("QYJLD")
    values = " ".join(line.value for line in preview(doc))
    assert "王**" in values and "王建国" not in values and doc.serial in values and doc.check_code in values


def test_issue_once_per_visit_and_reprint_reported(tmp_path: Path) -> None:
    backend = SlipBackend()
    desk = SlipDesk(backend, lambda: "tok", DirectoryPrinter(tmp_path))  # type: ignore[arg-type]
    request = SlipIssueRequest(kind="JFMX", from_period=202501, to_period=202512)
    doc = desk.issue(request)
    assert desk.issue(request) is doc and len(backend.issued) == 1
    first = desk.print(doc)
    assert first.outcome.printed and not first.reprint
    second = desk.print(doc)
    assert second.outcome.printed and second.reprint
    assert [(r.printed, r.reprint) for r in backend.reports] == [(True, False), (True, True)]
    assert len(list(tmp_path.glob("*.pdf"))) == 2
    backend.report_fails = True  # the backend away: the citizen still gets the slip, the journal has it
    assert desk.print(doc).outcome.printed


def test_checker_refuses_malformed_input_locally() -> None:
    backend = SlipBackend()
    checker = SlipChecker(backend)  # type: ignore[arg-type]
    assert checker.by_code("12345", "ABCD-EFGH-JKMN").reason == "bad_serial"
    assert checker.by_code("6401042026112200000017", "ABC").reason == "bad_check_code"
    assert backend.checks == 0
    unavailable = checker.by_code("6401042026112200000017", "abcd efgh jkmn")
    assert unavailable.status == "unavailable" and backend.checks == 1
    assert "暂时无法校验" in unavailable.text("zh")
    assert checker.by_qr("HTTP://X/V/ABC").reason == "no_keys"
    assert looks_like_qr("http://127.0.0.1:8470/v/abc") and not looks_like_qr("6401042026112200000017")
