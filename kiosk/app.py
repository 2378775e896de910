"""``KioskApp``: the full-screen Textual app of a hall kiosk.

Locked down for citizens: no quit key, no command palette, no text selection. It watches the backend's health in a
worker thread (attract ⇄ out of service), turns card events into a citizen visit (PIN → login → menu → queries),
and ends the visit on card removal, 退出, idle timeout (after a warning) or the hard limit — wiping the session and
rebuilding the screens so nothing of the last person remains.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from kiosk.backend_client.protocol import BackendUnavailable
from kiosk.cardreader.errors import CardError, CardRemoved, NoCard
from kiosk.cardreader.pin import Pin
from kiosk.context import KioskContext
from kiosk.i18n import Language, in_all_languages, other_language, tr
from kiosk.screens.attract import AttractScreen
from kiosk.screens.base import CardlessScreen, KioskScreen
from kiosk.screens.idle_warning import IdleWarningScreen
from kiosk.screens.menu import MenuEntry, MenuScreen
from kiosk.screens.message import MessageScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.pin_change import PinChangeScreen
from kiosk.screens.query import QueryScreen
from kiosk.screens.slips import SlipScreen
from kiosk.screens.staff.base import StaffScreen
from kiosk.screens.staff.login import StaffLoginScreen
from kiosk.screens.staff.menu import StaffMenuScreen
from kiosk.screens.unlock import UnlockScreen
from kiosk.services.activity import ActivityState
from kiosk.services.availability import Availability, ServiceState
from kiosk.services.card_info import read_card_info
from kiosk.services.card_reader import CardMonitor
from kiosk.services.citizen import Notice, Visit, failure_notice, pin_from_digits, void_token
from kiosk.services.counters import SESSIONS
from kiosk.services.login import LoginCancelled, LoginRefused, LoginResult, PinPrompt
from kiosk.services.pin_change import PinChangeOutcome, PinChanger, PinChangeResult
from kiosk.services.staff_auth import LoginResult as StaffResult
from kiosk.services.staff_auth import StaffLogin
from kiosk.services.views import QuerySpec
from kiosk.session import EndReason
from kiosk.textual_fixes import CachedStylesheet, release_rendered_lines
from kiosk.themes import THEMES, theme_name
from kiosk_backend.identifiers import mask_name, mask_tail

log = logging.getLogger(__name__)

STARTUP_POLL_S = 0.25
UNEXPECTED = "E-KS-001"  # an unexpected error (journaled / logged), as in OPERATIONS.md

# The service menu: sub-menus of queries (keys of QueryCatalog.specs()).
MENU: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("personal", "menu.personal", ("basic", "card")),
    ("contributions", "menu.contributions", ("enrolment", "payments", "supplementary", "transfers")),
    ("medical", "menu.medical", ("medical_account", "medical_visits", "medical_contracts")),
    ("pension", "menu.pension", ("pension_account", "pension_estimate")),
    ("benefits", "menu.benefits", ("benefits", "benefit_payments", "one_time")),
    ("injury", "menu.injury", ("injuries",)),
    ("cases", "menu.cases", ("cases",)),
)


class KioskApp(App[None], inherit_bindings=False):
    """The kiosk. No bindings are inherited from ``App``: ctrl+q, ctrl+c and ctrl+p do nothing."""

    CSS_PATH = "app.tcss"
    TITLE = "社保自助终端"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    BINDINGS = [  # noqa: RUF012 - Textual's declared type
        Binding("f6", "toggle_language", show=False, priority=True),
        Binding("f7", "toggle_contrast", show=False, priority=True),
        Binding("f8", "toggle_large_text", show=False, priority=True),
        Binding("f2", "demo_insert", show=False, priority=True),
        Binding("f3", "demo_remove", show=False, priority=True),
        Binding("f12", "staff_login", show=False, priority=True),
    ]

    language: reactive[Language] = reactive("zh", init=False)
    high_contrast: reactive[bool] = reactive(False, init=False)
    large_text: reactive[bool] = reactive(False, init=False)

    def __init__(self, context: KioskContext) -> None:
        super().__init__()
        self.context = context
        for theme in THEMES:
            self.register_theme(theme)
        ui = context.settings.ui
        self.set_reactive(KioskApp.language, ui.language)
        self.set_reactive(KioskApp.high_contrast, ui.theme == "high-contrast")
        self.set_reactive(KioskApp.large_text, ui.large_text)
        self.theme = theme_name(self.high_contrast)
        self.stylesheet = CachedStylesheet(variables=self.theme_variables)  # the theme refresh sets ours before parsing
        self._polling_fast = True
        self._ui_thread = 0
        self._monitor: CardMonitor | None = None
        self._reader: str | None = None  # the reader whose card is being served
        self._present: str | None = None  # a reader holding a card (served or waiting for the kiosk to be ready)
        self._staff_card: str | None = None  # a reader whose card opened staff mode: not served until taken out
        self._visit: Visit | None = None
        self._pin_answers: queue.Queue[Pin | None] | None = None
        self._idle_warning: IdleWarningScreen | None = None
        self._switching_to: tuple[tuple[str | None, ...], float] | None = None

    # ------------------------------------------------------------ accessibility switches (every screen)
    def action_toggle_language(self) -> None:
        self.language = other_language(self.language)

    def action_toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def action_toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    def watch_language(self) -> None:
        self.screen.refresh(recompose=True)

    def watch_high_contrast(self, high_contrast: bool) -> None:
        self.theme = theme_name(high_contrast)

    def watch_large_text(self, large_text: bool) -> None:
        self.set_class(large_text, "-large-text")

    # ------------------------------------------------------------ life cycle
    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        self.set_class(self.large_text, "-large-text")
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, self.exit)
        self.push_screen(AttractScreen())
        self.call_after_refresh(self._check_backend)  # after the first paint: the worker imports httpx (GIL)
        self._poll_timer = self.set_interval(STARTUP_POLL_S, self._check_backend)
        self.set_interval(1.0, self._tick_visit)
        if self.context.card_monitor is not None:
            self._monitor = self.context.card_monitor(self)
            self._monitor.start()
            if self.context.staff is not None:
                self.context.staff.test_card_hook = self._read_test_card
        if self.context.printer_probe is not None:
            self.context.printer_probe.on_change = self._device_changed
        fleet = self.context.settings.fleet
        self.set_interval(fleet.heartbeat_interval_s, self._send_heartbeat)
        self.set_interval(fleet.journal_upload_interval_s, self._upload_journal)

    def on_unmount(self) -> None:
        if self.context.printer_probe is not None:
            self.context.printer_probe.on_change = None
        if self._visit is not None:
            self._end_visit(EndReason.LOGOUT, then=None)
        if self._monitor is not None:
            self._monitor.stop()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)

    async def on_event(self, event: events.Event) -> None:
        if self._visit is not None and isinstance(event, events.Key | events.MouseDown):
            self._visit.activity.touch()
        await super().on_event(event)

    # ------------------------------------------------------------ staff mode
    def action_staff_login(self) -> None:
        """F12: the staff login, only between citizen sessions (on the attract or out-of-service screen)."""
        if isinstance(self.screen, AttractScreen | OutOfServiceScreen):
            present = self._present
            if present is not None and self._reader is None and self.context.staff_card is not None:
                self._staff_card_in(present)  # a card already in the reader (e.g. left in after staff mode)
                return
            self.push_screen(StaffLoginScreen())

    def in_staff_mode(self) -> bool:
        """Whether a staff screen is open (the kiosk then switches no screens by itself)."""
        return any(isinstance(screen, StaffScreen) for screen in self.screen_stack)

    def _staff_card_in(self, reader: str) -> None:
        """A card inserted while the staff login screen is open: the staff card + PIN login."""
        self._reader = reader
        self._journal("card.inserted", detail={"for": "staff_login"})
        self._show(MessageScreen.from_keys("reading.title", "reading.body", busy=True))
        self._staff_card_login(reader)

    @work(thread=True, exclusive=True, group="login")
    def _staff_card_login(self, reader: str) -> None:
        assert self._monitor is not None and self.context.staff_card is not None
        try:
            transport = self._monitor.open(reader)
            transport.connect()
        except CardError as exc:
            self.call_from_thread(self._staff_card_done, StaffLogin(StaffResult.CARD_FAILED, code=exc.code))
            return
        try:
            login = self.context.staff_card.authenticate(transport, self._ask_pin)
        except Exception:  # never a crashed kiosk: staff see a code and the passphrase stays available
            log.exception("staff card login failed unexpectedly")
            login = StaffLogin(StaffResult.CARD_FAILED, code=UNEXPECTED)
        self.call_from_thread(self._staff_card_done, login)

    @work(thread=True, exclusive=True, group="login")
    def _accept_staff_card(self, result: LoginResult) -> None:
        """A staff card logged in from the attract screen and chose maintenance mode: end its session, check the role
        (and the lock) and open staff mode."""
        assert self.context.staff_card is not None
        try:
            login = self.context.staff_card.accept(result)
        except Exception:  # as above
            log.exception("staff card login failed unexpectedly")
            login = StaffLogin(StaffResult.CARD_FAILED, code=UNEXPECTED)
        self.call_from_thread(self._staff_card_done, login)

    def _staff_card_done(self, login: StaffLogin) -> None:
        """After a staff card login: staff mode, or the login screen saying why not (nothing when the card left)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            self._staff_card = reader  # still inserted: not to be served as a citizen card until taken out
        if login.result is StaffResult.OK:
            assert self.context.staff is not None
            self.context.staff.begin(login.staff_id, login.method)
            self._show(AttractScreen())
            self.push_screen(StaffMenuScreen())
            return
        if reader is None and login.result is StaffResult.CANCELLED:
            return  # the card was taken out: _card_out already went back to the attract screen
        self._show(AttractScreen())
        self.push_screen(StaffLoginScreen(login if login.result is not StaffResult.CANCELLED else None))

    def _read_test_card(self) -> str:
        """Staff self-test (on a worker thread): read the card in the reader, masked; no PIN is asked."""
        reader, monitor = self._present, self._monitor
        if reader is None or monitor is None:
            raise NoCard("no card in the reader")
        transport = monitor.open(reader)
        transport.connect()
        info = read_card_info(transport, lambda: None)
        card, pin = info["card"], info["pin"]
        if pin["blocked"]:
            pin_state = "PIN blocked"
        elif pin["tries_left"] is None:
            pin_state = "PIN verified in this card session"
        else:
            pin_state = f"PIN tries left {pin['tries_left']}"
        return f"card {card['card_no']} v{card['version']}, expires {card['expires']}, {pin_state}"

    def _device_changed(self) -> None:
        """A device probe saw a change (called on the probe's thread): re-apply availability now."""
        if self.is_running:
            with contextlib.suppress(RuntimeError):  # the app is shutting down
                self.call_from_thread(self._reader_changed)

    @work(thread=True, exclusive=True, group="devices", exit_on_error=False)
    def reapply_availability(self) -> None:
        """After staff mode, a remote command or a reader change: re-read the devices, re-apply the rules (which may
        journal, so off the UI thread) and show what the kiosk's state calls for."""
        self.context.devices.read()
        self.call_from_thread(self._apply_availability, self.context.availability.reevaluate())

    # ------------------------------------------------------------ fleet: heartbeats and journal upload
    @work(thread=True, exclusive=True, group="heartbeat", exit_on_error=False)  # best effort, never fatal
    def _send_heartbeat(self) -> None:
        if self.context.heartbeat is None:
            return
        outcome = self.context.heartbeat.beat()
        if outcome.command_changed:
            self.call_from_thread(self.reapply_availability)  # starts its own worker

    @work(thread=True, exclusive=True, group="journal-upload", exit_on_error=False)
    def _upload_journal(self) -> None:
        if self.context.uploader is not None:
            self.context.uploader.upload_pending()

    # ------------------------------------------------------------ backend health
    @work(thread=True, exclusive=True, group="health")
    def _check_backend(self) -> None:
        availability = self.context.availability.check()
        self.call_from_thread(self._apply_availability, availability)

    def _switch_once(self, target: tuple[str | None, ...], screen: KioskScreen) -> None:
        """Switch to ``screen`` unless the same switch was asked for less than a second ago: the health and
        heartbeat workers may both ask within milliseconds, and a second switch tears the first down mid-mount."""
        now = time.monotonic()
        if self._switching_to is not None and self._switching_to[0] == target and now - self._switching_to[1] < 1.0:
            return
        self._switching_to = (target, now)
        self.switch_screen(screen)

    def _apply_availability(self, availability: Availability) -> None:
        """Show the screen that matches the kiosk's state (only between citizen sessions)."""
        if not self.screen_stack:  # the app is shutting down while a health check was in flight
            return
        if self._polling_fast and availability.state is not ServiceState.STARTING:
            self._polling_fast = False
            self._poll_timer.stop()
            self._poll_timer = self.set_interval(self.context.settings.backend.health_interval_s, self._check_backend)
        current = self.screen
        if self.in_staff_mode() or self._visit is not None or self._reader is not None:
            if isinstance(current, KioskScreen):  # a citizen or staff member is being served: no switching
                current.show_service_state(availability.state)
            return
        if availability.state is ServiceState.OUT_OF_SERVICE:
            code = availability.fault_code or ""
            shown = (current.fault_code, current.reason_text) if isinstance(current, OutOfServiceScreen) else None
            if shown != (code, availability.reason_text):
                reason_key = availability.reason_key or "error.backend_unreachable"
                self._switch_once(
                    ("oos", code, availability.reason_text),
                    OutOfServiceScreen(code, reason_key, availability.reason_text),
                )
                return
        elif isinstance(current, OutOfServiceScreen):
            self._switch_once(("attract",), AttractScreen())
            return
        if isinstance(current, KioskScreen):
            current.show_service_state(availability.state)
        present = self._present
        waiting = present is not None and self._reader is None and present != self._staff_card
        if availability.state is ServiceState.IN_SERVICE and present is not None and waiting:
            self._card_in(present)  # a card inserted while the kiosk was starting is served now

    @property
    def in_service(self) -> bool:
        """Whether a citizen may start a visit now."""
        return self.context.availability.current.state is ServiceState.IN_SERVICE

    # ------------------------------------------------------------ card events (MonitorListener, any thread)
    def _on_ui(self, callback: Callable[..., object], *args: object) -> None:
        if threading.get_ident() == self._ui_thread:
            callback(*args)
        else:
            self.call_from_thread(callback, *args)

    def reader_attached(self, reader: str) -> None:
        log.info("reader attached: %s", reader)
        self.context.reader_state.reader(reader, attached=True)
        self._on_ui(self._reader_changed)

    def reader_detached(self, reader: str) -> None:
        log.info("reader detached: %s", reader)
        self.context.reader_state.reader(reader, attached=False)
        self._on_ui(self._reader_changed)

    def card_inserted(self, reader: str, atr: bytes) -> None:
        self.context.reader_state.card(reader, present=True)
        self._on_ui(self._card_in, reader)

    def card_removed(self, reader: str) -> None:
        self.context.reader_state.card(reader, present=False)
        self._on_ui(self._card_out, reader)

    def service_changed(self, available: bool) -> None:
        log.info("PC/SC service %s", "available" if available else "unavailable")
        self.context.reader_state.service_changed(available)
        self._on_ui(self._reader_changed)

    def _reader_changed(self) -> None:
        """A reader came or went: re-apply the per-function rules (no reader → 暂停服务 with the reason)."""
        if self.is_running:
            self.reapply_availability()

    def action_demo_insert(self) -> None:
        if self.context.demo_slot is not None:
            self.context.demo_slot.insert_next()

    def action_demo_remove(self) -> None:
        if self.context.demo_slot is not None:
            self.context.demo_slot.remove()

    # ------------------------------------------------------------ the visit
    def _card_in(self, reader: str) -> None:
        self._present = reader
        if isinstance(self.screen, StaffLoginScreen) and self._reader is None and self.context.staff_card is not None:
            self._staff_card_in(reader)
            return
        if isinstance(self.screen, CardlessScreen) and self.in_service:
            self.screen.leave()  # a card inserted during 权益单校验 or 挂失 starts the visit
        waiting = isinstance(self.screen, AttractScreen) or getattr(self.screen, "accepts_card", False)
        if self._reader is not None or not waiting or not self.in_service:
            return  # a card is being served, or the kiosk cannot serve: the screen already says what to do
        self._reader = reader
        self._journal("card.inserted")
        self._show(MessageScreen.from_keys("reading.title", "reading.body", busy=True))
        self._login(reader)

    def _card_out(self, reader: str) -> None:
        if reader == self._present:
            self._present = None
        if reader == self._staff_card:
            self._staff_card = None
            self._journal("card.removed")
        if reader != self._reader:
            return
        self._reader = None
        self._journal("card.removed")
        if self._pin_answers is not None:
            self._pin_answers.put(None)  # a PIN prompt waiting for this card gives up
        if self._visit is not None:
            self._end_visit(EndReason.CARD_REMOVED, then=None)
        if not getattr(self.screen, "accepts_card", False):  # e.g. "pulled during CHANGE PIN": it stays up
            self._show(AttractScreen())

    @work(thread=True, exclusive=True, group="login")
    def _login(self, reader: str) -> None:
        assert self._monitor is not None
        try:
            transport = self._monitor.open(reader)
            transport.connect()
            result = self.context.login.login(transport, self._ask_pin)
        except CardRemoved as exc:
            if self._reader is not None:  # the card says "removed" but the reader still reports it: a reset
                self.call_from_thread(self._login_failed, failure_notice(exc))
            return  # otherwise _card_out already took the kiosk back to the attract screen
        except (CardError, LoginRefused, LoginCancelled, BackendUnavailable) as exc:
            self.call_from_thread(self._login_failed, failure_notice(exc))
            return
        self.call_from_thread(self._begin_visit, result)

    def _ask_pin(self, prompt: PinPrompt) -> Pin | None:
        """Called on the login worker thread: show the PIN screen and wait for the citizen."""
        answers: queue.Queue[Pin | None] = queue.Queue(maxsize=1)
        self._pin_answers = answers
        self.call_from_thread(self._show_pin, prompt, answers)
        pin = answers.get()
        self._pin_answers = None
        if pin is not None:
            self.call_from_thread(self._show, MessageScreen.from_keys("reading.title", "reading.body", busy=True))
        return pin

    def _show_pin(self, prompt: PinPrompt, answers: queue.Queue[Pin | None]) -> None:
        if self._reader is None:
            answers.put(None)
            return
        card_hint = mask_tail(prompt.card_no)
        wrong = prompt.wrong.message(self.language) if prompt.wrong is not None else None
        if wrong is None and prompt.note is not None:
            wrong = prompt.note[self.language]  # which PIN is valid after a PIN change the card was pulled from

        def done(digits: str | None) -> None:
            answers.put(pin_from_digits(digits) if digits is not None else None)

        self._show(PinScreen(done, card_hint, prompt.tries_left, wrong))

    def _login_failed(self, notice: Notice) -> None:
        self._journal("login.failed", notice.code)
        if self._reader is None:
            self._show(AttractScreen())
        else:
            self._show(self._take_card_screen(notice))

    def _begin_visit(self, result: LoginResult) -> None:
        if self._reader is None:  # the card left while the backend answered
            result.session.end(EndReason.CARD_REMOVED)
            return
        context = self.context
        self._visit = Visit(
            result, context.backend, context.clock, context.settings, self._tr_now, context.pension_rules
        )
        session = self._visit.session
        self._journal("session.start", detail={"scope": "restricted" if session.restricted else "full"})
        card_session = session.card_session
        staff_card = card_session is not None and card_session.role == "staff" and not session.restricted
        if staff_card and self.context.staff_card is not None:
            self._show(self._staff_card_choice(result))  # a staff card: maintenance mode or the holder's own services
            return
        self._open_citizen_menu()

    def _staff_card_choice(self, result: LoginResult) -> MenuScreen:
        holder = result.session.holder
        entries = [
            MenuEntry("staff", "staff.card_choice.staff", functools.partial(self._staff_mode_from_visit, result)),
            MenuEntry("citizen", "staff.card_choice.citizen", self._open_citizen_menu),
        ]
        greeting = mask_name(holder.name) if holder is not None else ""
        return MenuScreen("staff.card_choice.title", entries, self.logout, main=True, greeting=greeting)

    def _staff_mode_from_visit(self, result: LoginResult) -> None:
        """The staff card's holder chose maintenance mode: the visit ends first (staff mode never runs inside a
        citizen session), then the role is checked again with the backend's answer and the lock."""
        visit, self._visit = self._visit, None
        if visit is None:
            return
        self._idle_warning = None
        self._journal("session.end", detail={"reason": "staff_mode"})
        self._show(MessageScreen.from_keys("reading.title", "reading.body", busy=True))
        self._accept_staff_card(result)

    def _open_citizen_menu(self) -> None:
        """The citizen's own services (counted as a session)."""
        if self._visit is None:
            return
        session = self._visit.session
        self._count(SESSIONS)
        if session.restricted:  # a card reported lost: 解挂 (after a PIN change if still on the initial PIN)
            if session.must_change_pin:
                self._open_pin_change(required=True, then=self._open_unlock, replace=True)
            else:
                self._open_unlock()
            return
        self._show(self._main_menu())
        self._show_reminders()

    def _show_reminders(self) -> None:
        if self._visit is None:
            return
        reminders = self._visit.session.reminders
        if reminders:
            title = in_all_languages("reminder.title")
            body = {"zh": "\n".join(r.zh for r in reminders), "en": "\n".join(r.en for r in reminders)}
            self.push_screen(MessageScreen(title, body, on_any_key=self._close_reminder))

    def _close_reminder(self) -> None:
        if isinstance(self.screen, MessageScreen):
            self.pop_screen()

    def _tr_now(self, key: str) -> str:
        return tr(key, self.language)

    def _main_menu(self) -> MenuScreen:
        assert self._visit is not None
        specs = self._visit.queries
        entries = []
        for key, label_key, keys in MENU:
            if len(keys) == 1:
                entries.append(MenuEntry(key, label_key, functools.partial(self._open_query, specs[keys[0]])))
            else:
                sub = [MenuEntry(q, specs[q].title_key, functools.partial(self._open_query, specs[q])) for q in keys]
                entries.append(MenuEntry(key, label_key, functools.partial(self._open_menu, label_key, sub)))
        if self.context.availability.functions().allows("printing"):  # no printer / paper: printing hidden
            entries.append(MenuEntry("slips", "menu.slips", self._open_slips))  # 8 打印凭证
        entries.append(MenuEntry("pin_change", "menu.pin_change", self._open_pin_change))  # 修改密码
        holder = self._visit.session.holder
        greeting = mask_name(holder.name) if holder is not None else ""
        return MenuScreen("menu.title", entries, self.logout, main=True, greeting=greeting)

    def _open_query(self, spec: QuerySpec) -> None:
        self.push_screen(QueryScreen(spec))

    def _open_slips(self) -> None:
        visit = self._visit
        if visit is not None:
            self.push_screen(SlipScreen(self.context.slip_desk(visit, lambda: visit.session.token)))

    # ------------------------------------------------------------ card services with the card: 解挂, 修改密码
    def _open_unlock(self) -> None:
        visit = self._visit
        if visit is not None:
            self._show(UnlockScreen(visit.session, self._unlocked, self.logout))

    def _unlocked(self) -> None:
        """解挂 confirmed: the visit goes on with every service (the session's scope is full now)."""
        if self._visit is None:
            return
        self._show(self._main_menu())
        body = in_all_languages("unlock.done")
        self.push_screen(MessageScreen(in_all_languages("unlock.title"), body, on_any_key=self._close_reminder))

    def _open_pin_change(
        self, required: bool = False, then: Callable[[], None] | None = None, replace: bool = False
    ) -> None:
        visit = self._visit
        if visit is None or self.context.pin_checks is None:
            return
        changer = PinChanger(visit.card, visit.session, self.context.pin_checks)
        screen = PinChangeScreen(changer, functools.partial(self._pin_change_outcome, then), required=required)
        if replace:
            self._show(screen)
        else:
            self.push_screen(screen)

    def _pin_change_outcome(self, then: Callable[[], None] | None, outcome: PinChangeOutcome | None) -> None:
        """What follows a PIN change: back, a message (then 解挂 if that was waiting), or the visit's end."""
        if self._visit is None:  # the card left: the visit has ended already
            if outcome is not None and outcome.result is PinChangeResult.UNCERTAIN:
                self._pin_change_interrupted(outcome.notice)
            return
        if outcome is None:  # Esc: back to where the citizen came from
            if then is not None:
                self.logout()
            elif isinstance(self.screen, PinChangeScreen):
                self.pop_screen()
            return
        notice = outcome.notice
        if outcome.result is PinChangeResult.CHANGED:
            after = then or self._close_pin_change
            self.push_screen(MessageScreen(notice.title, notice.body, on_any_key=after))
        elif outcome.result is PinChangeResult.UNCERTAIN:
            self._end_visit(EndReason.CARD_REMOVED, then=None)
            self._pin_change_interrupted(notice)
        else:  # blocked
            self._end_visit(EndReason.LOGOUT, then=self._take_card_screen(notice))

    def _close_pin_change(self) -> None:
        """After 密码已修改: back to the menu the citizen came from."""
        while isinstance(self.screen, MessageScreen | PinChangeScreen) and len(self.screen_stack) > 2:
            self.pop_screen()

    def _pin_change_interrupted(self, notice: Notice) -> None:
        """The card was pulled during CHANGE PIN: say so, and wait for the same card (it will be checked)."""
        screen = MessageScreen(
            notice.title, notice.body, notice.code, on_any_key=self._back_to_attract, accepts_card=True
        )
        self._show(screen)
        self.set_timer(60.0, lambda: self._back_to_attract() if self.screen is screen else None)

    def _back_to_attract(self) -> None:
        if self._visit is None and self._reader is None:
            self._show(AttractScreen())

    def _open_menu(self, title_key: str, entries: list[MenuEntry]) -> None:
        self.push_screen(MenuScreen(title_key, entries, self.logout, main=False))

    def logout(self) -> None:
        """退出: end the visit and ask the citizen to take the card."""
        if self._visit is not None:
            notice = Notice(in_all_languages("take_card.title"), in_all_languages("take_card.body"), "")
            self._end_visit(EndReason.LOGOUT, then=self._take_card_screen(notice))

    def _end_visit(self, reason: EndReason, then: KioskScreen | None) -> None:
        """Wipe the session and every citizen screen; void the token off the UI thread."""
        visit, self._visit = self._visit, None
        if visit is None:
            return
        token = visit.end(reason)
        self._journal("session.end", detail={"reason": reason.value})
        if token is not None:
            self._void(token)
        self._idle_warning = None
        if then is not None:
            self._show(then)
        release_rendered_lines()

    @work(thread=True, group="void")
    def _void(self, token: str) -> None:
        void_token(self.context.backend, token)

    def _take_card_screen(self, notice: Notice) -> KioskScreen:
        if self._reader is None:
            return AttractScreen()
        take = in_all_languages("take_card.title")
        body = {lang: f"{notice.body[lang]}\n\n{take[lang]}" for lang in take}
        return MessageScreen(notice.title, body, notice.code or None)

    def _show(self, screen: KioskScreen) -> None:
        """Replace every screen above the base with ``screen`` (nothing of the previous one survives)."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    # ------------------------------------------------------------ time limits
    def _tick_visit(self) -> None:
        visit = self._visit
        if visit is None:
            return
        status = visit.activity.status()
        if status.state is ActivityState.ACTIVE:
            if self._idle_warning is not None:
                warning, self._idle_warning = self._idle_warning, None
                if warning in self.screen_stack:
                    warning.dismiss(True)
            return
        if status.state is ActivityState.WARNING:
            if self._idle_warning is None:
                self._idle_warning = IdleWarningScreen(self.language, status.seconds_left)
                self.push_screen(self._idle_warning, self._idle_answer)
            else:
                self._idle_warning.show_seconds(status.seconds_left)
            return
        idle = status.state is ActivityState.IDLE_EXPIRED
        key = "session.ended_idle" if idle else "session.ended_limit"
        notice = Notice(in_all_languages("take_card.title"), in_all_languages(key), "")
        self._end_visit(EndReason.IDLE if idle else EndReason.HARD_LIMIT, then=self._take_card_screen(notice))

    def _idle_answer(self, keep_going: bool | None) -> None:
        self._idle_warning = None
        if keep_going and self._visit is not None:
            self._visit.activity.touch()

    # ------------------------------------------------------------ counters and journal
    @work(thread=True, group="counters", exit_on_error=False)
    def _count(self, name: str) -> None:
        """Add to a persistent counter (the state file is written off the UI thread)."""
        if self.context.counters is not None:
            self.context.counters.count(name)

    def _journal(self, kind: str, code: str | None = None, detail: dict[str, str] | None = None) -> None:
        """Queue a journal entry (written in order by the journal's own thread, never on the UI thread)."""
        if self.context.journal_writer is not None:
            self.context.journal_writer.record(kind, code, detail or {})
