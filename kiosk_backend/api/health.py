"""``GET /v1/health``: liveness and database reachability (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from kiosk_backend import __version__
from kiosk_backend.schemas import Health

router = APIRouter()


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """Answer ok when the database answers a trivial query."""
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return Health(status="degraded", version=__version__, database="unreachable")
    return Health(status="ok", version=__version__, database="ok")
