"""Shared fixtures: fake clock, isolated HOME."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private HOME (so user data directories land in tmp) and no KIOSK_* variables from the caller."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    for name in list(os.environ):
        if name.startswith("KIOSK_") and name != "KIOSK_TEST_STRICT":
            monkeypatch.delenv(name)
    yield home
