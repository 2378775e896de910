"""A private card lab for tests and benchmarks: ``pcscd`` with only the vpcd driver on a free port, and
``kiosk card-sim`` processes that put virtual cards into it.

pcsc-lite 1.9 always serves its clients on ``/run/pcscd/pcscd.comm``, so only one lab (or system pcscd) can run on
a machine at a time; :class:`PrivatePcscd` refuses to start next to a running one. vpcd listens on the chosen port
and the next one (two slots); the lab uses the first slot, reader ``Virtual PCD 00 00``.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

RUN_DIR = Path("/run/pcscd")
READER = "Virtual PCD 00 00"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("0.0.0.0", port))  # vpcd binds every interface
        except OSError:
            return False
    return True


def free_port_pair() -> int:
    """A port ``p`` with ``p`` and ``p + 1`` free (vpcd opens one port per slot)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port < 65535 and _port_free(port) and _port_free(port + 1):
            return port
    raise RuntimeError("no two consecutive free ports")


def _pid_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


class PrivatePcscd:
    """``pcscd --foreground --config DIR`` with one vpcd reader on ``port``; logs go to ``DIR/pcscd.log``."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port_pair()
        self.config_dir = workdir / "reader.conf.d"
        self.log_path = workdir / "pcscd.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Start and wait until clients can list the reader."""
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if _pid_alive(RUN_DIR / "pcscd.pid"):
            raise RuntimeError("another pcscd is running (/run/pcscd/pcscd.pid); stop it first")
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x{self.port:04X}\n'
            f"LIBPATH      {VPCD_DRIVER}\nCHANNELID    0x{self.port:04X}\n"
        )
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [binary, "--foreground", "--config", str(self.config_dir)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Until the reader is listed (raises RuntimeError with the log's tail otherwise)."""
        from kiosk.cardreader.errors import CardError
        from kiosk.cardreader.pcsc import list_readers

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                if READER in list_readers():
                    return
            except CardError:
                pass
            time.sleep(0.05)
        tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
        raise RuntimeError(f"pcscd did not come up:\n{tail}")

    def kill(self) -> None:
        """SIGKILL (a crash); the stale socket and pid file stay behind as they would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class CardSimProcess:
    """A ``kiosk card-sim`` child process driven through its stdin commands."""

    def __init__(self, card: str, port: int, output: Path | None = None) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.transcript: list[str] = []
        self._output = output
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "card-sim", "--card", card, "--vpcd", f"127.0.0.1:{port}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.transcript.append(line)
            self.lines.put(line.rstrip("\n"))

    def send(self, command: str) -> None:
        """One command line."""
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def expect(self, prefix: str, timeout: float = 10.0) -> str:
        """The next output line starting with ``prefix`` (earlier other lines are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"card-sim did not say {prefix!r}; said: {''.join(self.transcript)[-500:]}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line.startswith(prefix):
                return line

    def drain(self) -> None:
        """Forget pending output lines."""
        while not self.lines.empty():
            self.lines.get_nowait()

    def stop(self) -> None:
        """Quit (SIGTERM after 5 s, SIGKILL after 10 s)."""
        if self.process.poll() is None:
            try:
                self.send("quit")
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        if self._output is not None:
            self._output.write_text("".join(self.transcript))
