"""Typed settings from a TOML file plus environment overrides, with one-line errors.

Shared by the kiosk (`kiosk.config`) and the backend (`kiosk_backend.config`): both read a documented TOML file,
let environment variables override any key, and refuse unknown keys or bad values with a single line that names the
key — the CLI turns :class:`ConfigError` into that line and exit code 2.
"""

from __future__ import annotations

import json
import os
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

SettingsT = TypeVar("SettingsT", bound="TomlFirstSettings")


def _empty_is_none(value: object) -> object:
    return None if value == "" else value


OptionalPath = Annotated[Path | None, BeforeValidator(_empty_is_none)]
"""A path key where an empty string (the documented default in TOML) means "not set"."""
OptionalStr = Annotated[str | None, BeforeValidator(_empty_is_none)]
"""A text key where an empty string means "not set"."""


class ConfigError(Exception):
    """A configuration problem, worded for an operator: names the key and the source."""


class SettingsConfigDict(ConfigDict, total=False):
    """pydantic's model config plus where environment overrides come from (names as in pydantic-settings)."""

    env_prefix: str
    """Variables are named ``<env_prefix><FIELD>``, case-insensitively."""
    env_nested_delimiter: str
    """Separates the keys of a section: ``KIOSK_SESSION__IDLE_TIMEOUT_S`` is ``[session] idle_timeout_s``."""


class TomlFirstSettings(BaseModel):
    """Base for settings where the environment overrides values passed in (from the TOML file).

    Constructing one reads the environment, as pydantic-settings' ``BaseSettings`` with ``(env, init)`` sources
    did: a variable replaces the value passed in, a ``__``-nested variable replaces one key of a section (merged
    into the section from the file), a variable naming a whole section holds JSON. Plain pydantic keeps the kiosk's
    start quick (pydantic-settings costs ~0.1 s of imports).
    """

    model_config = SettingsConfigDict(extra="forbid", validate_default=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**_deep_update(values, environment_values(type(self), os.environ)))


def environment_values(cls: type[BaseModel], environ: Mapping[str, str]) -> dict[str, Any]:
    """The values that ``environ`` sets for the fields of ``cls`` (unknown keys inside a section are kept, so that
    validation names them; variables naming no field are ignored)."""
    prefix = str(cls.model_config.get("env_prefix", "")).lower()
    delimiter = str(cls.model_config.get("env_nested_delimiter", "")).lower()
    variables = {name.lower(): value for name, value in environ.items() if name.lower().startswith(prefix)}
    found: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        env_name = prefix + name.lower()
        complex_type = _is_complex(field.annotation)
        if env_name in variables:
            raw = variables[env_name]
            found[name] = _decode_json(env_name, raw) if complex_type else raw
            if not isinstance(found[name], dict):
                continue
        if not delimiter or not complex_type:
            continue
        nested: dict[str, Any] = {}
        for variable, raw in variables.items():
            if variable.startswith(env_name + delimiter):
                _set_nested(
                    nested, field.annotation, variable, variable[len(env_name + delimiter) :].split(delimiter), raw
                )
        if nested:
            found[name] = _deep_update(found.get(name, {}), nested)
    return found


def _set_nested(target: dict[str, Any], annotation: Any, variable: str, keys: list[str], raw: str) -> None:
    """Put ``raw`` at ``keys`` in ``target``, decoding JSON where the key is a section (or a list or dict)."""
    *parents, last = keys
    for key in parents:
        target = target.setdefault(key, {})
        annotation = _field_annotation(annotation, key)
    annotation = _field_annotation(annotation, last)
    target[last] = _decode_json(variable, raw) if raw and annotation is not None and _is_complex(annotation) else raw


def _field_annotation(annotation: Any, key: str) -> Any:
    """The annotation of field ``key`` of the model ``annotation`` (None: not a model or no such field)."""
    model = _model_in(annotation)
    field = model.model_fields.get(key) if model is not None else None
    return field.annotation if field is not None else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_complex(annotation: Any) -> bool:
    """Whether a variable for this type holds JSON (a section, a list, a dict), as in pydantic-settings."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_complex(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_is_complex(arg) for arg in get_args(annotation) if arg is not type(None))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return (origin or annotation) in (list, dict, set, frozenset, tuple)


def _decode_json(variable: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ConfigError(f"${variable.upper()}: not valid JSON for a section") from None


def _deep_update(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` merged in (dicts key by key, anything else replaced)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_update(merged[key], value)
        else:
            merged[key] = value
    return merged


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
