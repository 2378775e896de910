"""养老金测算: statutory retirement age (2025 reform), minimum years, divisor table, and the formula by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.services.pension_estimate import EstimateInputs, estimate, load_pension_rules
from kiosk_backend.settings_files import ConfigError

RULES = load_pension_rules()


@pytest.mark.parametrize(
    ("category", "birth", "age_months"),
    [
        ("male", date(1964, 12, 5), 60 * 12),
        ("male", date(1965, 1, 20), 60 * 12 + 1),
        ("male", date(1965, 5, 1), 60 * 12 + 2),
        ("male", date(1976, 9, 1), 63 * 12),
        ("male", date(1990, 1, 1), 63 * 12),
        ("female_worker", date(1975, 2, 1), 50 * 12 + 1),
        ("female_worker", date(1975, 3, 1), 50 * 12 + 2),
        ("female_worker", date(1984, 11, 1), 55 * 12),
        ("female_cadre", date(1970, 4, 1), 55 * 12 + 1),
        ("female_cadre", date(1981, 12, 1), 58 * 12),
    ],
)
def test_statutory_retirement_age(category: str, birth: date, age_months: int) -> None:
    assert RULES.retirement[category].retirement_age_months(birth) == age_months  # type: ignore[index]


def test_minimum_years_rise_from_2030() -> None:
    rule = RULES.minimum_years
    assert rule.months_required(2029) == 180
    assert rule.months_required(2030) == 186
    assert rule.months_required(2039) == 240
    assert rule.months_required(2045) == 240


def test_divisor_table_and_clamping() -> None:
    assert RULES.divisor(60) == 139
    assert RULES.divisor(55) == 170
    assert RULES.divisor(63) == 117
    assert RULES.divisor(38) == 233
    assert RULES.divisor(75) == 56


def test_formula_by_hand_for_someone_retiring_next_month() -> None:
    """A man born 1964-12 retires 2025-01 at 60: nothing is projected, so the numbers are the formula's alone."""
    inputs = EstimateInputs(
        birth=date(1964, 12, 10),
        category="male",
        contribution_months=30 * 12,
        average_index=Decimal("1.2"),
        account_balance_fen=13_900_000,  # 139,000.00 元
        monthly_base_fen=800_000,
        today=date(2025, 1, 3),
    )
    result = estimate(inputs, RULES)
    assert result.retirement_month == date(2025, 1, 1)
    assert result.contribution_months == 360
    # 7,950 × (1 + 1.2) ÷ 2 × 30 × 1 % = 2,623.50 元
    assert result.average_wage_fen == 795_000
    assert result.basic_pension_fen == 262_350
    # 139,000 ÷ 139 = 1,000.00 元
    assert result.divisor == 139
    assert result.account_pension_fen == 100_000
    assert result.total_fen == 362_350
    assert result.eligible


def test_projection_adds_years_credits_and_interest() -> None:
    inputs = EstimateInputs(
        birth=date(1980, 3, 15),
        category="male",
        contribution_months=20 * 12,
        average_index=Decimal("1.0"),
        account_balance_fen=10_000_000,
        monthly_base_fen=700_000,
        today=date(2026, 11, 22),
    )
    result = estimate(inputs, RULES)
    assert result.retirement_age_months == 63 * 12
    assert result.retirement_month == date(2043, 4, 1)
    months_left = (2043 - 2026) * 12 + (4 - 11)
    assert result.contribution_months == 240 + months_left
    credits_only = 10_000_000 + 700_000 * 8 // 100 * months_left
    assert result.account_balance_fen > credits_only  # interest and a growing base on top
    stopped = estimate(
        EstimateInputs(**{**inputs.__dict__, "continue_contributing": False}),
        RULES,
    )
    assert stopped.contribution_months == 240
    assert 10_000_000 < stopped.account_balance_fen < result.account_balance_fen


def test_not_enough_years_is_flagged() -> None:
    inputs = EstimateInputs(
        birth=date(1970, 1, 1),
        category="female_worker",
        contribution_months=5 * 12,
        average_index=Decimal("0.8"),
        account_balance_fen=2_000_000,
        monthly_base_fen=500_000,
        today=date(2026, 11, 22),
        continue_contributing=False,
    )
    assert not estimate(inputs, RULES).eligible


def test_bad_rules_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "pension.toml"
    bad.write_text("[months_divisor]\n60 = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pension\.toml"):
        load_pension_rules(bad)
