"""Typed settings of the records backend (``config/backend.toml`` + ``KIOSK_BACKEND_...`` variables)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from kiosk_backend.settings_files import OptionalStr, TomlFirstSettings, load_settings

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


class BackendSettings(TomlFirstSettings):
    """Everything `kiosk-backend` reads at start."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    region_code: str = Field(default="640100", pattern=r"^\d{6}$")
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()

    def database_url(self) -> str:
        """The configured URL, or the default SQLite file in the user data directory."""
        if self.database.url:
            return self.database.url
        data_dir = Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{data_dir / 'records.sqlite3'}"


def load_backend_settings(path: Path | None) -> BackendSettings:
    """Read the backend settings; raises ``ConfigError`` naming the bad key."""
    return load_settings(BackendSettings, path, ENV_PREFIX)
