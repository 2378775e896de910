"""The composition root: build the kiosk from settings (demo or real devices) and run it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import SecretStr

from kiosk.backend_client.embedded import EmbeddedBackend
from kiosk.backend_client.http_client import HttpBackend
from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskSettings
from kiosk.context import KioskContext
from kiosk.journal import Journal
from kiosk.services.card_reader import DemoCardSlot, MonitorFactory, pcsc_monitor
from kiosk.services.demo_sms import DemoSmsInbox
from kiosk_backend.demo_cards import load_demo_cards

# Demo mode only, when no hash is configured: the maintenance passphrase "demo-staff" (README, OPERATIONS.md).
DEMO_STAFF_PASSPHRASE_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$5XOachLpGxcBpH24jBUh2Q$7VFMC34rbJ3Hx3SxfX5Wmtu8tt8IIsqSJuMKKMvZ5sI"
)


@contextmanager
def kiosk_context(settings: KioskSettings, demo: bool, clock: Clock | None = None) -> Iterator[KioskContext]:
    """The kiosk's parts for the lifetime of the ``with`` block.

    Demo mode starts a private backend on loopback (SQLite in the data directory) and stops it on every way out.
    """
    embedded: EmbeddedBackend | None = None
    if demo and not settings.staff.passphrase_hash.get_secret_value():
        staff = settings.staff.model_copy(update={"passphrase_hash": SecretStr(DEMO_STAFF_PASSPHRASE_HASH)})
        settings = settings.model_copy(update={"staff": staff})
    if demo:
        data_dir = settings.resolved_data_dir()
        embedded = EmbeddedBackend(data_dir / "demo-backend.sqlite3", data_dir / "demo-backend.log")
        embedded.start()
        backend = HttpBackend(embedded.url, token=embedded.kiosk_token, timeout_s=settings.backend.timeout_s)
    else:
        token = settings.backend.token.get_secret_value()
        backend = HttpBackend(settings.backend.url, token=token, timeout_s=settings.backend.timeout_s)
    context: KioskContext | None = None
    journal = Journal(settings.resolved_data_dir() / "journal")
    clock = clock or SystemClock()
    journal.append("kiosk.start", None, {"kiosk_id": settings.kiosk_id, "demo": demo}, at=clock.now())
    try:
        demo_slot = DemoCardSlot(load_demo_cards()) if demo else None
        card_monitor: MonitorFactory = demo_slot.monitor if demo_slot is not None else pcsc_monitor
        state_path = settings.resolved_data_dir() / "maintenance-state.json"
        demo_sms = DemoSmsInbox(embedded.sms_outbox) if embedded is not None else None
        context = KioskContext.create(
            settings, clock, backend, journal, card_monitor, demo_slot, state_path=state_path, demo_sms=demo_sms
        )
        warm_up = threading.Timer(WARM_UP_DELAY_S, _warm_up_printing)  # after the first paint: it holds the GIL
        warm_up.daemon = True
        warm_up.start()
        yield context
    finally:
        if context is not None and context.journal_writer is not None:
            context.journal_writer.close()
        journal.append("kiosk.stop", None, {"kiosk_id": settings.kiosk_id}, at=clock.now())
        journal.close()
        backend.close()
        if embedded is not None:
            embedded.stop()


WARM_UP_DELAY_S = 3.0


def _warm_up_printing() -> None:
    """Load reportlab and the CJK font off the UI thread so the first slip is quick."""
    from kiosk.printing.render import warm_up

    warm_up()


GC_PAUSE_S = 2.0


def _resume_gc() -> None:
    """Collect again, with everything made at start-up frozen (never walked by later collections)."""
    gc.freeze()
    gc.enable()


def run_kiosk(settings: KioskSettings, demo: bool) -> int:
    """Run the kiosk until it is stopped (SIGTERM/SIGHUP); returns the exit code.

    The garbage collector is paused for the first ``GC_PAUSE_S`` seconds: start-up makes only long-lived objects
    (modules, classes, the first screen), and collecting them cost ~10 % of the time to the first frame. Then they
    are frozen, so the collections that run while citizens are served do not walk them each time.
    """
    gc.disable()
    resume = threading.Timer(GC_PAUSE_S, _resume_gc)
    resume.daemon = True
    resume.start()
    from kiosk.app import KioskApp  # Textual is imported only when the UI really starts

    try:
        with kiosk_context(settings, demo) as context:
            KioskApp(context).run()
    finally:
        resume.cancel()
        gc.enable()
    return 0
