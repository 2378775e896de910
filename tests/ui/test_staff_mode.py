"""Pilot tests of staff mode: passphrase login and lockout, every staff page, local and remote out of service,
and the per-function availability rules as the kiosk shows them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from pydantic import SecretStr
from textual.css.query import NoMatches
from textual.widgets import Input, Static

from kiosk.app import KioskApp
from kiosk.config import BackendSection, FleetSection, KioskSettings, StaffSection
from kiosk.context import KioskContext
from kiosk.journal import Journal
from kiosk.screens.attract import AttractScreen
from kiosk.screens.message import MessageScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.screens.staff.login import StaffLoginScreen
from kiosk.screens.staff.menu import StaffMenuScreen
from kiosk.screens.staff.pages import StaffPageScreen
from kiosk.services.counters import SLIPS
from kiosk.services.devices import CARD_READER, PRINTER, DeviceRegistry, StaticProbe
from kiosk_backend.schemas import DeviceStatus, ServiceCommand
from tests.helpers import FakeBackend, FakeClock

SIZE = (110, 36)
PASSPHRASE = "hall-staff-2026"
HASH = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSPHRASE)  # cheap parameters: the test's own hash


class Kiosk:
    """One kiosk under test, with a journal and a state file in tmp."""

    def __init__(self, tmp: Path, clock: FakeClock, backend: FakeBackend | None = None, **settings: object) -> None:
        self.tmp = tmp
        self.clock = clock
        self.backend = backend or FakeBackend(up=True)
        self.devices = DeviceRegistry()
        self.journal = Journal(tmp / "journal")
        self.settings = KioskSettings(
            kiosk_id="NX-YC-0009",
            data_dir=tmp / "data",
            backend=BackendSection(health_interval_s=0.05, startup_grace_s=0, token=SecretStr("kiosk-token-xyz")),
            fleet=FleetSection(heartbeat_interval_s=0.05, journal_upload_interval_s=0.05),
            staff=StaffSection(passphrase_hash=SecretStr(HASH)),
            **settings,  # type: ignore[arg-type]
        )

    def app(self) -> KioskApp:
        context = KioskContext.create(
            self.settings,
            self.clock,
            self.backend,  # type: ignore[arg-type]
            journal=self.journal,
            state_path=self.tmp / "state.json",
            devices=self.devices,
        )
        return KioskApp(context)

    def kinds(self) -> list[str]:
        return [entry.kind for entry in self.journal.entries()]


async def until(pilot: object, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    assert predicate(), "condition not reached in time"


def text(app: KioskApp, selector: str) -> str:
    """The widget's text, or "" while the screen is still being composed."""
    try:
        return str(app.screen.query_one(selector, Static).render())
    except NoMatches:
        return ""


async def login(app: KioskApp, pilot: object, passphrase: str = PASSPHRASE) -> None:
    await pilot.press("f12")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, StaffLoginScreen))
    await type_and_enter(app, pilot, passphrase)


async def type_and_enter(app: KioskApp, pilot: object, value: str) -> None:
    field = app.screen.query_one(Input)
    field.value = value
    field.focus()
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause(0.05)  # type: ignore[attr-defined]


async def open_page(app: KioskApp, pilot: object, digit: str) -> StaffPageScreen:
    await until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
    await pilot.press(digit)  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, StaffPageScreen))
    page = app.screen
    assert isinstance(page, StaffPageScreen)
    await until(pilot, lambda: bool(page.lines) or text(app, "#staff-lines") == "（无内容）")
    return page


async def message_after(app: KioskApp, pilot: object, digit: str, click: bool = False) -> str:
    app.screen.query_one("#staff-message", Static).update("")  # wait for this action's message, not the last one
    if click:  # pages with an input field: digits go into the field, the buttons run the actions
        await pilot.click(f"#staff-action-{digit}")  # type: ignore[attr-defined]
    else:
        await pilot.press(digit)  # type: ignore[attr-defined]
    await until(pilot, lambda: text(app, "#staff-message") != "")
    return text(app, "#staff-message")


# ---------------------------------------------------------------- login
async def test_f12_opens_staff_login_only_between_citizen_sessions(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        app.push_screen(MessageScreen.from_keys("take_card.title", "take_card.body"))  # a citizen's screen
        await pilot.pause(0.05)
        await pilot.press("f12")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MessageScreen)
        app.pop_screen()
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, StaffLoginScreen))
        assert text(app, "#staff-login-title") == "维护模式登录"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_passphrase_login_opens_staff_mode_and_leaving_is_journaled(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        assert text(app, "#staff-menu-title") == "维护模式"
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
    assert [k for k in kiosk.kinds() if k.startswith("staff.")] == ["staff.login", "staff.mode_start", "staff.mode_end"]
    assert PASSPHRASE not in (tmp_path / "journal" / "journal.sqlite3").read_bytes().decode("latin-1")


async def test_five_wrong_passphrases_lock_for_five_minutes_even_across_a_restart(
    tmp_path: Path, clock: FakeClock
) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot, "wrong-one")
        await until(pilot, lambda: "还可尝试 4 次" in text(app, "#staff-login-message"))
        for tries_left in (3, 2, 1):
            await type_and_enter(app, pilot, "wrong-again")
            await until(pilot, lambda n=tries_left: f"还可尝试 {n} 次" in text(app, "#staff-login-message"))  # type: ignore[misc]
        await type_and_enter(app, pilot, "wrong-fifth")
        await until(pilot, lambda: "已锁定" in text(app, "#staff-login-message"))
        assert "5 分钟" in text(app, "#staff-login-message")
        await type_and_enter(app, pilot, PASSPHRASE)  # the right one does not help while locked
        await pilot.pause(0.3)
        assert isinstance(app.screen, StaffLoginScreen)
    restarted = kiosk.app()
    async with restarted.run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(restarted.screen, StaffLoginScreen))
        await until(pilot, lambda: "已锁定" in text(restarted, "#staff-login-message"))
        clock.advance(301)
        await type_and_enter(restarted, pilot, PASSPHRASE)
        await until(pilot, lambda: isinstance(restarted.screen, StaffMenuScreen))
    kinds = kiosk.kinds()
    assert kinds.count("staff.login_failed") == 4 and "staff.login_locked" in kinds and "staff.login" in kinds


# ---------------------------------------------------------------- pages
async def test_device_status_page_shows_xfs_states_faults_and_actions(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    kiosk.devices.set_probe(PRINTER, StaticProbe(DeviceStatus(device="online", paper="out", fault="E-PR-002")))
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        page = await open_page(app, pilot, "1")
        lines = page.lines
        assert lines[0] == "读卡器：unknown (not built)  → 正常"
        assert lines[1] == "打印机：online · paper out  [E-PR-002]  → 由工作人员处理（换纸 / 清除卡纸）"
        assert lines[2].startswith("业务系统：online · ") and lines[2].endswith("ms  → 正常")
        assert lines[3].startswith("磁盘：") and "MB free" in lines[3]
        assert lines[4].startswith("电子日志：#") and "uploaded #" in lines[4]
        assert lines[5] == "当前提供：卡片业务、查询"  # no printing without paper
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))


async def test_self_tests_backend_journal_and_test_print_hook(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await open_page(app, pilot, "2")
        assert (await message_after(app, pilot, "1")).startswith("业务系统往返：通过（ok ")
        assert (await message_after(app, pilot, "2")).startswith("日志校验：通过（")
        assert (await message_after(app, pilot, "3")).startswith("测试打印：通过（directory ")  # a test page
        (page,) = (kiosk.tmp / "data" / "printed").glob("*kiosk-test-page.pdf")
        assert page.read_bytes().startswith(b"%PDF-")
        assert app.context.counters is not None and app.context.counters.values()["slips_since_refill"] == 1
        assert await message_after(app, pilot, "4") == "读测试卡：失败（card reader not built）"
        app.context.staff.test_card_hook = lambda: "测试卡 NX-TEST 卡号 ****0001"  # type: ignore[union-attr]
        assert await message_after(app, pilot, "4") == "读测试卡：通过（测试卡 NX-TEST 卡号 ****0001）"
        assert app.context.staff is not None
        app.context.staff.test_print_hook = lambda: "slip 0001 sent to queue kiosk"
        assert await message_after(app, pilot, "3") == "测试打印：通过（slip 0001 sent to queue kiosk）"
        kiosk.backend.up = False
        assert (await message_after(app, pilot, "1")).startswith("业务系统往返：失败（connection refused")
    assert kiosk.kinds().count("staff.self_test") == 7


async def test_journal_viewer_shows_todays_entries_masked(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    kiosk.journal.append("session.start", None, {"ssn": "640102********1234"}, at=clock.now())
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        page = await open_page(app, pilot, "3")
        shown = "\n".join(page.lines)
        assert "09:30:00" in shown and "session.start" in shown and "640102********1234" in shown
        assert "staff.login method=passphrase" in shown
        assert PASSPHRASE not in shown


async def test_counters_and_paper_refilled(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    assert app.context.staff is not None
    app.context.staff.counters.count(SLIPS, 3)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        page = await open_page(app, pilot, "4")
        assert page.lines == ["服务人次：0", "打印凭证：3", "换纸后已打印：3"]
        assert await message_after(app, pilot, "1") == "已记录换纸，计数归零"
        await until(pilot, lambda: page.lines == ["服务人次：0", "打印凭证：3", "换纸后已打印：0"])
    assert "staff.paper_refilled" in kiosk.kinds()


async def test_configuration_view_hides_secrets(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        page = await open_page(app, pilot, "6")
        assert "kiosk_id = NX-YC-0009" in page.lines
        assert "backend.token = (set, hidden)" in page.lines
        assert "staff.passphrase_hash = (set, hidden)" in page.lines
        shown = "\n".join(page.lines)
        assert "kiosk-token-xyz" not in shown and "argon2" not in shown


async def test_journal_export_to_a_directory_is_verified(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    usb = tmp_path / "usb"
    usb.mkdir()
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await open_page(app, pilot, "7")
        await type_and_enter(app, pilot, str(usb))
        await until(pilot, lambda: text(app, "#staff-message") != "")
        assert text(app, "#staff-message").startswith("已导出 ")
        exported = next(usb.iterdir())
        assert exported.name.startswith("journal-NX-YC-0009-")
        copy = Journal(exported)
        assert copy.verify().ok and copy.last() is not None
        copy.close()
        app.screen.query_one("#staff-message", Static).update("")
        await type_and_enter(app, pilot, "/proc/no-such-usb")
        await until(pilot, lambda: text(app, "#staff-message") != "")
        assert text(app, "#staff-message").startswith("导出失败：cannot write /proc/no-such-usb")


# ---------------------------------------------------------------- out of service: local and remote
async def test_local_out_of_service_with_reason_and_back(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await open_page(app, pilot, "5")
        assert await message_after(app, pilot, "1", click=True) == "请先填写暂停原因"
        await type_and_enter(app, pilot, "更换色带，约10分钟")
        await until(pilot, lambda: text(app, "#staff-message") == "已暂停服务")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        await pilot.press("0")
        await until(pilot, lambda: text(app, "#oos-reason") == "更换色带，约10分钟")
        assert text(app, "#oos-code") == "故障代码 E-ST-001"
        await pilot.pause(0.3)  # health checks keep coming: the staff switch holds
        assert isinstance(app.screen, OutOfServiceScreen)
        await login(app, pilot)
        await open_page(app, pilot, "5")
        assert await message_after(app, pilot, "2", click=True) == "已恢复服务"
        await pilot.press("escape")
        await pilot.press("0")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
    kinds = kiosk.kinds()
    assert "staff.out_of_service" in kinds and "staff.in_service" in kinds


async def test_local_out_of_service_survives_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    first = kiosk.app()
    assert first.context.staff is not None
    first.context.staff.set_out_of_service("打印机维修")
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: text(app, "#oos-reason") == "打印机维修")


async def test_remote_out_of_service_arrives_with_the_heartbeat_and_lifts(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AttractScreen) and len(kiosk.backend.beats) > 0)
        await until(pilot, lambda: kiosk.backend.beats[-1].service_state == "in_service")  # the first may be "starting"
        kiosk.backend.service = ServiceCommand(mode="out_of_service", reason="系统升级，暂停服务")
        await until(pilot, lambda: text(app, "#oos-reason") == "系统升级，暂停服务")
        assert text(app, "#oos-code") == "故障代码 E-RM-001"
        await until(pilot, lambda: kiosk.backend.beats[-1].service_state == "out_of_service")
        kiosk.backend.service = ServiceCommand(mode="in_service")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        await until(pilot, lambda: len(kiosk.backend.uploaded) > 0)  # the journal went up meanwhile
    assert [e.seq for e in kiosk.backend.uploaded] == list(range(1, len(kiosk.backend.uploaded) + 1))


async def test_remote_command_waits_while_staff_mode_is_open(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        kiosk.backend.service = ServiceCommand(mode="out_of_service", reason="远程维护")
        await asyncio.sleep(0.3)
        await pilot.pause(0.1)
        assert isinstance(app.screen, StaffMenuScreen)
        await pilot.press("0")
        await until(pilot, lambda: text(app, "#oos-reason") == "远程维护")


# ---------------------------------------------------------------- per-function availability
async def test_no_card_reader_means_out_of_service_with_the_reason(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    reader = StaticProbe(DeviceStatus(device="no_device", fault="E-CR-001"))
    kiosk.devices.set_probe(CARD_READER, reader)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OutOfServiceScreen))
        await until(
            pilot, lambda: text(app, "#oos-reason") == "读卡器故障，暂停服务 / Card reader fault: out of service"
        )
        assert text(app, "#oos-title") == "服务暂停"
        assert text(app, "#oos-code") == "故障代码 E-CR-001"
        reader.current = DeviceStatus(device="online", media="not_present")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_no_printer_keeps_the_kiosk_in_service_without_printing(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    kiosk.devices.set_probe(PRINTER, StaticProbe(DeviceStatus(device="no_device", fault="E-PR-009")))
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: text(app, "#status-state") == "服务正常")
        await pilot.pause(0.2)
        assert isinstance(app.screen, AttractScreen)
        functions = app.context.availability.functions()
        assert functions.allows("card", "query") and not functions.allows("printing")
        assert functions.printing_fault == "E-PR-009"


async def test_language_switch_reloads_a_staff_page_in_english(tmp_path: Path, clock: FakeClock) -> None:
    kiosk = Kiosk(tmp_path, clock)
    app = kiosk.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        page = await open_page(app, pilot, "4")
        assert page.lines[0] == "服务人次：0"
        await pilot.press("f6")
        await until(pilot, lambda: page.lines[:1] == ["Sessions：0"] and "Sessions" in text(app, "#staff-lines"))
        assert text(app, "#staff-page-title") == "Counters"
