"""Typed kiosk settings: ``config/kiosk.toml`` overridden by ``KIOSK_...`` environment variables.

Nested keys use ``__`` in variable names: ``[backend] url`` is ``KIOSK_BACKEND__URL``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from kiosk_backend.settings_files import OptionalPath, SettingsConfigDict, TomlFirstSettings, load_settings

ENV_PREFIX = "KIOSK_"
APP_DIR_NAME = "shebao-kiosk"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BackendSection(_Section):
    """How the kiosk reaches the records backend (ignored in demo mode, which embeds one)."""

    url: str = Field(default="http://127.0.0.1:8470", pattern=r"^https?://")
    token: SecretStr = Field(default=SecretStr(""), description="this kiosk's API token (kiosk-backend kiosk add)")
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    health_interval_s: float = Field(default=5.0, gt=0, le=300)
    startup_grace_s: float = Field(default=20.0, ge=0, le=300)
    failures_before_out_of_service: int = Field(default=2, ge=1, le=100)


class SessionSection(_Section):
    """Citizen session limits (WCAG 2.2.1: a warning with a countdown before ending)."""

    idle_timeout_s: int = Field(default=60, ge=10, le=3600)
    idle_warning_s: int = Field(default=20, ge=20, le=600)
    hard_limit_s: int = Field(default=600, ge=60, le=7200)


class UiSection(_Section):
    """Presentation defaults."""

    language: Literal["zh", "en"] = "zh"
    theme: Literal["standard", "high-contrast"] = "standard"
    large_text: bool = False


class PrinterSection(_Section):
    """The slip printer."""

    kind: Literal["directory", "cups"] = "directory"
    directory: OptionalPath = Field(default=None, description="spool directory; empty = <data dir>/printed")
    queue: str = ""
    cups_server: str = Field(default="localhost:631", pattern=r"^[^/\s]+:\d+$", description="CUPS scheduler host:port")
    job_timeout_s: float = Field(default=60.0, gt=0, le=600, description="a job not finished by then has failed")
    status_interval_s: float = Field(
        default=10.0, gt=0, le=600, description="how often the printer's state is asked (in the background)"
    )
    layout: Literal["a4", "receipt80"] = "a4"


class FleetSection(_Section):
    """Heartbeats to the backend and the journal's store-and-forward upload."""

    heartbeat_interval_s: float = Field(default=30.0, gt=0, le=3600)
    journal_upload_interval_s: float = Field(default=60.0, gt=0, le=86400)


class StaffSection(_Section):
    """Maintenance mode for hall staff."""

    passphrase_hash: SecretStr = Field(
        default=SecretStr(""),
        description="argon2 hash of the local maintenance passphrase (kiosk staff-passphrase); empty = none",
    )
    max_failures: int = Field(default=5, ge=1, le=20)
    lockout_s: int = Field(default=300, ge=30, le=86400)
    export_dir: str = Field(default="/media/usb", description="default target of the journal export (USB stick)")


class KioskSettings(TomlFirstSettings):
    """Everything `kiosk` reads at start."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    kiosk_id: str = Field(default="NX-YC-0001", pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")
    region_code: str = Field(default="640100", pattern=r"^\d{6}$")
    data_dir: OptionalPath = Field(default=None, description="empty = the user data directory")
    backend: BackendSection = BackendSection()
    session: SessionSection = SessionSection()
    ui: UiSection = UiSection()
    printer: PrinterSection = PrinterSection()
    fleet: FleetSection = FleetSection()
    staff: StaffSection = StaffSection()

    def resolved_data_dir(self) -> Path:
        """The data directory (journal, demo database, spool), created if missing."""
        path = self.data_dir or Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
        path.mkdir(parents=True, exist_ok=True)
        return path


def load_kiosk_settings(path: Path | None) -> KioskSettings:
    """Read the kiosk settings; raises ``ConfigError`` naming the bad key."""
    return load_settings(KioskSettings, path, ENV_PREFIX)
