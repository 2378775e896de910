"""Deterministic generation of synthetic records, person by person, as plain row tuples per table.

The same ``seed`` and ``persons`` give the same records. The demo people of ``config/demo-cards.toml`` come first
(their records depend only on their card, not on the seed). Figures are synthetic but follow REFERENCE.md: money in
fen; contribution base clamped to 60–300 % of the previous year's average wage; pension 16 % unit (20 % before 2019)
and 8 % personal into the personal account; the account earns the yearly 记账利率 with this year's credits earning
half a year's interest (the simplified method); pensions = basic + account + transitional parts.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from kiosk_backend.demo_cards import DemoCard
from kiosk_backend.identifiers import card_no_check_char, ssn_check_char
from kiosk_backend.seed import vocab

SEED_NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # the records' "today": fixed so seeding is deterministic
LAST_MONTH = 2026 * 12 + 9  # month index of 2026-10, the newest contribution period
FIRST_MONTH = 1996 * 12  # records start in January 1996 (earlier work counts as 视同缴费年限)

# Pension personal-account interest (记账利率) in basis points; REFERENCE.md for 2016–2024. Earlier years: a synthetic
# 3.00 % (roughly the one-year deposit rate then); 2025: the 2024 rate carried forward.
ACCOUNT_RATE_BP = {2016: 831, 2017: 712, 2018: 829, 2019: 761, 2020: 604, 2021: 669, 2022: 612, 2023: 397, 2024: 262}
MONTHS_DIVISOR = {50: 195, 55: 170, 60: 139}

COLUMNS: dict[str, tuple[str, ...]] = {
    "employer": ("id", "code", "name", "region", "injury_rate_permille"),
    "person": (
        "id",
        "ssn",
        "name",
        "sex",
        "birth_date",
        "ethnic",
        "household_region",
        "household_type",
        "phone",
        "address",
        "work_start",
        "persona",
    ),
    "card": (
        "id",
        "person_id",
        "card_no",
        "card_id",
        "atr",
        "region",
        "issued_on",
        "expires_on",
        "bank",
        "bank_account",
        "status",
        "loss_expires_at",
        "status_changed_at",
    ),
    "card_status_change": ("card_pk", "from_status", "to_status", "changed_at", "channel", "kiosk_id", "reason"),
    "staff": ("person_id", "role", "active"),
    "enrolment": ("person_id", "insurance", "status", "start_period", "end_period", "employer_id", "region"),
    "contribution": (
        "person_id",
        "period",
        "kind",
        "employer_id",
        "base",
        "pension_unit",
        "pension_personal",
        "medical_unit",
        "medical_personal",
        "unemployment_unit",
        "unemployment_personal",
        "injury_unit",
        "maternity_unit",
        "paid_on",
    ),
    "transfer": (
        "person_id",
        "insurance",
        "from_region",
        "to_region",
        "from_period",
        "to_period",
        "months",
        "fund_amount",
        "status",
        "applied_on",
        "completed_on",
    ),
    "medical_account": ("person_id", "balance", "updated_at"),
    "medical_account_txn": ("person_id", "occurred_at", "kind", "amount", "balance_after", "description"),
    "pension_account_year": (
        "person_id",
        "year",
        "insurance",
        "months",
        "opening",
        "credits",
        "interest",
        "closing",
        "rate_bp",
    ),
    "benefit": (
        "id",
        "person_id",
        "kind",
        "insurance",
        "approval_no",
        "approved_on",
        "start_period",
        "end_period",
        "monthly_amount",
        "status",
    ),
    "benefit_component": ("benefit_id", "item", "amount"),
    "benefit_payment": ("benefit_id", "period", "amount", "paid_on", "bank_account_tail"),
    "one_time_benefit": ("person_id", "kind", "insurance", "amount", "approved_on", "paid_on", "status"),
    "medical_visit": (
        "person_id",
        "visit_date",
        "kind",
        "institution",
        "diagnosis",
        "total",
        "fund_paid",
        "account_paid",
        "self_paid",
    ),
    "medical_contract": ("person_id", "kind", "institution", "disease", "start_date", "end_date", "status"),
    "injury_determination": (
        "id",
        "person_id",
        "employer_id",
        "decision_no",
        "accident_date",
        "determined_on",
        "result",
        "description",
    ),
    "disability_assessment": (
        "person_id",
        "determination_id",
        "conclusion_no",
        "assessed_on",
        "disability_grade",
        "care_grade",
    ),
    "service_case": ("id", "person_id", "case_no", "service", "channel", "submitted_at", "status"),
    "case_step": ("case_id", "seq", "step", "done_at", "office", "result"),
}
# Tables whose ids the generator assigns (PostgreSQL sequences are moved past them after loading).
EXPLICIT_IDS = ("employer", "person", "card", "benefit", "injury_determination", "service_case")

Row = tuple[object, ...]


def average_wage_fen(year: int) -> int:
    """Synthetic provincial average monthly wage (fen): 700 yuan in 2000, +10.5 % a year, 8,300 yuan from 2025."""
    year = max(1995, min(year, 2025))
    return round(700 * 1.105 ** (year - 2000)) * 100


def account_rate_bp(year: int) -> int:
    """The yearly 记账利率 used for the pension personal account."""
    return ACCOUNT_RATE_BP.get(year, 262 if year >= 2025 else 300)


def period_of(month_index: int) -> int:
    """``YYYYMM`` of a month index (year × 12 + month − 1)."""
    return (month_index // 12) * 100 + month_index % 12 + 1


def month_of(day: date) -> int:
    """Month index of a date."""
    return day.year * 12 + day.month - 1


@dataclass
class Batch:
    """Rows per table, in :data:`COLUMNS` order."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in COLUMNS})

    def add(self, table: str, row: Row) -> None:
        self.rows[table].append(row)

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


@dataclass
class _Counters:
    benefit: int = 0
    injury: int = 0
    case: int = 0


@dataclass
class _Spell:
    start: int  # month index
    end: int
    employer_id: int | None
    kind: str  # normal | flexible


class Generator:
    """Generates employers once, then people one by one (deterministic for a given seed)."""

    def __init__(self, seed: int, persons: int) -> None:
        self.seed = seed
        self.persons = persons
        self.counters = _Counters()
        self.used_ssn: set[str] = set()
        rng = random.Random(f"employers-{seed}")
        self.employer_count = max(40, persons // 25)
        self.employers: list[tuple[int, str, str, str, int]] = []
        self.employers_by_city: dict[str, list[int]] = {}
        for index in range(self.employer_count):
            code, city, _county = rng.choices(vocab.REGIONS, vocab.REGION_WEIGHTS)[0]
            industry, rate = rng.choice(vocab.INDUSTRIES)
            name = f"{vocab.SHORT_CITY[city]}{rng.choice(vocab.UNIT_WORDS)}{industry}{rng.choice(vocab.UNIT_SUFFIXES)}"
            uscc = f"91{code}{index + 1:09d}{rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY')}"
            employer_id = index + 1
            self.employers.append((employer_id, uscc, name, code, rate))
            self.employers_by_city.setdefault(city, []).append(employer_id)
        self.employer_region = {e[0]: e[3] for e in self.employers}
        self.employer_rate = {e[0]: e[4] for e in self.employers}

    def employer_batch(self) -> Batch:
        """All employers."""
        batch = Batch()
        for employer in self.employers:
            batch.add("employer", employer)
        return batch

    # ------------------------------------------------------------ people
    def demo_person(self, person_id: int, card: DemoCard, batch: Batch) -> None:
        """One demo person: identity and card from ``demo-cards.toml``, records built around their persona."""
        rng = random.Random(f"demo-{card.id}")
        self._reserve(card.ssn)
        region = card.birthplace if card.birthplace in vocab.REGION_NAMES else card.region
        batch.add(
            "person",
            (
                person_id,
                card.ssn,
                card.name,
                card.sex,
                card.birth_date,
                card.ethnic,
                region,
                "rural" if card.persona == "resident" else "urban",
                card.phone,
                self._address(rng, region),
                None,
                card.persona,
            ),
        )
        card_id = card_identifier(card.region, card.atr_serial)
        self._card(
            rng,
            batch,
            person_id,
            card.card_no,
            card_id,
            card.atr.hex().upper(),
            card.region,
            card.issued,
            card.expires,
            card.status,
        )
        if card.role == "staff":
            batch.add("staff", (person_id, "operator", True))
        self._records(rng, batch, person_id, card.persona, card.sex, card.birth_date, region)

    def synthetic_person(self, index: int, person_id: int, batch: Batch) -> None:
        """Synthetic person number ``index`` (0-based) with database id ``person_id``."""
        rng = random.Random(self.seed * 10_000_019 + index)
        persona = rng.choices(("worker", "retiree", "resident", "injured"), (62, 18, 15, 5))[0]
        if persona == "retiree":
            birth = date(rng.randint(1942, 1966), rng.randint(1, 12), rng.randint(1, 28))
        elif persona == "resident":
            birth = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        else:
            birth = date(rng.randint(1966, 2002), rng.randint(1, 12), rng.randint(1, 28))
        sex = rng.choice("12")
        region = rng.choices(vocab.REGIONS, vocab.REGION_WEIGHTS)[0][0]
        hui = rng.random() < 0.34
        ethnic = "03" if hui else "01"
        ssn = self._new_ssn(rng, region, birth, sex)
        name = self._name(rng, sex, hui)
        phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
        batch.add(
            "person",
            (
                person_id,
                ssn,
                name,
                sex,
                birth,
                ethnic,
                region,
                "rural" if persona == "resident" or rng.random() < 0.3 else "urban",
                phone,
                self._address(rng, region),
                None,
                persona,
            ),
        )
        body = f"B{person_id:07d}"
        card_no = body + card_no_check_char(body)
        serial = f"{0x80000000 | person_id:08X}"
        city = region[:4]
        atr = f"3B6D000000814E43238697{city}{serial}"
        issued = date(rng.randint(2014, 2025), rng.randint(1, 12), rng.randint(1, 28))
        expires = date(issued.year + 10, issued.month, issued.day) - timedelta(days=1)
        status = rng.choices(("normal", "temporary_loss", "formal_loss"), (97, 2, 1))[0]
        self._card(
            rng, batch, person_id, card_no, card_identifier(region, serial), atr, region, issued, expires, status
        )
        self._records(rng, batch, person_id, persona, sex, birth, region)

    # ------------------------------------------------------------ identity helpers
    def _reserve(self, ssn: str) -> None:
        self.used_ssn.add(ssn)

    def _new_ssn(self, rng: random.Random, region: str, birth: date, sex: str) -> str:
        while True:
            seq = rng.randint(0, 499) * 2 + (1 if sex == "1" else 0)  # odd = male, even = female
            body = f"{region}{birth:%Y%m%d}{seq:03d}"
            ssn = body + ssn_check_char(body)
            if ssn not in self.used_ssn:
                self.used_ssn.add(ssn)
                return ssn

    @staticmethod
    def _name(rng: random.Random, sex: str, hui: bool) -> str:
        surname = rng.choice(vocab.HUI_SURNAMES if hui else vocab.SURNAMES)
        pool = vocab.MALE_GIVEN if sex == "1" else vocab.FEMALE_GIVEN
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        return surname + given

    @staticmethod
    def _address(rng: random.Random, region: str) -> str:
        city, county = vocab.REGION_NAMES.get(region, ("银川市", "兴庆区"))
        return (
            f"宁夏回族自治区{city}{county}{rng.choice(vocab.ROADS)}{rng.randint(1, 300)}号"
            f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 28)}0{rng.randint(1, 4)}室"
        )

    def _card(
        self,
        rng: random.Random,
        batch: Batch,
        person_id: int,
        card_no: str,
        card_id: str,
        atr: str,
        region: str,
        issued: date,
        expires: date,
        status: str,
    ) -> None:
        issued_at = datetime(issued.year, issued.month, issued.day, 2, 0, tzinfo=UTC)
        changed_at = issued_at
        bank = rng.choice(vocab.BANKS)
        account = f"6217{person_id:010d}{rng.randint(0, 99999):05d}"
        batch.add("card_status_change", (person_id, None, "normal", issued_at, "seed", None, "card issued"))
        if status != "normal":
            changed_at = SEED_NOW - timedelta(days=rng.randint(2, 9))
            reason = "holder reported the card lost at a counter"
            batch.add("card_status_change", (person_id, "normal", status, changed_at, "counter", None, reason))
        # A seeded loss has no lapse date: it was recorded at a counter (only kiosk reports lapse automatically).
        batch.add(
            "card",
            (
                person_id,
                person_id,
                card_no,
                card_id,
                atr,
                region,
                issued,
                expires,
                bank,
                account,
                status,
                None,
                changed_at,
            ),
        )

    # ------------------------------------------------------------ records by persona
    def _records(
        self, rng: random.Random, batch: Batch, pid: int, persona: str, sex: str, birth: date, region: str
    ) -> None:
        wage_index = min(2.8, max(0.62, rng.lognormvariate(0.0, 0.35)))
        if persona == "resident":
            self._resident(rng, batch, pid, birth, region)
            self._medical(rng, batch, pid, region, employee=False, retiree=False, balance_base=0)
            self._cases(rng, batch, pid)
            return
        retire_age = 60 if sex == "1" else rng.choice((50, 55))
        retire_month = (birth.year + retire_age) * 12 + birth.month  # the month after the birthday
        retired = persona == "retiree" and retire_month <= LAST_MONTH
        end = retire_month - 1 if retired else LAST_MONTH
        start = max(FIRST_MONTH, (birth.year + rng.randint(18, 25)) * 12 + rng.randint(0, 11))
        spells = self._spells(rng, start, end, region)
        months_paid = self._contributions(rng, batch, pid, spells, wage_index, sex, birth)
        closing = self._pension_account(batch, pid, months_paid, retired, retire_month // 12)
        last = spells[-1] if spells else None
        contributing = last is not None and last.end == LAST_MONTH
        self._enrolments(batch, pid, spells, region, retired, contributing)
        if retired:
            self._pension(rng, batch, pid, birth, retire_age, retire_month, months_paid, wage_index, closing)
        if persona == "injured" and spells:
            self._injury(rng, batch, pid, spells, wage_index)
        self._unemployment(rng, batch, pid, spells)
        if sex == "2" and not retired:
            self._maternity(rng, batch, pid, birth, spells, wage_index)
        self._transfer(rng, batch, pid, spells, region)
        balance_base = round(wage_index * average_wage_fen(2025) * 0.02)
        employee = retired or (last is not None and last.kind == "normal" and contributing)
        self._medical(rng, batch, pid, region, employee=employee, retiree=retired, balance_base=balance_base)
        self._cases(rng, batch, pid)

    def _spells(self, rng: random.Random, start: int, end: int, region: str) -> list[_Spell]:
        city = vocab.REGION_NAMES.get(region, ("银川市", ""))[0]
        local = self.employers_by_city.get(city) or [e[0] for e in self.employers]
        spells: list[_Spell] = []
        current = start
        while current <= end:
            length = rng.randint(10, 130)
            flexible = rng.random() < 0.1
            employer = (
                None
                if flexible
                else (rng.choice(local) if rng.random() < 0.75 else rng.randint(1, self.employer_count))
            )
            spell_end = min(current + length - 1, end)
            spells.append(_Spell(current, spell_end, employer, "flexible" if flexible else "normal"))
            gap = rng.randint(2, 30) if rng.random() < 0.3 else 0
            current = spell_end + 1 + gap
        return spells

    def _contributions(
        self, rng: random.Random, batch: Batch, pid: int, spells: list[_Spell], wage_index: float, sex: str, birth: date
    ) -> dict[int, tuple[int, int]]:
        """Rows per month; returns year → (months, personal pension credits in fen)."""
        per_year: dict[int, tuple[int, int]] = {}
        rows = batch.rows["contribution"]
        for spell in spells:
            year = -1
            suffix: tuple[int, ...] = ()
            for month in range(spell.start, spell.end + 1):
                if month // 12 != year:
                    year = month // 12
                    suffix = self._year_amounts(spell, year, wage_index)
                period = period_of(month)
                paid = date(year, month % 12 + 1, 15)
                rows.append((pid, period, spell.kind, spell.employer_id, *suffix, paid))
                months, credits = per_year.get(year, (0, 0))
                per_year[year] = (months + 1, credits + suffix[2])
        # 补缴: part of the first gap paid later
        if len(spells) > 1 and rng.random() < 0.15:
            gap_start, gap_end = spells[0].end + 1, spells[1].start - 1
            back = min(gap_end - gap_start + 1, rng.randint(1, 6))
            for month in range(gap_start, gap_start + back):
                year = month // 12
                suffix = self._year_amounts(_Spell(month, month, spells[0].employer_id, "normal"), year, wage_index)
                paid = date(min(year + 2, 2026), 6, 15)
                rows.append((pid, period_of(month), "supplementary", spells[0].employer_id, *suffix, paid))
                months, credits = per_year.get(year, (0, 0))
                per_year[year] = (months + 1, credits + suffix[2])
        return per_year

    def _year_amounts(self, spell: _Spell, year: int, wage_index: float) -> tuple[int, ...]:
        """(base, pension_unit, pension_personal, medical_unit, medical_personal, unemployment_unit,
        unemployment_personal, injury_unit, maternity_unit) for a month of ``year`` in this spell."""
        avg = average_wage_fen(year - 1)
        drift = 1.0 + 0.004 * (year - spell.start // 12)
        base = round(min(3.0 * avg, max(0.6 * avg, wage_index * drift * avg)) / 100) * 100
        if spell.kind == "flexible":
            base = round(0.6 * avg / 100) * 100
            return (base, base * 12 // 100, base * 8 // 100, 0, base * 7 // 100, 0, 0, 0, 0)
        pension_unit = base * (20 if year < 2019 else 16) // 100
        unemployment_unit = base * (15 if year < 2016 else 5) // 1000
        injury_rate = self.employer_rate.get(spell.employer_id or 0, 5)
        return (
            base,
            pension_unit,
            base * 8 // 100,
            base * 65 // 1000,
            base * 2 // 100,
            unemployment_unit,
            base * 5 // 1000,
            base * injury_rate // 1000,
            base * 5 // 1000,
        )

    def _pension_account(
        self, batch: Batch, pid: int, per_year: dict[int, tuple[int, int]], retired: bool, retire_year: int
    ) -> int:
        if not per_year:
            return 0
        closing = 0
        last_year = retire_year if retired else 2025
        for year in range(min(per_year), last_year + 1):
            months, credits = per_year.get(year, (0, 0))
            rate = account_rate_bp(year)
            opening = closing
            interest = opening * rate // 10000 + credits * rate // 20000
            closing = opening + credits + interest
            batch.add("pension_account_year", (pid, year, "110", months, opening, credits, interest, closing, rate))
        return closing

    def _enrolments(
        self, batch: Batch, pid: int, spells: list[_Spell], region: str, retired: bool, contributing: bool
    ) -> None:
        if not spells:
            return
        first, last = period_of(spells[0].start), spells[-1]
        end = None if contributing else period_of(last.end)
        status = "3" if retired else ("1" if contributing else "2")
        employer = last.employer_id
        emp_region = self.employer_region.get(employer or 0, region)
        batch.add("enrolment", (pid, "110", status, first, end, employer, emp_region))
        batch.add(
            "enrolment",
            (
                pid,
                "310",
                "1" if retired or contributing else "2",
                first,
                None if retired else end,
                employer,
                emp_region,
            ),
        )
        if last.kind == "normal" or not contributing:
            for insurance in ("210", "410", "510"):
                batch.add("enrolment", (pid, insurance, "3" if retired else status, first, end, employer, emp_region))

    def _pension(
        self,
        rng: random.Random,
        batch: Batch,
        pid: int,
        birth: date,
        retire_age: int,
        retire_month: int,
        per_year: dict[int, tuple[int, int]],
        wage_index: float,
        account_closing: int,
    ) -> None:
        retire_year = retire_month // 12
        avg = average_wage_fen(retire_year - 1)
        paid_months = sum(m for m, _ in per_year.values())
        deemed_years = max(0, 1996 - (birth.year + 20))
        years = paid_months / 12 + deemed_years
        basic = round(avg * (1 + wage_index) / 2 * years / 100)
        account = account_closing // MONTHS_DIVISOR[retire_age]
        transitional = round(avg * wage_index * deemed_years * 0.012)
        initial = basic + account + transitional
        self.counters.benefit += 1
        bid = self.counters.benefit
        current = round(initial * 1.04 ** max(0, 2026 - retire_year))
        approved = date(retire_year, retire_month % 12 + 1, 1) - timedelta(days=20)
        batch.add(
            "benefit",
            (
                bid,
                pid,
                "basic_pension",
                "110",
                f"YL{retire_year}{bid:09d}",
                approved,
                period_of(retire_month),
                None,
                current,
                "paying",
            ),
        )
        for item, amount in (
            ("基础养老金", basic),
            ("个人账户养老金", account),
            ("过渡性养老金", transitional),
            ("历年调整金", current - initial),
        ):
            batch.add("benefit_component", (bid, item, amount))
        tail = f"{rng.randint(0, 9999):04d}"
        for month in range(retire_month, LAST_MONTH + 1):
            amount = round(initial * 1.04 ** (month // 12 - retire_year))
            batch.add("benefit_payment", (bid, period_of(month), amount, date(month // 12, month % 12 + 1, 10), tail))

    def _injury(self, rng: random.Random, batch: Batch, pid: int, spells: list[_Spell], wage_index: float) -> None:
        spell = next((s for s in reversed(spells) if s.kind == "normal"), spells[-1])
        accident_month = rng.randint(spell.start, spell.end)
        accident = date(accident_month // 12, accident_month % 12 + 1, rng.randint(1, 28))
        determined = accident + timedelta(days=rng.randint(40, 90))
        self.counters.injury += 1
        iid = self.counters.injury
        recognised = rng.random() < 0.92
        batch.add(
            "injury_determination",
            (
                iid,
                pid,
                spell.employer_id,
                f"GS{determined.year}{iid:08d}",
                accident,
                determined,
                "recognised" if recognised else "not_recognised",
                rng.choice(vocab.INJURY_TEXTS),
            ),
        )
        self._case(
            rng,
            batch,
            pid,
            "工伤认定申请",
            datetime(accident.year, accident.month, accident.day, 3, tzinfo=UTC),
            "completed",
        )
        if not recognised:
            return
        assessed = determined + timedelta(days=rng.randint(60, 150))
        grade = rng.choices(range(1, 11), (1, 1, 2, 3, 4, 6, 9, 12, 14, 16))[0]
        care = rng.choice((1, 2, 3)) if grade <= 4 and rng.random() < 0.6 else None
        batch.add("disability_assessment", (pid, iid, f"JD{assessed.year}{iid:08d}", assessed, grade, care))
        base = round(wage_index * average_wage_fen(accident.year) / 100) * 100
        if grade <= 4:
            self.counters.benefit += 1
            bid = self.counters.benefit
            monthly = base * (90 - 5 * (grade - 1)) // 100
            start = month_of(assessed) + 1
            batch.add(
                "benefit",
                (
                    bid,
                    pid,
                    "injury_allowance",
                    "410",
                    f"GS{assessed.year}{bid:09d}",
                    assessed,
                    period_of(start),
                    None,
                    monthly,
                    "paying",
                ),
            )
            batch.add("benefit_component", (bid, "伤残津贴", monthly))
            for month in range(start, LAST_MONTH + 1):
                batch.add(
                    "benefit_payment", (bid, period_of(month), monthly, date(month // 12, month % 12 + 1, 10), "0000")
                )
        else:
            lump_months = {5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}[grade]
            paid = assessed + timedelta(days=30)
            batch.add("one_time_benefit", (pid, "一次性伤残补助金", "410", base * lump_months, assessed, paid, "paid"))

    def _unemployment(self, rng: random.Random, batch: Batch, pid: int, spells: list[_Spell]) -> None:
        for before, after in itertools.pairwise(spells):
            gap = after.start - before.end - 1
            if gap >= 6 and before.end - spells[0].start >= 12 and rng.random() < 0.4:
                self.counters.benefit += 1
                bid = self.counters.benefit
                months = min(gap, 12)
                start = before.end + 2
                monthly = average_wage_fen(start // 12) * 25 // 100
                batch.add(
                    "benefit",
                    (
                        bid,
                        pid,
                        "unemployment_benefit",
                        "210",
                        f"SY{start // 12}{bid:09d}",
                        date(start // 12, start % 12 + 1, 1),
                        period_of(start),
                        period_of(start + months - 1),
                        monthly,
                        "ended",
                    ),
                )
                batch.add("benefit_component", (bid, "失业保险金", monthly))
                for month in range(start, start + months):
                    batch.add(
                        "benefit_payment",
                        (bid, period_of(month), monthly, date(month // 12, month % 12 + 1, 10), "0000"),
                    )
                return

    def _maternity(
        self, rng: random.Random, batch: Batch, pid: int, birth: date, spells: list[_Spell], wage_index: float
    ) -> None:
        for spell in spells:
            if spell.kind == "normal" and rng.random() < 0.25:
                month = rng.randint(spell.start, spell.end)
                if not 22 <= month // 12 - birth.year <= 40:
                    continue
                base = round(wage_index * average_wage_fen(month // 12) / 100) * 100
                approved = date(month // 12, month % 12 + 1, 20)
                batch.add(
                    "one_time_benefit",
                    (pid, "生育津贴", "510", base * 98 // 30, approved, approved + timedelta(days=15), "paid"),
                )
                return

    def _transfer(self, rng: random.Random, batch: Batch, pid: int, spells: list[_Spell], region: str) -> None:
        if not spells or rng.random() >= 0.1:
            return
        first = spells[0].start
        months = rng.randint(6, 60)
        origin = rng.choice(("610100", "620100", "150100", "410100", "130100"))
        applied = date(first // 12, first % 12 + 1, 5) + timedelta(days=rng.randint(30, 400))
        recent = applied.year >= 2026
        status = "reviewing" if recent else "completed"
        completed = None if recent else applied + timedelta(days=rng.randint(20, 60))
        fund = average_wage_fen(first // 12) * 8 * months // 100
        batch.add(
            "transfer",
            (
                pid,
                "110",
                origin,
                region,
                period_of(first - months),
                period_of(first - 1),
                months,
                fund,
                status,
                applied,
                completed,
            ),
        )

    def _resident(self, rng: random.Random, batch: Batch, pid: int, birth: date, region: str) -> None:
        first_year = max(2012, birth.year + 18)
        grade = rng.choice((200, 300, 500, 800, 1000, 1500, 2000, 3000)) * 100
        closing = 0
        for year in range(first_year, 2027):
            paid = date(year, 3, rng.randint(1, 28))
            medical = (120 + 30 * (year - 2015)) * 100 if year >= 2015 else 9000
            batch.add(
                "contribution", (pid, year * 100 + 1, "resident", None, 0, 0, grade, 0, medical, 0, 0, 0, 0, paid)
            )
            if year <= 2025:
                rate = account_rate_bp(year)
                opening = closing
                interest = opening * rate // 10000 + grade * rate // 20000
                closing = opening + grade + interest
                batch.add("pension_account_year", (pid, year, "170", 12, opening, grade, interest, closing, rate))
        if first_year <= 2026:
            batch.add("enrolment", (pid, "170", "1", first_year * 100 + 1, None, None, region))
            batch.add("enrolment", (pid, "390", "1", first_year * 100 + 1, None, None, region))

    def _medical(
        self, rng: random.Random, batch: Batch, pid: int, region: str, employee: bool, retiree: bool, balance_base: int
    ) -> None:
        city = vocab.REGION_NAMES.get(region, ("银川市", "兴庆区"))
        general_site = f"{city[1]}{rng.choice(vocab.CLINICS)}"
        if rng.random() < 0.6:
            batch.add(
                "medical_contract", (pid, "general", general_site, None, date(2026, 1, 1), date(2026, 12, 31), "active")
            )
            if rng.random() < 0.5:
                batch.add(
                    "medical_contract",
                    (pid, "general", general_site, None, date(2025, 1, 1), date(2025, 12, 31), "expired"),
                )
        if rng.random() < (0.3 if retiree else 0.04):
            start = date(rng.randint(2020, 2025), rng.randint(1, 12), 1)
            end = date(start.year + 3, start.month, 1) - timedelta(days=1)
            batch.add(
                "medical_contract",
                (
                    pid,
                    "chronic",
                    rng.choice(vocab.HOSPITALS),
                    rng.choice(vocab.CHRONIC_DISEASES),
                    start,
                    end,
                    "active" if end >= SEED_NOW.date() else "expired",
                ),
            )
        visits: list[tuple[date, str, str, str, int]] = []
        for _ in range(rng.randint(0, 12 if retiree else 5)):
            day = SEED_NOW.date() - timedelta(days=rng.randint(1, 1090))
            kind = rng.choices(("outpatient", "inpatient", "pharmacy"), (75, 8, 17))[0]
            if kind == "inpatient":
                total, site = rng.randint(3000, 40000) * 100, rng.choice(vocab.HOSPITALS)
            elif kind == "pharmacy":
                total, site = rng.randint(20, 300) * 100, f"{city[1]}{rng.choice(vocab.PHARMACIES)}"
            else:
                total, site = rng.randint(50, 800) * 100, rng.choice((general_site, *vocab.HOSPITALS))
            visits.append((day, kind, site, rng.choice(vocab.DIAGNOSES), total))
        visits.sort()
        window_start = SEED_NOW - timedelta(days=365)
        balance = rng.randint(0, 20000) * 100 if employee else 0
        credit = (8000 if retiree else balance_base) if employee else 0
        events: list[tuple[datetime, int, tuple[date, str, str, str, int] | None]] = []
        if employee:
            for months_back in range(12, 0, -1):
                at = SEED_NOW - timedelta(days=30 * months_back)
                events.append((at.replace(day=5, hour=1), 0, None))
        for visit in visits:
            events.append((datetime(visit[0].year, visit[0].month, visit[0].day, 2, 30, tzinfo=UTC), 1, visit))
        events.sort(key=lambda e: (e[0], e[1]))
        for at, _order, event in events:
            if event is None:
                balance += credit
                batch.add("medical_account_txn", (pid, at, "credit", credit, balance, "个人账户划入"))
                continue
            day, kind, site, diagnosis, total = event
            fund = total * (75 if kind == "inpatient" else 50 if kind == "outpatient" else 0) // 100
            account = min(balance, total - fund) if employee and at >= window_start else 0
            if account:
                balance -= account
                batch.add("medical_account_txn", (pid, at, "expense", -account, balance, f"{site} 医疗费用"[:60]))
            batch.add("medical_visit", (pid, day, kind, site, diagnosis, total, fund, account, total - fund - account))
        if employee:
            batch.add("medical_account", (pid, balance, SEED_NOW))

    def _cases(self, rng: random.Random, batch: Batch, pid: int) -> None:
        for _ in range(2):
            if rng.random() < 0.3:
                submitted = SEED_NOW - timedelta(days=rng.randint(1, 700), hours=rng.randint(0, 9))
                status = rng.choices(("completed", "processing", "accepted", "rejected"), (70, 15, 10, 5))[0]
                self._case(rng, batch, pid, rng.choice(vocab.CASE_SERVICES), submitted, status)

    def _case(self, rng: random.Random, batch: Batch, pid: int, service: str, submitted: datetime, status: str) -> None:
        self.counters.case += 1
        cid = self.counters.case
        channel = rng.choice(("counter", "online", "kiosk"))
        batch.add("service_case", (cid, pid, f"BJ{submitted:%Y%m%d}{cid:09d}", service, channel, submitted, status))
        done = {"accepted": 2, "processing": 3, "completed": 4, "rejected": 3}[status]
        at = submitted
        for seq, step in enumerate(vocab.CASE_STEPS, start=1):
            finished = seq <= done
            result = "通过" if finished else ""
            if status == "rejected" and seq == 3:
                result = "材料不全，不予通过"
            office = "社会保险事业管理中心" if seq > 1 else ("自助终端" if channel == "kiosk" else "经办窗口")
            batch.add("case_step", (cid, seq, step, at if finished else None, office, result))
            at += timedelta(days=rng.randint(1, 6))


def card_identifier(region: str, serial_hex: str) -> str:
    """卡识别码 (CARD_SPEC §2): region BCD(3) ‖ D156000005 ‖ serial(4) ‖ MAC(4). The MAC here is synthetic."""
    prefix = f"{region}D156000005{serial_hex}".upper()
    return prefix + hashlib.sha256(prefix.encode()).hexdigest()[:8].upper()


def generate(seed: int, persons: int, demo_cards: tuple[DemoCard, ...], batch_size: int = 2000) -> Iterator[Batch]:
    """Employers, then the demo people, then synthetic people up to ``persons`` in all, in batches."""
    generator = Generator(seed, persons)
    yield generator.employer_batch()
    batch = Batch()
    person_id = 0
    for card in demo_cards:
        person_id += 1
        generator.demo_person(person_id, card, batch)
    index = 0
    while person_id < persons:
        person_id += 1
        generator.synthetic_person(index, person_id, batch)
        index += 1
        if person_id % batch_size == 0:
            yield batch
            batch = Batch()
    if batch.count():
        yield batch
