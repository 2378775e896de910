"""Typed settings of the records backend (``config/backend.toml`` + ``KIOSK_BACKEND_...`` variables)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from kiosk_backend.settings_files import OptionalStr, SettingsConfigDict, TomlFirstSettings, load_settings

ENV_PREFIX = "KIOSK_BACKEND_"
APP_DIR_NAME = "shebao-kiosk-backend"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    """Where the records live."""

    url: OptionalStr = Field(
        default=None,
        description="SQLAlchemy URL; empty means a SQLite file in the user data directory.",
    )
    auto_migrate: bool = Field(default=True, description="Run Alembic migrations to head when serving starts.")
    pool_size: int = Field(default=10, ge=1, le=200)


class ServerSettings(_Section):
    """Where `kiosk-backend serve` listens."""

    host: str = "127.0.0.1"
    port: int = Field(default=8470, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64, description="Worker processes (they share only the database).")


class CardSettings(_Section):
    """The backend's HSM role for card authentication (CARD_SPEC.md §5)."""

    issuer_key: SecretStr = Field(
        default=SecretStr(""),
        description="Issuer master key K_issuer, 32 hex digits. Empty = card logins refused (no built-in key).",
    )
    challenge_ttl_s: int = Field(default=60, ge=5, le=600)
    session_ttl_s: int = Field(default=600, ge=30, le=3600)
    temporary_loss_days: int = Field(default=15, ge=1, le=90)

    @field_validator("issuer_key")
    @classmethod
    def _hex_key(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if text and not re.fullmatch(r"[0-9A-Fa-f]{32}", text):
            raise ValueError("the issuer key is 32 hex digits (16 bytes)")
        return SecretStr(text.upper())

    def issuer_key_bytes(self) -> bytes | None:
        """The key, or None when not configured."""
        text = self.issuer_key.get_secret_value()
        return bytes.fromhex(text) if text else None


class ApiSettings(_Section):
    """Limits of the HTTP API."""

    max_body_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    idempotency_retention_h: int = Field(default=48, ge=1, le=24 * 90)


class SlipSettings(_Section):
    """Record slips (SLIP_SPEC.md): where they are verified, how long they are valid, guessing limits."""

    verify_base_url: str = Field(
        default="http://127.0.0.1:8470", pattern=r"^https?://[^/?#]+$", description="printed in the QR, upper-cased"
    )
    issuing_office: str = Field(default="银川市社会保险事业管理局", min_length=1, max_length=40)
    validity_days: int = Field(default=90, ge=1, le=3650)
    master_key_file: OptionalStr = Field(
        default=None, description="AES key that encrypts the slip keys at rest; empty = <data dir>/slip-master.key"
    )
    serial_failures_per_hour: int = Field(default=5, ge=1, le=1000)
    client_failures_per_window: int = Field(default=20, ge=1, le=10000)
    client_window_s: int = Field(default=600, ge=10, le=86400)


class FleetSettings(_Section):
    """Kiosk heartbeats and the operators' fleet view."""

    operator_token: SecretStr = Field(
        default=SecretStr(""),
        description="Token of the provincial operators (fleet view, remote out of service). Empty = fleet API off.",
    )
    heartbeat_interval_s: int = Field(default=30, ge=5, le=3600, description="Interval the kiosks are told to use.")
    stale_after_beats: int = Field(default=3, ge=1, le=100, description="Missed beats before a kiosk shows as stale.")


class SmsSettings(_Section):
    """The SMS gateway: one-time codes and card status notifications to the phone on record."""

    gateway: Literal["file"] = Field(
        default="file", description="'file' (development/demo): messages are appended as JSON lines to `outbox`."
    )
    outbox: OptionalStr = Field(
        default=None, description="The file gateway's outbox; empty = <data dir>/sms-outbox.jsonl"
    )
    redeliver_interval_s: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="Each worker's sweep for notifications left unsent (crash, gateway down).",
    )


class LossReportSettings(_Section):
    """挂失 without the card: SMS one-time codes, tickets and rate limits (counted in the database)."""

    otp_ttl_s: int = Field(default=300, ge=30, le=3600, description="How long an SMS code works.")
    otp_max_attempts: int = Field(default=5, ge=1, le=20, description="Wrong codes allowed per challenge.")
    ticket_ttl_s: int = Field(default=300, ge=30, le=3600, description="How long the confirmation ticket works.")
    window_s: int = Field(default=3600, ge=60, le=86400, description="The rate-limit window (fixed windows).")
    starts_per_id: int = Field(default=5, ge=1, le=1000, description="Starts per 社会保障号码 per window.")
    sms_per_phone: int = Field(default=5, ge=1, le=1000, description="Codes sent per phone number per window.")
    starts_per_kiosk: int = Field(default=30, ge=1, le=100000, description="Starts per kiosk per window.")
    secret_file: OptionalStr = Field(
        default=None, description="HMAC key of codes, tickets and rate-limit keys; empty = <data dir>/loss-report.key"
    )


class BackendSettings(TomlFirstSettings):
    """Everything `kiosk-backend` reads at start."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    region_code: str = Field(default="640100", pattern=r"^\d{6}$")
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()
    card: CardSettings = CardSettings()
    api: ApiSettings = ApiSettings()
    slips: SlipSettings = SlipSettings()
    fleet: FleetSettings = FleetSettings()
    sms: SmsSettings = SmsSettings()
    loss_report: LossReportSettings = LossReportSettings()

    def database_url(self) -> str:
        """The configured URL, or the default SQLite file in the user data directory."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{_data_dir() / 'records.sqlite3'}"

    def slip_master_key_path(self) -> Path:
        """The file holding the master key of the slip keys (backend-only secret, mode 0600)."""
        return Path(self.slips.master_key_file) if self.slips.master_key_file else _data_dir() / "slip-master.key"

    def sms_outbox_path(self) -> Path:
        """Where the file SMS gateway appends its messages."""
        return Path(self.sms.outbox) if self.sms.outbox else _data_path("sms-outbox.jsonl")

    def loss_report_secret_path(self) -> Path:
        """The backend-only HMAC key of one-time codes and tickets (mode 0600, made on first use)."""
        return Path(self.loss_report.secret_file) if self.loss_report.secret_file else _data_path("loss-report.key")


def _data_dir() -> Path:
    data_dir = Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


def _data_path(name: str) -> Path:
    """A file in the user data directory, which is not created here (its writer creates it on first use)."""
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)) / name


def load_backend_settings(path: Path | None) -> BackendSettings:
    """Read the backend settings; raises ``ConfigError`` naming the bad key."""
    return load_settings(BackendSettings, path, ENV_PREFIX)
