"""The personal queries of the Ningxia service guide, as :class:`QuerySpec` s the query screen shows.

Each loader asks the backend (blocking: the screen runs it in a worker thread) and turns the answer into a
:class:`TableView` or :class:`FieldsView` of formatted, masked text. Column and label names are catalog keys.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from kiosk.backend_client.protocol import Backend
from kiosk.clock import Clock
from kiosk.services.pension_estimate import PensionRules
from kiosk.services.pension_view import OPTIONS as ESTIMATE_OPTIONS
from kiosk.services.pension_view import PensionEstimateLoader
from kiosk.services.views import (
    Column,
    FieldsView,
    PeriodOption,
    QueryRequest,
    QuerySpec,
    QueryView,
    TableView,
    period_text,
    yuan,
)
from kiosk_backend.identifiers import mask_name, mask_phone, mask_ssn, mask_tail

PAGE_SIZE = 12
TokenSource = Callable[[], str]  # the active session's token; raises when the session has ended

YEAR_PERIODS = (
    PeriodOption("1y", "period.1y"),
    PeriodOption("3y", "period.3y"),
    PeriodOption("5y", "period.5y"),
    PeriodOption("all", "period.all"),
)
MONTH_PERIODS = (PeriodOption("3m", "period.3m"), PeriodOption("1y", "period.1y"), PeriodOption("all", "period.all"))
_PERIOD_DAYS = {"3m": 92, "1y": 366, "3y": 3 * 366, "5y": 5 * 366}

STATUS_KEYS = {"1": "enrol.status.1", "2": "enrol.status.2", "3": "enrol.status.3"}


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _offset(request: QueryRequest) -> int:
    return (request.page - 1) * PAGE_SIZE


class QueryCatalog:
    """Builds the query specs for one session."""

    def __init__(
        self,
        backend: Backend,
        token: TokenSource,
        clock: Clock,
        tr: Callable[[str], str],
        pension_rules: PensionRules | None = None,
    ) -> None:
        self._pension_rules = pension_rules
        self._backend = backend
        self._token = token
        self._clock = clock
        self._tr = tr  # catalog lookup in the session's language, for words inside cells

    def _since(self, period: str | None) -> date | None:
        days = _PERIOD_DAYS.get(period or "all")
        return None if days is None else self._clock.now().date() - timedelta(days=days)

    def _since_period(self, period: str | None) -> int | None:
        since = self._since(period)
        return None if since is None else since.year * 100 + since.month

    def _ins(self, code: str) -> str:
        return self._tr(f"ins.{code}")

    # ------------------------------------------------------------------ the specs
    def specs(self) -> dict[str, QuerySpec]:
        """Every query, by key."""
        specs = [
            QuerySpec("basic", "query.basic", self.basic),
            QuerySpec("card", "query.card", self.card),
            QuerySpec("enrolment", "query.enrolment", self.enrolment),
            QuerySpec("payments", "query.payments", self.payments, YEAR_PERIODS),
            QuerySpec("supplementary", "query.supplementary", self.supplementary),
            QuerySpec("transfers", "query.transfers", self.transfers),
            QuerySpec("medical_account", "query.medical_account", self.medical_account, MONTH_PERIODS),
            QuerySpec("medical_visits", "query.medical_visits", self.medical_visits, MONTH_PERIODS),
            QuerySpec("medical_contracts", "query.medical_contracts", self.medical_contracts),
            QuerySpec("pension_account", "query.pension_account", self.pension_account, YEAR_PERIODS),
            QuerySpec("benefits", "query.benefits", self.benefits),
            QuerySpec("benefit_payments", "query.benefit_payments", self.benefit_payments, YEAR_PERIODS),
            QuerySpec("one_time", "query.one_time", self.one_time),
            QuerySpec("injuries", "query.injuries", self.injuries),
            QuerySpec("cases", "query.cases", self.cases),
        ]
        if self._pension_rules is not None:
            loader = PensionEstimateLoader(self._backend, self._token, self._clock, self._pension_rules, self._tr)
            specs.append(QuerySpec("pension_estimate", "query.pension_estimate", loader, ESTIMATE_OPTIONS))
        return {spec.key: spec for spec in specs}

    # ------------------------------------------------------------------ loaders
    def basic(self, _request: QueryRequest) -> QueryView:
        """个人基本信息."""
        p = self._backend.person_info(self._token())
        fields = (
            ("field.name", mask_name(p.name)),
            ("field.ssn", mask_ssn(p.ssn)),
            ("field.sex", self._tr(f"sex.{p.sex}")),
            ("field.birth_date", p.birth_date.isoformat()),
            ("field.ethnic", self._tr(f"ethnic.{p.ethnic}") if p.ethnic in ("01", "03") else p.ethnic),
            ("field.household", self._tr(f"household.{p.household_type}") + f" ({p.household_region})"),
            ("field.phone", mask_phone(p.phone)),
            ("field.work_start", p.work_start.isoformat() if p.work_start else "—"),
        )
        return FieldsView("query.basic", fields, note_key="note.masked")

    def card(self, _request: QueryRequest) -> QueryView:
        """社会保障卡持卡 / 发卡信息."""
        c = self._backend.card_info(self._token())
        fields = [
            ("field.card_no", mask_tail(c.card_no)),
            ("field.card_status", self._tr(f"card.status.{c.status}")),
            ("field.issued_on", c.issued_on.isoformat()),
            ("field.expires_on", c.expires_on.isoformat()),
            ("field.bank", c.bank),
            ("field.bank_account", mask_tail(c.bank_account_masked)),
        ]
        if c.loss_expires_at is not None:
            fields.append(("field.loss_expires", c.loss_expires_at.date().isoformat()))
        return FieldsView("query.card", tuple(fields), note_key="note.masked")

    def enrolment(self, _request: QueryRequest) -> QueryView:
        """个人参保信息."""
        items = self._backend.enrolments(self._token()).items
        rows = tuple(
            (
                self._ins(i.insurance),
                self._tr(STATUS_KEYS[i.status]),
                period_text(i.start_period),
                period_text(i.end_period) if i.end_period else "—",
                i.employer_name or "—",
            )
            for i in items
        )
        columns = (
            Column("col.insurance"),
            Column("col.status"),
            Column("col.from"),
            Column("col.to"),
            Column("col.employer"),
        )
        return TableView("query.enrolment", columns, rows)

    def _contributions(self, request: QueryRequest, title: str, kind: str | None) -> QueryView:
        page = self._backend.contributions(
            self._token(),
            from_period=self._since_period(request.period),
            kind=kind,
            limit=PAGE_SIZE,
            offset=_offset(request),
        )
        rows = tuple(
            (
                period_text(m.period),
                yuan(m.base),
                yuan(m.pension_personal),
                yuan(m.pension_unit),
                yuan(m.medical_personal),
                yuan(m.medical_unit),
                yuan(m.unemployment_personal + m.unemployment_unit),
                m.employer_name or self._tr(f"kind.{m.kind}"),
            )
            for m in page.items
        )
        t = page.totals
        totals = (
            self._tr("row.total_months").format(months=t.months),
            "",
            yuan(t.pension_personal),
            yuan(t.pension_unit),
            yuan(t.medical_personal),
            yuan(t.medical_unit),
            yuan(t.unemployment_personal + t.unemployment_unit),
            "",
        )
        columns = (
            Column("col.period"),
            Column("col.base", "right"),
            Column("col.pension_personal", "right"),
            Column("col.pension_unit", "right"),
            Column("col.medical_personal", "right"),
            Column("col.medical_unit", "right"),
            Column("col.unemployment", "right"),
            Column("col.employer", width=12),
        )
        return TableView(title, columns, rows, totals, request.page, _pages(page.total), note_key="note.yuan")

    def payments(self, request: QueryRequest) -> QueryView:
        """个人缴费信息 (all kinds)."""
        return self._contributions(request, "query.payments", None)

    def supplementary(self, request: QueryRequest) -> QueryView:
        """补缴记录."""
        return self._contributions(request, "query.supplementary", "supplementary")

    def transfers(self, _request: QueryRequest) -> QueryView:
        """转移接续进度."""
        items = self._backend.transfers(self._token()).items
        rows = tuple(
            (
                self._ins(t.insurance),
                f"{t.from_region} → {t.to_region}",
                f"{period_text(t.from_period)}~{period_text(t.to_period)}",
                str(t.months),
                yuan(t.fund_amount),
                self._tr(f"transfer.{t.status}"),
                t.applied_on.isoformat(),
            )
            for t in items
        )
        columns = (
            Column("col.insurance"),
            Column("col.regions"),
            Column("col.periods"),
            Column("col.months", "right"),
            Column("col.fund", "right"),
            Column("col.status"),
            Column("col.applied_on"),
        )
        return TableView("query.transfers", columns, rows)

    def medical_account(self, request: QueryRequest) -> QueryView:
        """职工医疗保险个人账户余额 + 明细."""
        page = self._backend.medical_account(
            self._token(), date_from=self._since(request.period), limit=PAGE_SIZE, offset=_offset(request)
        )
        rows = tuple(
            (
                t.occurred_at.date().isoformat(),
                self._tr(f"txn.{t.kind}"),
                yuan(t.amount),
                yuan(t.balance_after),
                t.description,
            )
            for t in page.items
        )
        totals = (self._tr("row.balance"), "", "", yuan(page.balance), "")
        columns = (
            Column("col.date"),
            Column("col.kind"),
            Column("col.amount", "right"),
            Column("col.balance", "right"),
            Column("col.description", width=20),
        )
        pages = _pages(page.total)
        return TableView("query.medical_account", columns, rows, totals, request.page, pages, note_key="note.yuan")

    def medical_visits(self, request: QueryRequest) -> QueryView:
        """就医信息."""
        page = self._backend.medical_visits(
            self._token(), date_from=self._since(request.period), limit=PAGE_SIZE, offset=_offset(request)
        )
        rows = tuple(
            (
                v.visit_date.isoformat(),
                self._tr(f"visit.{v.kind}"),
                v.institution,
                v.diagnosis,
                yuan(v.total),
                yuan(v.fund_paid),
                yuan(v.account_paid),
                yuan(v.self_paid),
            )
            for v in page.items
        )
        columns = (
            Column("col.date"),
            Column("col.kind"),
            Column("col.institution", width=14),
            Column("col.diagnosis", width=10),
            Column("col.total", "right"),
            Column("col.fund_paid", "right"),
            Column("col.account_paid", "right"),
            Column("col.self_paid", "right"),
        )
        pages = _pages(page.total)
        return TableView("query.medical_visits", columns, rows, None, request.page, pages, note_key="note.yuan")

    def medical_contracts(self, _request: QueryRequest) -> QueryView:
        """门诊统筹 / 门诊大病签约."""
        items = self._backend.medical_contracts(self._token()).items
        rows = tuple(
            (
                self._tr(f"contract.{c.kind}"),
                c.institution,
                c.disease or "—",
                f"{c.start_date.isoformat()}~{c.end_date.isoformat()}",
                self._tr(f"contract.status.{c.status}"),
            )
            for c in items
        )
        columns = (
            Column("col.kind"),
            Column("col.institution"),
            Column("col.disease"),
            Column("col.valid"),
            Column("col.status"),
        )
        return TableView("query.medical_contracts", columns, rows)

    def pension_account(self, request: QueryRequest) -> QueryView:
        """养老保险个人账户 by year."""
        since = self._since(request.period)
        account = self._backend.pension_account(self._token(), from_year=since.year if since else None)
        rows = tuple(
            (
                str(y.year),
                str(y.months),
                yuan(y.opening),
                yuan(y.credits),
                f"{y.rate_bp / 100:.2f}%",
                yuan(y.interest),
                yuan(y.closing),
            )
            for y in account.items
        )
        totals = (self._tr("row.balance"), "", "", "", "", "", yuan(account.balance))
        columns = (
            Column("col.year"),
            Column("col.months", "right"),
            Column("col.opening", "right"),
            Column("col.credits", "right"),
            Column("col.rate", "right"),
            Column("col.interest", "right"),
            Column("col.closing", "right"),
        )
        return TableView("query.pension_account", columns, rows, totals, note_key="note.yuan")

    def benefits(self, _request: QueryRequest) -> QueryView:
        """定期待遇审批 + 构成."""
        items = self._backend.benefits(self._token()).items
        rows = tuple(
            (
                b.kind,
                b.approval_no,
                b.approved_on.isoformat(),
                period_text(b.start_period),
                yuan(b.monthly_amount),
                "；".join(f"{c.item} {yuan(c.amount)}" for c in b.components),
                self._tr(f"benefit.{b.status}"),
            )
            for b in items
        )
        columns = (
            Column("col.benefit"),
            Column("col.approval_no"),
            Column("col.approved_on"),
            Column("col.from"),
            Column("col.monthly", "right"),
            Column("col.components", width=24),
            Column("col.status"),
        )
        return TableView("query.benefits", columns, rows, note_key="note.yuan")

    def benefit_payments(self, request: QueryRequest) -> QueryView:
        """定期待遇发放 (of every periodic benefit, newest first)."""
        token = self._token()
        benefits = self._backend.benefits(token).items
        columns = (
            Column("col.period"),
            Column("col.benefit"),
            Column("col.amount", "right"),
            Column("col.paid_on"),
            Column("col.bank_account"),
        )
        if not benefits:
            return TableView("query.benefit_payments", columns, ())
        benefit = benefits[0]
        page = self._backend.benefit_payments(
            token,
            benefit.id,
            from_period=self._since_period(request.period),
            limit=PAGE_SIZE,
            offset=_offset(request),
        )
        rows = tuple(
            (period_text(p.period), benefit.kind, yuan(p.amount), p.paid_on.isoformat(), "****" + p.bank_account_tail)
            for p in page.items
        )
        totals = (self._tr("row.total"), "", yuan(page.total_amount), "", "")
        pages = _pages(page.total)
        return TableView("query.benefit_payments", columns, rows, totals, request.page, pages, note_key="note.yuan")

    def one_time(self, _request: QueryRequest) -> QueryView:
        """一次性待遇发放."""
        items = self._backend.one_time_benefits(self._token()).items
        rows = tuple(
            (
                o.kind,
                self._ins(o.insurance),
                yuan(o.amount),
                o.approved_on.isoformat(),
                o.paid_on.isoformat() if o.paid_on else "—",
                self._tr(f"onetime.{o.status}"),
            )
            for o in items
        )
        columns = (
            Column("col.benefit"),
            Column("col.insurance"),
            Column("col.amount", "right"),
            Column("col.approved_on"),
            Column("col.paid_on"),
            Column("col.status"),
        )
        return TableView("query.one_time", columns, rows, note_key="note.yuan")

    def injuries(self, _request: QueryRequest) -> QueryView:
        """工伤认定 + 伤残、护理."""
        items = self._backend.work_injuries(self._token()).items
        rows: list[tuple[str, ...]] = []
        for i in items:
            grades = "；".join(
                self._tr("injury.grades").format(
                    disability=a.disability_grade or "—", care=a.care_grade or "—", on=a.assessed_on.isoformat()
                )
                for a in i.assessments
            )
            rows.append(
                (
                    i.decision_no,
                    i.accident_date.isoformat(),
                    i.determined_on.isoformat(),
                    self._tr(f"injury.{i.result}"),
                    grades or "—",
                )
            )
        columns = (
            Column("col.decision_no"),
            Column("col.accident_date"),
            Column("col.determined_on"),
            Column("col.result"),
            Column("col.grades"),
        )
        return TableView("query.injuries", columns, tuple(rows))

    def cases(self, _request: QueryRequest) -> QueryView:
        """办件进度: each case and its latest step."""
        items = self._backend.cases(self._token()).items
        rows = []
        for c in items:
            done = [s for s in c.steps if s.done_at is not None]
            latest = done[-1] if done else None
            rows.append(
                (
                    c.case_no,
                    c.service,
                    c.submitted_at.date().isoformat(),
                    self._tr(f"case.{c.status}"),
                    f"{latest.step}（{latest.office}）" if latest else "—",
                )
            )
        columns = (
            Column("col.case_no"),
            Column("col.service"),
            Column("col.submitted"),
            Column("col.status"),
            Column("col.latest_step"),
        )
        return TableView("query.cases", columns, tuple(rows))
