"""Heartbeats (kiosk token), the fleet view and remote service commands (operator token), journal upload."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request

from kiosk_backend.api.deps import DbSession, KioskAuth
from kiosk_backend.api.operator import OperatorAuth
from kiosk_backend.config import BackendSettings
from kiosk_backend.schemas import (
    FleetView,
    HeartbeatAnswer,
    HeartbeatRequest,
    JournalAck,
    JournalUpload,
    ServiceCommand,
)
from kiosk_backend.services.fleet import fleet_view, record_heartbeat, set_service_command
from kiosk_backend.services.journal_store import store_batch

kiosk_router = APIRouter(tags=["fleet"])
operator_router = APIRouter(tags=["fleet"])


def _settings(request: Request) -> BackendSettings:
    settings: BackendSettings = request.app.state.settings
    return settings


@kiosk_router.post("/heartbeats", response_model=HeartbeatAnswer)
def heartbeat(beat: HeartbeatRequest, kiosk: KioskAuth, db: DbSession, request: Request) -> HeartbeatAnswer:
    """Store the kiosk's newest state; answer the standing service command (idempotent by nature)."""
    return record_heartbeat(db, kiosk.id, beat, _settings(request).fleet.heartbeat_interval_s)


@kiosk_router.post("/journal", response_model=JournalAck)
def upload_journal(batch: JournalUpload, kiosk: KioskAuth, db: DbSession) -> JournalAck:
    """Store a batch that continues the kiosk's chain; entries already held are ignored (idempotent)."""
    return store_batch(db, kiosk.id, batch.entries)


@operator_router.get("/fleet", response_model=FleetView)
def fleet(_operator: OperatorAuth, db: DbSession, request: Request) -> FleetView:
    """Every kiosk, its newest heartbeat, its age and staleness, faults and the standing command."""
    fleet_settings = _settings(request).fleet
    return fleet_view(db, fleet_settings.heartbeat_interval_s, fleet_settings.stale_after_beats)


@operator_router.post("/fleet/kiosks/{kiosk_id}/service", response_model=ServiceCommand)
def service(
    command: ServiceCommand,
    _operator: OperatorAuth,
    db: DbSession,
    kiosk_id: str = Path(max_length=32),
) -> ServiceCommand:
    """Put a kiosk out of service (with the reason it shows) or back in service, from its next heartbeat."""
    return set_service_command(db, kiosk_id, command)
