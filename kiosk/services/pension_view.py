"""养老金测算 from the citizen's own records: the inputs prefilled, the formula with the numbers put in, the result.

The inputs come from the records backend (birth date, sex, months and bases of pension contributions, the personal
account balance); the rules come from ``config/pension.toml``. The screen shows every input and step, and says
plainly that this is an estimate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from kiosk.backend_client.protocol import Backend
from kiosk.clock import Clock
from kiosk.services.pension_estimate import Category, Estimate, EstimateInputs, PensionRules, estimate
from kiosk.services.views import FieldsView, PeriodOption, QueryRequest, yuan

OPTIONS = (PeriodOption("continue", "estimate.continue"), PeriodOption("stop", "estimate.stop"))
MAX_MONTHS = 500  # one request covers a 41-year career


def inputs_from_records(
    backend: Backend, token: str, clock: Clock, rules: PensionRules, continue_contributing: bool
) -> EstimateInputs:
    """Prefill the estimate from the records: contribution months, average index, account balance, latest base."""
    person = backend.person_info(token)
    account = backend.pension_account(token)
    months = backend.contributions(token, limit=MAX_MONTHS).items
    pension_months = [m for m in months if m.pension_personal > 0 or m.pension_unit > 0]
    bases_by_year: dict[int, list[int]] = defaultdict(list)
    for month in pension_months:
        bases_by_year[month.period // 100].append(month.base)
    indices = [
        Decimal(sum(bases)) / len(bases) / (rules.average_wage(year) * 100) for year, bases in bases_by_year.items()
    ]
    average_index = sum(indices, Decimal(0)) / len(indices) if indices else Decimal(0)
    category: Category = "male" if person.sex == "1" else "female_worker"
    latest_base = max(pension_months, key=lambda m: m.period).base if pension_months else 0
    return EstimateInputs(
        birth=person.birth_date,
        category=category,
        contribution_months=len({m.period for m in pension_months}),
        average_index=average_index.quantize(Decimal("0.0001"), ROUND_HALF_UP),
        account_balance_fen=account.balance,
        monthly_base_fen=latest_base,
        today=clock.now().date(),
        continue_contributing=continue_contributing,
    )


def estimate_view(result: Estimate, tr: Callable[[str], str]) -> FieldsView:
    """The screen's lines: inputs, the two formula lines with numbers, the total, eligibility and the note."""
    age_years, age_months = divmod(result.retirement_age_months, 12)
    wage = yuan(result.average_wage_fen)
    index = f"{result.average_index:.4f}"
    years = f"{result.contribution_years}"
    fields = (
        (
            "estimate.in.retirement",
            tr("estimate.age").format(month=f"{result.retirement_month:%Y-%m}", years=age_years, months=age_months),
        ),
        ("estimate.in.years", tr("estimate.years").format(years=years, months=result.contribution_months)),
        ("estimate.in.index", index),
        ("estimate.in.balance", yuan(result.account_balance_fen)),
        ("estimate.in.wage", wage),
        ("estimate.formula.basic", f"{wage} × (1 + {index}) ÷ 2 × {years} × 1% = {yuan(result.basic_pension_fen)}"),
        (
            "estimate.formula.account",
            f"{yuan(result.account_balance_fen)} ÷ {result.divisor} = {yuan(result.account_pension_fen)}",
        ),
        ("estimate.total", yuan(result.total_fen)),
        (
            "estimate.eligible",
            tr("estimate.eligible.yes" if result.eligible else "estimate.eligible.no").format(
                have=result.contribution_months, need=result.required_months
            ),
        ),
    )
    return FieldsView("query.pension_estimate", fields, note_key="estimate.note")


class PensionEstimateLoader:
    """The loader of the 养老金测算 query (options: keep contributing until retirement, or stop now)."""

    def __init__(
        self, backend: Backend, token: Callable[[], str], clock: Clock, rules: PensionRules, tr: Callable[[str], str]
    ) -> None:
        self._backend = backend
        self._token = token
        self._clock = clock
        self._rules = rules
        self._tr = tr

    def __call__(self, request: QueryRequest) -> FieldsView:
        inputs = inputs_from_records(self._backend, self._token(), self._clock, self._rules, request.period != "stop")
        return estimate_view(estimate(inputs, self._rules), self._tr)
