"""Staff login with the staff card + PIN in the pilot: the demo mode's in-process reader (F2 / F3 slot), the real
embedded backend (which answers ``role = "staff"`` for the demo card ``staff``), the real lockout and journal.

Also: a staff card inserted on the attract screen offers maintenance mode, and the counters count citizen sessions
and printed slips (not the staff member's own login)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kiosk.app import KioskApp
from kiosk.backend_client.embedded import EmbeddedBackend
from kiosk.backend_client.http_client import HttpBackend
from kiosk.config import BackendSection, KioskSettings, StaffSection
from kiosk.context import KioskContext
from kiosk.journal import Journal
from kiosk.screens.attract import AttractScreen
from kiosk.screens.menu import MenuScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.slips import SlipScreen
from kiosk.screens.staff.login import StaffLoginScreen
from kiosk.screens.staff.menu import StaffMenuScreen
from kiosk.screens.staff.pages import StaffPageScreen
from kiosk.services.card_reader import DemoCardSlot
from kiosk_backend.demo_cards import load_demo_cards
from tests.helpers import FakeClock
from tests.slips.ipp_lab import free_port

SIZE = (110, 36)
CARDS = load_demo_cards()
PASSPHRASE = "hall-staff-2026"
HASH = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSPHRASE)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    """One real backend (seeded demo people, demo kiosk registered) for the module."""
    home = tmp_path_factory.mktemp("backend")
    backend = EmbeddedBackend(home / "demo-backend.sqlite3", home / "demo-backend.log")
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


@dataclass
class Hall:
    """One kiosk with a fresh card slot, journal and state file."""

    app: KioskApp
    slot: DemoCardSlot
    journal: Journal

    def entries(self, prefix: str = "staff.") -> list[tuple[str, str | None, dict[str, object]]]:
        return [(e.kind, e.code, dict(e.detail)) for e in self.journal.entries() if e.kind.startswith(prefix)]


@pytest.fixture
def hall(tmp_path: Path, embedded: EmbeddedBackend) -> Callable[..., Hall]:
    made: list[tuple[Journal, HttpBackend]] = []

    def make(url: str | None = None, max_failures: int = 5) -> Hall:
        settings = KioskSettings(
            kiosk_id="NX-YC-0009",
            data_dir=tmp_path / "data",
            backend=BackendSection(health_interval_s=0.1, startup_grace_s=0, failures_before_out_of_service=1),
            staff=StaffSection(passphrase_hash=SecretStr(HASH), max_failures=max_failures),
        )
        backend = HttpBackend(url or embedded.url, token=embedded.kiosk_token, timeout_s=5)
        journal = Journal(tmp_path / "journal")
        slot = DemoCardSlot(CARDS)
        context = KioskContext.create(
            settings, FakeClock(), backend, journal, slot.monitor, slot, state_path=tmp_path / "state.json"
        )
        made.append((journal, backend))
        return Hall(KioskApp(context), slot, journal)

    yield make  # type: ignore[misc]
    for journal, backend in made:
        journal.close()
        backend.close()


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting; screen is {type(pilot.app.screen).__name__}")


def text(app: KioskApp, selector: str) -> str:
    found = app.screen.query(selector)
    return str(found.first(Static).render()) if found else ""


async def staff_login_screen(pilot: Pilot[None], app: KioskApp) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen | OutOfServiceScreen))
    await pilot.press("f12")
    await wait_for(pilot, lambda: isinstance(app.screen, StaffLoginScreen))


async def card_and_pin(pilot: Pilot[None], hall: Hall, card: str, pin: str | None = None) -> None:
    hall.slot.insert(card)
    await wait_for(pilot, lambda: isinstance(hall.app.screen, PinScreen))
    await pilot.press(*(pin or CARDS.by_id(card).pin), "enter")


async def take_out(pilot: Pilot[None], hall: Hall) -> None:
    hall.slot.remove()
    await pilot.pause(0.1)


async def test_staff_card_and_pin_open_staff_mode(hall: Callable[..., Hall]) -> None:
    kiosk = hall()
    app = kiosk.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await staff_login_screen(pilot, app)
        assert "插入员工卡" in text(app, "#staff-login-card")
        await card_and_pin(pilot, kiosk, "staff")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        await pilot.press("2")  # self-tests: read the card in the reader (the staff card, still inserted)
        await wait_for(pilot, lambda: isinstance(app.screen, StaffPageScreen))
        await pilot.press("4")
        await wait_for(pilot, lambda: text(app, "#staff-message") != "")
        shown = text(app, "#staff-message")
        assert shown == "读测试卡：通过（card *****0070 v3.00, expires 2030-05-11, PIN verified in this card session）"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
        await pilot.pause(0.4)  # health checks come and go: the staff card still inserted is not served as a citizen
        assert isinstance(app.screen, AttractScreen)
        await pilot.press("f12")  # the card still in: its PIN at once; Esc → the staff login screen
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffLoginScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
        await take_out(pilot, kiosk)
    card_no = CARDS.by_id("staff").card_no
    staff = f"card {'*' * 5}{card_no[-4:]}"
    assert kiosk.entries() == [
        ("staff.login", None, {"method": "card", "staff": staff}),
        ("staff.mode_start", None, {"staff": staff, "method": "card"}),
        ("staff.self_test", None, {"staff": staff, "test": "card", "ok": True}),
        ("staff.mode_end", None, {"staff": staff}),
    ]
    assert CARDS.by_id("staff").pin not in (kiosk.journal.path).read_bytes().decode("latin-1")


async def test_wrong_pin_says_tries_left_then_the_right_one_opens_staff_mode(hall: Callable[..., Hall]) -> None:
    kiosk = hall()
    app = kiosk.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await staff_login_screen(pilot, app)
        await card_and_pin(pilot, kiosk, "staff", "000000")
        await wait_for(pilot, lambda: "还可尝试 2 次" in text(app, "#pin-status"))
        assert isinstance(app.screen, PinScreen) and "密码错误" in text(app, "#pin-status")
        await pilot.press(*CARDS.by_id("staff").pin, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
    kinds = [(kind, code) for kind, code, _ in kiosk.entries()]
    assert kinds[:3] == [("staff.login_failed", "E-ST-002"), ("staff.login", None), ("staff.mode_start", None)]


async def test_a_citizen_card_never_opens_staff_mode(hall: Callable[..., Hall]) -> None:
    kiosk = hall()
    app = kiosk.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await staff_login_screen(pilot, app)
        await card_and_pin(pilot, kiosk, "citizen")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffLoginScreen) and app.screen.is_mounted)
        await wait_for(pilot, lambda: "不是工作人员卡" in text(app, "#staff-login-message"))
        assert "还可尝试 4 次" in text(app, "#staff-login-message")
        await take_out(pilot, kiosk)
        assert isinstance(app.screen, StaffLoginScreen)
    assert [(kind, code) for kind, code, _ in kiosk.entries()] == [("staff.login_failed", "E-ST-004")]
    assert kiosk.entries()[0][2]["reason"] == "not_staff"


async def test_backend_down_refuses_the_card_and_points_to_the_passphrase(hall: Callable[..., Hall]) -> None:
    kiosk = hall(url=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    app = kiosk.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OutOfServiceScreen))
        await staff_login_screen(pilot, app)
        await card_and_pin(pilot, kiosk, "staff")
        await wait_for(pilot, lambda: "维护口令" in text(app, "#staff-login-message"))
        assert "业务系统无法连接" in text(app, "#staff-login-message")
        field = app.screen.query_one(Input)
        field.value = PASSPHRASE
        field.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
    kinds = [(kind, code) for kind, code, _ in kiosk.entries()]
    assert kinds[:2] == [("staff.login_failed", "E-ST-005"), ("staff.login", None)]


async def test_repeated_failures_lock_card_and_passphrase_alike(hall: Callable[..., Hall]) -> None:
    kiosk = hall(max_failures=2)
    app = kiosk.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await staff_login_screen(pilot, app)
        await card_and_pin(pilot, kiosk, "citizen")
        await wait_for(pilot, lambda: "不是工作人员卡" in text(app, "#staff-login-message"))
        await take_out(pilot, kiosk)
        await card_and_pin(pilot, kiosk, "citizen")
        await wait_for(pilot, lambda: "已锁定" in text(app, "#staff-login-message"))
        await take_out(pilot, kiosk)
        kiosk.slot.insert("staff")  # the right card does not help while locked: not even a PIN is asked
        await wait_for(pilot, lambda: "已锁定" in text(app, "#staff-login-message") and app._staff_card is not None)
        assert isinstance(app.screen, StaffLoginScreen)
        field = app.screen.query_one(Input)
        field.value = PASSPHRASE
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, StaffLoginScreen)
    kinds = [(kind, code) for kind, code, _ in kiosk.entries()]
    assert kinds == [
        ("staff.login_failed", "E-ST-004"),
        ("staff.login_locked", "E-ST-003"),
        ("staff.login_locked", "E-ST-003"),  # the staff card while locked
        ("staff.login_locked", "E-ST-003"),  # the passphrase while locked
    ]


async def test_staff_card_on_the_attract_screen_offers_staff_mode_and_counters_count(
    hall: Callable[..., Hall],
) -> None:
    kiosk = hall()
    app = kiosk.app
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        # a citizen prints a slip: one session, one slip, one slip since the refill
        await card_and_pin(pilot, kiosk, "citizen")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and app._visit is not None)
        await pilot.press("8")
        await wait_for(pilot, lambda: isinstance(app.screen, SlipScreen))
        slip = app.screen
        assert isinstance(slip, SlipScreen)
        await pilot.press("1")  # 参保证明
        await wait_for(pilot, lambda: slip.stage == "preview")
        await pilot.press("1")
        await wait_for(pilot, lambda: slip.stage in ("done", "failed"))
        assert slip.stage == "done"
        await take_out(pilot, kiosk)
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
        # the staff card in normal flow: a choice, not the citizen menu
        await card_and_pin(pilot, kiosk, "staff")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and text(app, "#menu-title") == "工作人员卡")
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        assert app._visit is None
        await pilot.press("4")
        await wait_for(pilot, lambda: isinstance(app.screen, StaffPageScreen) and bool(app.screen.lines))
        page = app.screen
        assert isinstance(page, StaffPageScreen)
        assert page.lines == ["服务人次：1", "打印凭证：1", "换纸后已打印：1"]
        await pilot.press("1")  # paper refilled
        await wait_for(pilot, lambda: page.lines == ["服务人次：1", "打印凭证：1", "换纸后已打印：0"])
    sessions = [(e.kind, dict(e.detail)) for e in kiosk.journal.entries() if e.kind.startswith("session.")]
    assert sessions[-1] == ("session.end", {"reason": "staff_mode"})
    assert [kind for kind, _code, _ in kiosk.entries()][:2] == ["staff.login", "staff.mode_start"]


async def test_an_unexpected_error_in_the_card_login_is_a_code_not_a_crash(hall: Callable[..., Hall]) -> None:
    kiosk = hall()
    app = kiosk.app
    assert app.context.staff_card is not None

    def broken(*_args: object) -> object:
        raise RuntimeError("driver bug")

    app.context.staff_card.authenticate = broken  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await staff_login_screen(pilot, app)
        kiosk.slot.insert("staff")
        await wait_for(pilot, lambda: "E-KS-001" in text(app, "#staff-login-message"))
        assert text(app, "#staff-login-message") == "员工卡登录未成功（E-KS-001）" and app.is_running
