"""Fleet state: the newest heartbeat of every kiosk, the operators' service commands, and the fleet view."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk_backend.clock import aware, utcnow
from kiosk_backend.errors import ApiError
from kiosk_backend.models import FleetState, Kiosk, KioskJournalEntry
from kiosk_backend.schemas import (
    DeviceStatus,
    FleetKiosk,
    FleetView,
    HeartbeatAnswer,
    HeartbeatRequest,
    ServiceCommand,
)


def _state_of(db: Session, kiosk_id: str) -> FleetState:
    state = db.get(FleetState, kiosk_id)
    if state is None:
        state = FleetState(
            kiosk_id=kiosk_id,
            software_version="",
            service_state="unknown",
            devices="{}",
            counters="{}",
            journal_seq=0,
            journal_hash="0" * 64,
            command_mode="in_service",
            command_reason="",
        )
        db.add(state)
    return state


def _command(state: FleetState) -> ServiceCommand:
    mode = "out_of_service" if state.command_mode == "out_of_service" else "in_service"
    return ServiceCommand(mode=mode, reason=state.command_reason)


def record_heartbeat(db: Session, kiosk_id: str, beat: HeartbeatRequest, interval_s: int) -> HeartbeatAnswer:
    """Keep the newest state (an older heartbeat arriving late never overwrites a newer one); answer the command."""
    now = utcnow()
    with db.begin():
        state = _state_of(db, kiosk_id)
        state.last_heartbeat_at = now
        state.software_version = beat.software_version
        state.service_state = beat.service_state
        state.fault = beat.fault
        state.devices = json.dumps({name: d.model_dump() for name, d in beat.devices.items()}, sort_keys=True)
        state.counters = json.dumps(beat.counters, sort_keys=True)
        state.journal_seq = beat.journal_seq
        state.journal_hash = beat.journal_hash
        kiosk = db.get(Kiosk, kiosk_id)
        if kiosk is not None:
            kiosk.last_heartbeat_at = now
        answer = HeartbeatAnswer(received_at=now, service=_command(state), interval_s=interval_s)
    return answer


def set_service_command(db: Session, kiosk_id: str, command: ServiceCommand) -> ServiceCommand:
    """An operator's command for one kiosk; it rides back on the kiosk's next heartbeat answer."""
    if command.mode == "out_of_service" and not command.reason.strip():
        raise ApiError(422, "reason_required", "taking a kiosk out of service needs a reason shown to citizens")
    with db.begin():
        if db.get(Kiosk, kiosk_id) is None:
            raise ApiError(404, "kiosk_unknown", f"no kiosk {kiosk_id} is registered")
        state = _state_of(db, kiosk_id)
        state.command_mode = command.mode
        state.command_reason = command.reason.strip() if command.mode == "out_of_service" else ""
        state.command_at = utcnow()
        answer = _command(state)
    return answer


def fleet_view(db: Session, interval_s: int, stale_after_beats: int, now: datetime | None = None) -> FleetView:
    """Every registered kiosk (retired ones left out) with its newest state; stale after N missed beats."""
    now = now or utcnow()
    stale_after_s = interval_s * stale_after_beats
    newest = select(KioskJournalEntry.kiosk_id, func.max(KioskJournalEntry.seq)).group_by(KioskJournalEntry.kiosk_id)
    uploaded = {str(row[0]): int(row[1]) for row in db.execute(newest)}
    rows = db.execute(
        select(Kiosk, FleetState)
        .outerjoin(FleetState, FleetState.kiosk_id == Kiosk.id)
        .where(Kiosk.status != "retired")
        .order_by(Kiosk.id)
    ).all()
    kiosks = []
    for kiosk, state in rows:
        seen = aware(state.last_heartbeat_at) if state is not None and state.last_heartbeat_at else None
        age = (now - seen).total_seconds() if seen is not None else None
        devices = json.loads(state.devices) if state is not None else {}
        kiosks.append(
            FleetKiosk(
                kiosk_id=kiosk.id,
                last_heartbeat_at=seen,
                age_s=round(age, 1) if age is not None else None,
                stale=age is None or age > stale_after_s,
                service_state=state.service_state if state is not None else "unknown",
                fault=state.fault if state is not None else None,
                devices={name: DeviceStatus.model_validate(value) for name, value in devices.items()},
                counters=json.loads(state.counters) if state is not None else {},
                software_version=state.software_version if state is not None else "",
                journal_seq=state.journal_seq if state is not None else 0,
                journal_uploaded_seq=int(uploaded.get(kiosk.id) or 0),
                command=_command(state) if state is not None else ServiceCommand(mode="in_service"),
            )
        )
    return FleetView(generated_at=now, stale_after_s=stale_after_s, kiosks=kiosks)
