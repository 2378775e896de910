"""The staff pages: one generic screen (lines + actions + optional input) and a factory per page.

Loading and actions call the staff services in a worker thread; the screen only shows words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.i18n import Language, tr
from kiosk.screens.staff.base import StaffScreen
from kiosk.services.counters import NAMES as COUNTER_NAMES
from kiosk.services.staff import StaffService, TestResult


@dataclass(frozen=True)
class StaffAction:
    """A digit, its label, and what it does with the input's text; returns the message to show."""

    key: str
    label_key: str
    run: Callable[[StaffService, str, Language], str]


Loader = Callable[[StaffService, Language], list[str]]


class StaffPageScreen(StaffScreen):
    """A staff page: title, lines from ``load``, buttons for ``actions``, an input when the page needs one."""

    def __init__(
        self,
        page_id: str,
        title_key: str,
        load: Loader,
        actions: list[StaffAction] | None = None,
        input_default: str | None = None,
    ) -> None:
        super().__init__(id=f"staff-page-{page_id}")
        self.page_id = page_id
        self.title_key = title_key
        self.load = load
        self.actions = actions or []
        self.input_default = input_default
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(classes="staff-body"):
            yield Static(tr(self.title_key, self.language), classes="staff-title", id="staff-page-title")
            with VerticalScroll(classes="staff-lines"):
                yield Static(tr("busy.loading", self.language), id="staff-lines")
            if self.input_default is not None:
                yield Input(self.input_default, id="staff-input", classes="staff-input", max_length=200)
            with Horizontal(classes="staff-actions"):
                for action in self.actions:
                    label = f"{action.key} {tr(action.label_key, self.language)}"
                    yield Button(label, id=f"staff-action-{action.key}")
            yield Static("", classes="staff-message", id="staff-message")
            yield Static(tr("staff.page_keys", self.language), classes="staff-hint")
        yield self.status_bar()

    def on_mount(self) -> None:
        self._prepare()

    async def recompose(self) -> None:
        """After a language switch the lines are read again in the new language."""
        await super().recompose()
        self._prepare()

    def _prepare(self) -> None:
        if self.input_default is not None:
            self.query_one("#staff-input", Input).focus()
        self.reload()

    @work(thread=True, exclusive=True, group="staff-page")
    def reload(self) -> None:
        """Read the page's content off the UI thread."""
        try:
            lines = self.load(self.staff, self.language)
        except Exception as exc:  # a failing part is shown to staff, never a crash of the kiosk
            lines = [tr("staff.action_failed", self.language, error=type(exc).__name__)]
        self.app.call_from_thread(self._show_lines, lines)

    def _show_lines(self, lines: list[str]) -> None:
        self.lines = lines
        self.query_one("#staff-lines", Static).update("\n".join(lines) or tr("staff.empty", self.language))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("staff-action-")
        self.run_staff_action(key)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.actions:
            self.run_staff_action(self.actions[0].key)

    def on_key(self, event: events.Key) -> None:
        focused_input = isinstance(self.focused, Input)
        if event.key.isdigit() and not focused_input and any(a.key == event.key for a in self.actions):
            event.stop()
            event.prevent_default()  # StaffScreen.on_key (Esc) runs after this one unless prevented
            self.run_staff_action(event.key)

    def run_staff_action(self, key: str) -> None:
        """Run the action with this digit."""
        for action in self.actions:
            if action.key == key:
                text = self.query_one("#staff-input", Input).value if self.input_default is not None else ""
                self._run(action, text)

    @work(thread=True, exclusive=True, group="staff-action")
    def _run(self, action: StaffAction, text: str) -> None:
        try:
            message = action.run(self.staff, text, self.language)
        except Exception as exc:  # a failing part is shown to staff, never a crash of the kiosk
            message = tr("staff.action_failed", self.language, error=type(exc).__name__)
        self.app.call_from_thread(self._after_action, message)

    def _after_action(self, message: str) -> None:
        self.query_one("#staff-message", Static).update(message)
        self.reload()


# ---------------------------------------------------------------- the pages
def _action_words(language: Language, action: object) -> str:
    value = getattr(action, "value", None)
    return tr(f"staff.action.{value}", language) if value else tr("staff.action.none", language)


def _load_devices(staff: StaffService, language: Language) -> list[str]:
    lines = []
    for line in staff.device_status():
        part = tr(f"staff.part.{line.part}", language)
        fault = f"  [{line.fault}]" if line.fault else ""
        lines.append(f"{part}：{line.state}{fault}  → {_action_words(language, line.action)}")
    functions = staff.functions()
    offered = [tr(f"staff.function.{name}", language) for name, on in functions.items() if on]
    lines.append(tr("staff.functions", language, functions="、".join(offered) or "-"))
    return lines


def device_status_page() -> StaffPageScreen:
    """设备状态: each part in XFS words with its fault and the action."""
    return StaffPageScreen("devices", "staff.menu.devices", _load_devices)


def _test_line(result: TestResult, language: Language) -> str:
    verdict = tr("staff.ok" if result.ok else "staff.failed", language)
    return f"{tr(f'staff.test.{result.name}', language)}：{verdict}（{result.detail}）"


def self_tests_page() -> StaffPageScreen:
    """自检: backend round trip, journal verification, test print, test card read."""
    return StaffPageScreen(
        "self-tests",
        "staff.menu.self_tests",
        lambda staff, language: [tr("staff.tests_hint", language)],
        [
            StaffAction("1", "staff.test.backend", lambda s, _t, lang: _test_line(s.test_backend(), lang)),
            StaffAction("2", "staff.test.journal", lambda s, _t, lang: _test_line(s.test_journal(), lang)),
            StaffAction("3", "staff.test.print", lambda s, _t, lang: _test_line(s.test_print(), lang)),
            StaffAction("4", "staff.test.card", lambda s, _t, lang: _test_line(s.test_card(), lang)),
        ],
    )


def _load_journal(staff: StaffService, _language: Language) -> list[str]:
    lines = []
    for entry in staff.journal_today()[-200:]:
        when = entry.at.astimezone(staff.clock_now().tzinfo).strftime("%H:%M:%S")
        detail = " ".join(f"{k}={v}" for k, v in entry.detail.items())
        lines.append(" ".join(part for part in (when, f"#{entry.seq}", entry.kind, entry.code, detail) if part))
    return lines


def journal_page() -> StaffPageScreen:
    """电子日志: today's entries (masked by the journal's own rules)."""
    return StaffPageScreen("journal", "staff.menu.journal", _load_journal)


def _load_counters(staff: StaffService, language: Language) -> list[str]:
    values = staff.counters.values()
    return [f"{tr(f'staff.counter.{name}', language)}：{values[name]}" for name in COUNTER_NAMES]


def _refilled(staff: StaffService, _text: str, language: Language) -> str:
    staff.paper_refilled()
    return tr("staff.refilled_done", language)


def counters_page() -> StaffPageScreen:
    """计数器: sessions, slips, paper since refill; 1 = paper refilled."""
    return StaffPageScreen(
        "counters", "staff.menu.counters", _load_counters, [StaffAction("1", "staff.refilled", _refilled)]
    )


def _load_service(staff: StaffService, language: Language) -> list[str]:
    lines = [tr("staff.service_local", language, reason=staff.control.local_reason or tr("staff.none", language))]
    lines.append(tr("staff.service_remote", language, reason=staff.control.remote_reason or tr("staff.none", language)))
    return lines


def _out_of_service(staff: StaffService, text: str, language: Language) -> str:
    if not text.strip():
        return tr("staff.reason_needed", language)
    staff.set_out_of_service(text)
    staff.record("staff.out_of_service", {"reason": staff.control.local_reason})
    return tr("staff.service_off_done", language)


def _in_service(staff: StaffService, _text: str, language: Language) -> str:
    staff.set_out_of_service(None)
    staff.record("staff.in_service", {})
    return tr("staff.service_on_done", language)


def service_page() -> StaffPageScreen:
    """暂停/恢复服务 (local), with the reason citizens will see."""
    return StaffPageScreen(
        "service",
        "staff.menu.service",
        _load_service,
        [StaffAction("1", "staff.service_off", _out_of_service), StaffAction("2", "staff.service_on", _in_service)],
        input_default="",
    )


def config_page() -> StaffPageScreen:
    """配置: read-only, secrets hidden."""
    return StaffPageScreen("config", "staff.menu.config", lambda staff, _language: staff.config_lines())


def _export(staff: StaffService, text: str, language: Language) -> str:
    result = staff.export_journal(Path(text.strip() or staff.settings.staff.export_dir))
    if result.ok:
        return tr("staff.export_done", language, path=str(result.path), entries=result.entries)
    return tr("staff.export_failed", language, problem=result.problem)


def export_page() -> StaffPageScreen:
    """导出日志 to a directory (USB stick), verified after the copy."""
    return StaffPageScreen(
        "export",
        "staff.menu.export",
        lambda staff, language: [tr("staff.export_hint", language)],
        [StaffAction("1", "staff.export", _export)],
        input_default="",
    )
