"""The import-linter contracts of ARCHITECTURE.md §2 hold, and they really bite when broken."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_contracts_are_kept() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("kiosk/cardreader/leak.py", "import textual\n", "Domain, devices and clients know no UI"),
        ("kiosk/services/leak.py", "from kiosk.screens import attract\n", "Domain, devices and clients know no UI"),
        ("kiosk/screens/leak.py", "import httpx\n", "Screens and widgets ask services"),
        ("kiosk/widgets/leak.py", "import sqlalchemy\n", "Screens and widgets ask services"),
        ("kiosk_backend/leak.py", "import kiosk.config\n", "The backend never imports the kiosk"),
        ("kiosk_backend/slips/leak.py", "import sqlalchemy\n", "The slip codec is pure"),
    ],
)
def test_a_forbidden_import_breaks_the_build(tmp_path: Path, module: str, source: str, contract: str) -> None:
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(REPO / "pyproject.toml", copy)
    for package in ("kiosk", "kiosk_backend"):
        shutil.copytree(REPO / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / module).write_text(source, encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and contract in result.stdout
