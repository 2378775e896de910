"""Configuration: documented defaults, environment overrides, and one clear line + exit 2 for mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import KioskSettings, load_kiosk_settings
from kiosk_backend.config import BackendSettings, load_backend_settings
from kiosk_backend.settings_files import ConfigError
from tests.helpers import REPO


def run_cli(
    module: str, *args: str, env_extra: dict[str, str] | None = None, home: Path
) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, timeout=60, cwd=REPO
    )


def test_shipped_kiosk_toml_documents_the_defaults(isolated_home: Path) -> None:
    assert load_kiosk_settings(REPO / "config" / "kiosk.toml") == KioskSettings()


def test_shipped_backend_toml_documents_the_defaults(isolated_home: Path) -> None:
    assert load_backend_settings(REPO / "config" / "backend.toml") == BackendSettings()


def test_every_shipped_key_has_a_comment() -> None:
    for name in ("kiosk.toml", "backend.toml"):
        lines = (REPO / "config" / name).read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if "=" in line and not line.lstrip().startswith("#"):
                assert lines[index - 1].lstrip().startswith("#"), f"{name}: key without a comment: {line}"


def test_environment_overrides_the_file(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_SESSION__IDLE_TIMEOUT_S", "90")
    monkeypatch.setenv("KIOSK_KIOSK_ID", "NX-SZS-0042")
    settings = load_kiosk_settings(REPO / "config" / "kiosk.toml")
    assert settings.session.idle_timeout_s == 90
    assert settings.kiosk_id == "NX-SZS-0042"


def test_backend_variables_do_not_confuse_the_kiosk(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_BACKEND_DATABASE__URL", "sqlite:///x.db")
    monkeypatch.setenv("KIOSK_BACKEND__URL", "http://10.0.0.1:8470")
    assert load_kiosk_settings(None).backend.url == "http://10.0.0.1:8470"
    assert load_backend_settings(None).database.url == "sqlite:///x.db"


def test_empty_path_means_default_data_dir(isolated_home: Path) -> None:
    settings = load_kiosk_settings(REPO / "config" / "kiosk.toml")
    assert settings.data_dir is None
    assert settings.resolved_data_dir() == isolated_home / ".local" / "share" / "shebao-kiosk"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("kiosk_idd = 'NX-1'\n", "kiosk_idd"),
        ("[session]\nidle_timeout = 5\n", "session.idle_timeout"),
        ("[sesion]\nidle_timeout_s = 60\n", "sesion"),
    ],
)
def test_unknown_key_is_named(tmp_path: Path, isolated_home: Path, toml: str, key: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_kiosk_settings(path)
    assert f"'{key}': unknown key" in str(caught.value)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[session]\nidle_timeout_s = 'soon'\n", "session.idle_timeout_s"),
        ("[session]\nidle_warning_s = 5\n", "session.idle_warning_s"),  # WCAG: at least 20 s
        ("[ui]\nlanguage = 'fr'\n", "ui.language"),
        ("kiosk_id = 'bad id'\n", "kiosk_id"),
        ("[backend]\nurl = 'ftp://x'\n", "backend.url"),
    ],
)
def test_bad_value_is_named(tmp_path: Path, isolated_home: Path, toml: str, key: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_kiosk_settings(path)
    assert f"'{key}': bad value" in str(caught.value)


def test_kiosk_cli_bad_key_exits_2_with_one_line(tmp_path: Path, isolated_home: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[printer]\npaper = 'A4'\n", encoding="utf-8")
    result = run_cli("kiosk", "run", "--demo", "--config", str(path), home=isolated_home)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "printer.paper" in result.stderr and "Traceback" not in result.stderr


def test_kiosk_cli_bad_env_value_exits_2(isolated_home: Path) -> None:
    result = run_cli("kiosk", "run", env_extra={"KIOSK_SESSION__HARD_LIMIT_S": "forever"}, home=isolated_home)
    assert result.returncode == 2
    assert "session.hard_limit_s" in result.stderr and "KIOSK_SESSION__HARD_LIMIT_S" in result.stderr
    assert "Traceback" not in result.stderr


def test_kiosk_cli_broken_toml_exits_2(tmp_path: Path, isolated_home: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[session\n", encoding="utf-8")
    result = run_cli("kiosk", "doctor", "--config", str(path), home=isolated_home)
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr and "Traceback" not in result.stderr


def test_kiosk_cli_missing_file_exits_2(tmp_path: Path, isolated_home: Path) -> None:
    result = run_cli("kiosk", "run", "--config", str(tmp_path / "nope.toml"), home=isolated_home)
    assert result.returncode == 2
    assert "file not found" in result.stderr


def test_backend_cli_bad_value_exits_2(tmp_path: Path, isolated_home: Path) -> None:
    path = tmp_path / "backend.toml"
    path.write_text("[server]\nport = 99999\n", encoding="utf-8")
    result = run_cli("kiosk_backend", "serve", "--config", str(path), home=isolated_home)
    assert result.returncode == 2
    assert "server.port" in result.stderr and "Traceback" not in result.stderr


def test_backend_cli_unknown_key_exits_2(tmp_path: Path, isolated_home: Path) -> None:
    path = tmp_path / "backend.toml"
    path.write_text("[database]\nuri = 'sqlite://'\n", encoding="utf-8")
    result = run_cli("kiosk_backend", "migrate", "--config", str(path), home=isolated_home)
    assert result.returncode == 2
    assert "database.uri" in result.stderr and "unknown key" in result.stderr
