"""The embedded backend of demo mode: ``kiosk-backend serve`` as a child process on a loopback socket.

The kiosk binds the listening socket itself (port chosen by the kernel) and hands it to the child, so there is no
port race and the URL is known before the child has started. The child gets ``PR_SET_PDEATHSIG`` so it dies with
the kiosk even if the kiosk is killed; :meth:`EmbeddedBackend.stop` ends it cleanly otherwise.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from kiosk_backend.demo_cards import load_demo_cards

_PR_SET_PDEATHSIG = 1
DEMO_KIOSK_TOKEN_ENV = "SHEBAO_DEMO_KIOSK_TOKEN"  # read by `kiosk-backend serve --demo-setup`


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedBackend:
    """Start, locate and stop a private records backend backed by a SQLite file.

    The child seeds the demo people on first start (hidden ``serve --demo-setup``), registers the kiosk
    ``demo-kiosk`` with :attr:`kiosk_token` (generated here, passed in the environment, never on the command line)
    and gets the *test* issuer key of ``config/demo-cards.toml`` explicitly — demo mode only.
    """

    def __init__(self, database_file: Path, log_file: Path, kiosk_token: str | None = None) -> None:
        self.database_file = database_file
        self.log_file = log_file
        self.kiosk_token = kiosk_token or secrets.token_urlsafe(32)
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        """Base URL of the running backend."""
        if self._port is None:
            raise RuntimeError("embedded backend not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def pid(self) -> int | None:
        """Process id of the child, while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Spawn the child (returns at once; the kiosk's health checks tell when it answers)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        self._port = listener.getsockname()[1]
        env = dict(os.environ)
        env["KIOSK_BACKEND_DATABASE__URL"] = f"sqlite:///{self.database_file}"
        env["KIOSK_BACKEND_SLIPS__MASTER_KEY_FILE"] = str(self.database_file.with_name("demo-slip-master.key"))
        env["KIOSK_BACKEND_SLIPS__VERIFY_BASE_URL"] = self.url
        env["KIOSK_BACKEND_CARD__ISSUER_KEY"] = load_demo_cards().test_issuer_key  # test key: demo mode only
        env[DEMO_KIOSK_TOKEN_ENV] = self.kiosk_token
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.log_file.open("ab") as log:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "kiosk_backend", "serve", "--demo-setup", "--fd", str(listener.fileno())],
                    pass_fds=(listener.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    env=env,
                    preexec_fn=_die_with_parent,  # safe: called before the UI starts any thread
                )
        finally:
            listener.close()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Terminate the child and wait for it; kill it if it does not stop in time."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> EmbeddedBackend:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):
            self.stop()
