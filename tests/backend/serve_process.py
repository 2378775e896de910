"""A real ``kiosk-backend serve`` process for the tests: start, wait until healthy, SIGKILL, restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.backend.conftest import DEMO


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServeProcess:
    """``python -m kiosk_backend serve`` on 127.0.0.1 with the database ``url``; data files in ``data_dir``."""

    def __init__(self, url: str, data_dir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = data_dir / "serve.log"
        self.env = dict(
            os.environ,
            KIOSK_BACKEND_DATABASE__URL=url,
            KIOSK_BACKEND_CARD__ISSUER_KEY=DEMO.test_issuer_key,
            KIOSK_BACKEND_SMS__OUTBOX=str(data_dir / "sms-outbox.jsonl"),
            KIOSK_BACKEND_LOSS_REPORT__SECRET_FILE=str(data_dir / "loss-report.key"),
            HOME=str(data_dir),
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def outbox(self) -> Path:
        return Path(self.env["KIOSK_BACKEND_SMS__OUTBOX"])

    def start(self, timeout_s: float = 30.0) -> None:
        """Start and wait for ``/v1/health``."""
        command = [sys.executable, "-m", "kiosk_backend", "serve", "--port", str(self.port)]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
            )
        self.starts += 1
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(self.base_url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the server and all its workers (its own process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
