"""``kiosk doctor``: quick checks a technician runs after installing or re-configuring a kiosk."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.backend_client.http_client import HttpBackend
from kiosk.backend_client.protocol import BackendUnavailable
from kiosk.config import KioskSettings


@dataclass(frozen=True)
class Check:
    """One diagnostic result."""

    name: str
    ok: bool
    detail: str


def run_diagnostics(settings: KioskSettings) -> Iterator[Check]:
    """Configuration (already valid if we got here), data directory, backend reachability."""
    yield Check("configuration", True, f"kiosk {settings.kiosk_id}, region {settings.region_code}")
    data_dir = settings.resolved_data_dir()
    writable = os.access(data_dir, os.W_OK)
    yield Check("data directory", writable, f"{data_dir} {'writable' if writable else 'NOT writable'}")
    backend = HttpBackend(settings.backend.url, settings.backend.token.get_secret_value(), settings.backend.timeout_s)
    started = time.monotonic()
    try:
        health = backend.health()
        elapsed_ms = (time.monotonic() - started) * 1000
        yield Check("backend", health.status == "ok", f"{settings.backend.url} {health.status} in {elapsed_ms:.0f} ms")
    except BackendUnavailable as exc:
        yield Check("backend", False, f"{settings.backend.url} unreachable ({exc})")
    finally:
        backend.close()
