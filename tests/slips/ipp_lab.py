"""A real IPP printer behind a real CUPS queue, on loopback, in a temp directory (for the printer tests).

- ``dbus-daemon`` with a private *system* bus: ippeveprinter (CUPS 2.4) refuses to start without a D-Bus system bus
  for Avahi, even with DNS-SD off (``-r off``); no avahi-daemon is needed, only the bus.
- ``ippeveprinter`` on 127.0.0.1/::1 (``-n localhost``), accepting PDF; its print command is a shell script that
  copies the document to ``printed/`` unless the test set a mode in ``mode``: ``paperout`` (reports
  ``media-empty-error`` and waits) or ``stuck`` (waits). The media level is set through ippeveprinter's /media form.
- ``cupsd`` in the foreground with its own cupsd.conf / cups-files.conf (``Listen 127.0.0.1:PORT``, ``User lp``), and
  a raw queue ``kioskslip`` whose device is the ippeveprinter (``lpadmin -m raw``).
The directory is made with ``mkdtemp`` and opened to 0755 so the CUPS backend (running as ``lp``) can read the spool.
cupsd needs root to start this way (it switches to ``lp`` for filters and backends); CI and ``make test`` run as root.
Everything listens on loopback only and is stopped (by process id) when the test module ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from kiosk.printing.printers import _STATUS_TEST, CupsPrinter, IppError
from tests.helpers import require_tool

QUEUE = "kioskslip"
_SCRIPT = """#!/bin/sh
ctl="{lab}/mode"
mode=$(cat "$ctl" 2>/dev/null)
case "$mode" in
  paperout)
    echo "STATE: +media-empty-error" >&2
    while [ "$(cat "$ctl" 2>/dev/null)" = paperout ]; do sleep 0.2; done
    echo "STATE: -media-empty-error" >&2
    exit 1;;
  stuck)
    while [ "$(cat "$ctl" 2>/dev/null)" = stuck ]; do sleep 0.2; done
    exit 1;;
esac
cp "$1" "{lab}/printed/"
"""
_DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={lab}/system_bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
"""
_CUPSD_CONF = """Listen 127.0.0.1:{port}
LogLevel warn
Browsing No
WebInterface No
DefaultAuthType None
JobKillDelay 1
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
_CUPS_FILES = """ServerRoot {lab}/cups
RequestRoot {lab}/cups/spool
StateDir {lab}/cups/state
CacheDir {lab}/cups/cache
TempDir {lab}/cups/tmp
ErrorLog {lab}/cups/error_log
AccessLog {lab}/cups/access_log
PageLog {lab}/cups/page_log
User lp
Group lp
Sandboxing Relaxed
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, process: subprocess.Popen[bytes], name: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on {port}")


class IppLab:
    """Start with :meth:`start`, stop with :meth:`stop`; ``server`` is the CUPS ``host:port``."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-ipp-lab-"))
        os.chmod(self.dir, 0o755)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.printer_port = free_port()
        self.cups_port = free_port()
        self.server = f"127.0.0.1:{self.cups_port}"
        self.printer_uri = f"ipp://localhost:{self.printer_port}/ipp/print"

    def _spawn(self, argv: list[str], log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        with (self.dir / log).open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.dir)
        self.processes.append(process)
        return process

    def start(self) -> IppLab:
        dbus, ippeve, cupsd, lpadmin = (require_tool(t) for t in ("dbus-daemon", "ippeveprinter", "cupsd", "lpadmin"))
        require_tool("lp")
        require_tool("ipptool")
        for sub in ("printed", "spool", "cups/spool", "cups/state", "cups/cache", "cups/tmp", "cups/ppd"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "dbus.conf").write_text(_DBUS_CONF.format(lab=self.dir), encoding="utf-8")
        script = self.dir / "print.sh"
        script.write_text(_SCRIPT.format(lab=self.dir), encoding="utf-8")
        script.chmod(0o755)
        self.set_mode("none")
        (self.dir / "cups" / "cupsd.conf").write_text(_CUPSD_CONF.format(port=self.cups_port), encoding="utf-8")
        (self.dir / "cups" / "cups-files.conf").write_text(_CUPS_FILES.format(lab=self.dir), encoding="utf-8")
        for path in [self.dir, *self.dir.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)

        bus = self.dir / "system_bus"
        self._spawn([dbus, f"--config-file={self.dir / 'dbus.conf'}", "--nofork"], "dbus.log")
        deadline = time.monotonic() + 10
        while not bus.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={bus}"}
        printer = self._spawn(
            [ippeve, "-p", str(self.printer_port), "-n", "localhost", "-r", "off", "-d", str(self.dir / "spool"),
             "-f", "application/pdf", "-c", str(script), "KioskSlipPrinter"],
            "ippeveprinter.log",
            env,
        )  # fmt: skip
        _wait_port(self.printer_port, printer, "ippeveprinter")
        conf = self.dir / "cups"
        scheduler = self._spawn(
            [cupsd, "-f", "-c", str(conf / "cupsd.conf"), "-s", str(conf / "cups-files.conf")], "cupsd.log"
        )
        _wait_port(self.cups_port, scheduler, "cupsd")
        subprocess.run(
            [lpadmin, "-h", self.server, "-p", QUEUE, "-E", "-v", self.printer_uri, "-m", "raw"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return self

    def set_mode(self, mode: str) -> None:
        """``none`` (prints), ``paperout`` or ``stuck`` for the next job (and the one running)."""
        (self.dir / "mode").write_text(mode, encoding="utf-8")

    def set_paper(self, sheets: int) -> None:
        """Load paper (or empty the tray: 0) through ippeveprinter's media form."""
        query = f"size1=iso_a4_210x297mm&type1=stationery&level1={sheets}&size3=&type3=&level3=-2"
        with urllib.request.urlopen(f"http://127.0.0.1:{self.printer_port}/media?{query}", timeout=5) as answer:
            answer.read()

    def printed(self) -> list[Path]:
        return sorted((self.dir / "printed").iterdir())

    def reset(self) -> None:
        """Paper in, no fault, no jobs left in CUPS or in the printer."""
        self.set_mode("none")
        self.set_paper(250)
        subprocess.run(
            [shutil.which("cancel") or "cancel", "-a", "-h", self.server, QUEUE], capture_output=True, timeout=10
        )
        probe = CupsPrinter(QUEUE, self.server)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the printer has finished (or dropped) whatever it was doing
            try:
                state = probe._ipp(self.printer_uri, _STATUS_TEST)
            except IppError:
                state = {}
            if state.get("printer-state") == "idle" and "media-empty" not in state.get("printer-state-reasons", ""):
                return
            time.sleep(0.1)
        raise RuntimeError("the IPP printer did not come back to idle")

    def stop(self) -> None:
        self.set_mode("none")
        for process in reversed(self.processes):
            process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
