"""Demo mode's embedded backend: starts on loopback, answers, and leaves no process or port behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kiosk.backend_client.embedded import EmbeddedBackend
from kiosk.backend_client.http_client import HttpBackend
from kiosk.backend_client.protocol import BackendUnavailable


def wait_healthy(url: str, timeout_s: float = 20.0) -> None:
    backend = HttpBackend(url, timeout_s=1.0)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                backend.health()
                return
            except BackendUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        backend.close()


def port_is_closed(url: str, timeout_s: float = 5.0) -> bool:
    """Nothing accepts on the port any more (polled: a dying process may still be closing its socket)."""
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + timeout_s
    while True:
        with socket.socket() as probe:
            if probe.connect_ex((host, int(port))) != 0:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def process_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie still answers kill(0): look at its state
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return state == "Z"


def test_starts_migrates_answers_and_stops(tmp_path: Path, isolated_home: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    backend = EmbeddedBackend(database, tmp_path / "backend.log")
    backend.start()
    pid = backend.pid
    assert pid is not None
    try:
        assert backend.url.startswith("http://127.0.0.1:")
        wait_healthy(backend.url)
        assert httpx.get(backend.url + "/v1/health").json()["database"] == "ok"
        assert database.exists()
    finally:
        backend.stop()
    assert process_is_gone(pid)
    assert port_is_closed(backend.url)


def test_child_dies_with_a_killed_kiosk(tmp_path: Path, isolated_home: Path) -> None:
    """Even a SIGKILLed kiosk leaves no orphan backend (PR_SET_PDEATHSIG)."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from kiosk.backend_client.embedded import EmbeddedBackend\n"
        f"b = EmbeddedBackend(Path({str(tmp_path / 'db.sqlite3')!r}), Path({str(tmp_path / 'log')!r}))\n"
        "b.start()\n"
        "print(b.pid, b.url, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid_text, url = parent.stdout.readline().split()
    child_pid = int(child_pid_text)
    wait_healthy(url)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while not process_is_gone(child_pid):
        if time.monotonic() > deadline:
            os.kill(child_pid, signal.SIGKILL)
            pytest.fail("the embedded backend outlived its kiosk")
        time.sleep(0.05)
    assert port_is_closed(url)


def test_stop_is_safe_twice_and_before_start(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "x.sqlite3", tmp_path / "log")
    backend.stop()
    with pytest.raises(RuntimeError):
        _ = backend.url
