"""FastAPI application factory of the records service."""

from __future__ import annotations

from fastapi import FastAPI

from kiosk_backend import __version__
from kiosk_backend.api import health, slip_keys
from kiosk_backend.config import BackendSettings
from kiosk_backend.db import make_engine
from kiosk_backend.errors import install_error_handlers
from kiosk_backend.web import routes as verify_page


def create_app(settings: BackendSettings) -> FastAPI:
    """Build the app: routers under ``/v1``, stable error handlers, one engine per process."""
    app = FastAPI(title="社保自助终端 records backend", version=__version__)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url(), settings.database.pool_size)
    install_error_handlers(app)
    app.include_router(health.router, prefix="/v1")
    app.include_router(slip_keys.router, prefix="/v1")
    app.include_router(verify_page.router)
    return app
