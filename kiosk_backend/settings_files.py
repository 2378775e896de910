"""Typed settings from a TOML file plus environment overrides, with one-line errors.

Shared by the kiosk (`kiosk.config`) and the backend (`kiosk_backend.config`): both read a documented TOML file,
let environment variables override any key, and refuse unknown keys or bad values with a single line that names the
key — the CLI turns :class:`ConfigError` into that line and exit code 2.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def _empty_is_none(value: object) -> object:
    return None if value == "" else value


OptionalPath = Annotated[Path | None, BeforeValidator(_empty_is_none)]
"""A path key where an empty string (the documented default in TOML) means "not set"."""
OptionalStr = Annotated[str | None, BeforeValidator(_empty_is_none)]
"""A text key where an empty string means "not set"."""


class ConfigError(Exception):
    """A configuration problem, worded for an operator: names the key and the source."""


class TomlFirstSettings(BaseSettings):
    """Base for settings where the environment overrides values passed in (from the TOML file)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file or raise :class:`ConfigError` with the file and the parser's position."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


def load_settings(cls: type[SettingsT], path: Path | None, env_prefix: str) -> SettingsT:
    """Build ``cls`` from the TOML file at ``path`` (if any) overridden by ``env_prefix``-prefixed variables."""
    data = read_toml(path) if path is not None else {}
    try:
        return cls(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, env_prefix)) from None


def _describe(exc: ValidationError, path: Path | None, env_prefix: str) -> str:
    """One line for the first error: the dotted key, what is wrong, and where to look."""
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    env_name = env_prefix + "__".join(str(part) for part in error["loc"]).upper()
    if error["type"] == "extra_forbidden":
        problem = "unknown key"
    else:
        problem = f"bad value {error.get('input')!r}: {error['msg']}"
    where = f"in {path} or ${env_name}" if path is not None else f"in ${env_name}"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"configuration key '{key}': {problem} ({where}){more}"
