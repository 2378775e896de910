"""FastAPI application factory of the records service."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI

from kiosk_backend import __version__
from kiosk_backend.api import card_services, card_sessions, fleet, health, loss_reports, me, slip_keys, slips
from kiosk_backend.api.deps import KioskTokenCache, require_kiosk
from kiosk_backend.api.limits import BodySizeLimit
from kiosk_backend.config import BackendSettings, load_backend_settings
from kiosk_backend.db import make_engine, read_only
from kiosk_backend.errors import install_error_handlers
from kiosk_backend.fastdb import make_fastdb
from kiosk_backend.services.notifications import redeliver_forever
from kiosk_backend.services.server_secret import LazySecret
from kiosk_backend.services.sms import make_gateway
from kiosk_backend.web import fleet_page
from kiosk_backend.web import routes as verify_page

CONFIG_PATH_ENV = "SHEBAO_BACKEND_CONFIG_PATH"  # how `serve --workers N` hands --config to each worker


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While serving: the SMS notification sweep of this worker."""
    interval = app.state.settings.sms.redeliver_interval_s
    sweep = asyncio.create_task(redeliver_forever(app.state.engine, app.state.sms_gateway, interval))
    try:
        yield
    finally:
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep
        await app.state.fastdb.close()


def create_app(settings: BackendSettings) -> FastAPI:
    """Build the app: routers under ``/v1``, stable error handlers, one engine per process."""
    app = FastAPI(
        title="社保自助终端 records backend",
        version=__version__,
        lifespan=_lifespan,
        # No OpenTelemetry here (operators watch /v1/health and the fleet view): FastAPI's per-request checks for
        # a configured provider are skipped.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url(), settings.database.pool_size)
    app.state.read_engine = read_only(app.state.engine)
    app.state.fastdb = make_fastdb(app.state.engine, settings.database.pool_size)
    app.state.kiosk_cache = KioskTokenCache()
    app.state.sms_gateway = make_gateway(settings)
    app.state.loss_secret = LazySecret(settings.loss_report_secret_path())
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    # The busiest routers come first (routes are matched in order) and name the kiosk dependency in every route
    # (KioskAuth, or Idempotent which needs it): a router-level copy would be solved a second time per request. The
    # others keep it as a safety net; tests/backend/test_auth.py checks that every /v1 route refuses a request
    # without a kiosk token.
    for router in (card_sessions.router, me.router):
        app.include_router(router, prefix="/v1")
    app.include_router(health.router, prefix="/v1")
    for router in (card_services.router, loss_reports.router, slips.router):
        app.include_router(router, prefix="/v1", dependencies=[Depends(require_kiosk)])
    app.include_router(slip_keys.router, prefix="/v1")
    app.include_router(verify_page.router)
    app.include_router(fleet.kiosk_router, prefix="/v1")
    app.include_router(fleet.operator_router, prefix="/v1")
    app.include_router(fleet_page.router)
    return app


def serving_app(settings: BackendSettings) -> FastAPI:
    """The app of a `serve` process: built, then frozen out of the cyclic garbage collector together with
    everything imported so far (~130,000 objects that live as long as the process; a full collection over them
    paused a worker for ~60 ms, a p99 spike under load)."""
    app = create_app(settings)
    gc.freeze()  # O(1); no collection first: the start of the kiosk's embedded backend stays as fast
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn workers (import string): settings from the file named in the environment, if any."""
    path = os.environ.get(CONFIG_PATH_ENV)
    return serving_app(load_backend_settings(Path(path) if path else None))
