"""养老金测算: the monthly pension estimate of an enterprise employee, with every input and step shown.

Formula (REFERENCE.md):
  basic pension   = average monthly wage of the year before retirement × (1 + average contribution index) ÷ 2
                    × contribution years × 1 %
  account pension = personal account balance at retirement ÷ months divisor (计发月数) of the retirement age

Projection to retirement (stated on screen): the average wage and the citizen's base grow by
``wage_growth_percent`` a year after the last published year; while contributing, each year credits 12 months ×
``personal_account_percent`` of the base, and the balance earns the year's published account interest (or
``future_interest_percent``) — a year's own credits earn half a year's interest (the usual simplified method).
All money is Decimal and rounded half-up to the fen only when shown.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kiosk_backend.settings_files import ConfigError

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "config" / "pension.toml"
Category = Literal["male", "female_worker", "female_cadre"]
HUNDRED = Decimal(100)


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetirementRule(_Rules):
    """Statutory retirement age of one category under the 2025 reform."""

    base_age: int = Field(ge=40, le=70)
    reform_from_birth: str = Field(pattern=r"^\d{4}-\d{2}$")
    step_months: int = Field(ge=1, le=12)
    max_delay_months: int = Field(ge=0, le=120)

    def retirement_age_months(self, birth: date) -> int:
        """Age at retirement in months for someone born in ``birth``'s month."""
        year, month = (int(part) for part in self.reform_from_birth.split("-"))
        since = (birth.year - year) * 12 + (birth.month - month)
        delay = 0 if since < 0 else min(self.max_delay_months, since // self.step_months + 1)
        return self.base_age * 12 + delay


class Assumptions(_Rules):
    """Assumptions of the projection (shown with the result)."""

    wage_growth_percent: Decimal = Field(ge=0, le=20)
    future_interest_percent: Decimal = Field(ge=0, le=20)
    personal_account_percent: Decimal = Field(gt=0, le=20)


class MinimumYears(_Rules):
    """Minimum contribution years for a monthly pension, rising after a reform year."""

    initial: int = Field(ge=1, le=40)
    rising_from: int
    final: int = Field(ge=1, le=40)

    def months_required(self, retirement_year: int) -> int:
        """Months of contributions needed to retire in ``retirement_year``."""
        if retirement_year < self.rising_from:
            return self.initial * 12
        return min(self.final * 12, self.initial * 12 + 6 * (retirement_year - self.rising_from + 1))


class PensionRules(_Rules):
    """``config/pension.toml``."""

    average_monthly_wage: dict[int, Decimal]
    account_interest_percent: dict[int, Decimal]
    months_divisor: dict[int, int]
    assumptions: Assumptions
    retirement: dict[Category, RetirementRule]
    minimum_years: MinimumYears

    def average_wage(self, year: int) -> Decimal:
        """The published figure, or the last one grown by the assumed wage growth."""
        if year in self.average_monthly_wage:
            return self.average_monthly_wage[year]
        last = max(self.average_monthly_wage)
        growth = 1 + self.assumptions.wage_growth_percent / HUNDRED
        return self.average_monthly_wage[last] * growth ** max(0, year - last)

    def interest(self, year: int) -> Decimal:
        """The year's account interest rate as a fraction."""
        return self.account_interest_percent.get(year, self.assumptions.future_interest_percent) / HUNDRED

    def divisor(self, age_years: int) -> int:
        """计发月数 for a whole age at retirement (clamped to the table)."""
        ages = sorted(self.months_divisor)
        return self.months_divisor[min(max(age_years, ages[0]), ages[-1])]


def load_pension_rules(path: Path = DEFAULT_RULES_PATH) -> PensionRules:
    """Read the rules; raises ``ConfigError`` naming the file and the problem."""
    try:
        with path.open("rb") as handle:
            return PensionRules.model_validate(tomllib.load(handle))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: {str(exc).splitlines()[0]}") from None


@dataclass(frozen=True)
class EstimateInputs:
    """What the records say today (prefilled on screen; the citizen may change the last two)."""

    birth: date
    category: Category
    contribution_months: int
    average_index: Decimal
    account_balance_fen: int
    monthly_base_fen: int
    today: date
    continue_contributing: bool = True
    retirement_age_months: int | None = None  # None = the statutory age


@dataclass(frozen=True)
class Estimate:
    """The result, with everything the screen shows next to the formula."""

    retirement_month: date  # the first month with a pension (the month after reaching the age)
    retirement_age_months: int
    contribution_months: int
    required_months: int
    average_wage_fen: int
    average_index: Decimal
    account_balance_fen: int
    divisor: int
    basic_pension_fen: int
    account_pension_fen: int

    @property
    def eligible(self) -> bool:
        """Whether the contribution years reach the minimum for a monthly pension."""
        return self.contribution_months >= self.required_months

    @property
    def total_fen(self) -> int:
        """Basic + personal account pension per month."""
        return self.basic_pension_fen + self.account_pension_fen

    @property
    def contribution_years(self) -> Decimal:
        """Contribution years with two decimals (months ÷ 12)."""
        return (Decimal(self.contribution_months) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)


def estimate(inputs: EstimateInputs, rules: PensionRules) -> Estimate:
    """Project the records to the retirement month and apply the formula."""
    age_months = inputs.retirement_age_months or rules.retirement[inputs.category].retirement_age_months(inputs.birth)
    total = inputs.birth.year * 12 + (inputs.birth.month - 1) + age_months + 1  # paid from the month after
    retirement_month = date(total // 12, total % 12 + 1, 1)
    months_left = max(0, (retirement_month.year - inputs.today.year) * 12 + retirement_month.month - inputs.today.month)

    balance = Decimal(inputs.account_balance_fen)
    base = Decimal(inputs.monthly_base_fen)
    share = rules.assumptions.personal_account_percent / HUNDRED
    growth = 1 + rules.assumptions.wage_growth_percent / HUNDRED
    for year in range(inputs.today.year, retirement_month.year + 1):
        first = inputs.today.month if year == inputs.today.year else 1
        last = retirement_month.month - 1 if year == retirement_month.year else 12
        months = max(0, last - first + 1)
        rate = rules.interest(year) * months / 12
        credits = base * share * months if inputs.continue_contributing else Decimal(0)
        balance = balance * (1 + rate) + credits * (1 + rate / 2)
        base *= growth
    months_added = months_left if inputs.continue_contributing else 0

    wage = rules.average_wage(retirement_month.year - 1)
    contribution_months = inputs.contribution_months + months_added
    years = Decimal(contribution_months) / 12
    basic = wage * 100 * (1 + inputs.average_index) / 2 * years / HUNDRED
    divisor = rules.divisor(age_months // 12)
    return Estimate(
        retirement_month=retirement_month,
        retirement_age_months=age_months,
        contribution_months=contribution_months,
        required_months=rules.minimum_years.months_required(retirement_month.year),
        average_wage_fen=_fen(wage * 100),
        average_index=inputs.average_index,
        account_balance_fen=_fen(balance),
        divisor=divisor,
        basic_pension_fen=_fen(basic),
        account_pension_fen=_fen(balance / divisor),
    )


def _fen(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), ROUND_HALF_UP))
