"""Printers behind one protocol: a directory printer (demo default) and CUPS (``lp`` + IPP status via ``ipptool``).

Printing is offered only when ``status().ready``; "unknown" is not ready. Any ``media-empty*`` reason means out of
paper. A job that does not finish within the timeout is cancelled and reported as failed.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urlsplit

State = Literal["ready", "out_of_paper", "busy", "offline", "error", "unknown"]
FailureReason = Literal["out_of_paper", "timeout", "not_ready", "rejected", "aborted", "error"]

# Reasons that stop a slip from coming out (RFC 8011 / PWG 5100.x printer-state-reasons keywords, any severity).
_BLOCKING = ("media-empty", "media-needed", "media-jam", "door-open", "cover-open", "offline", "shutdown", "paused")
_STATUS_TEST = """{
  NAME "printer status"
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name kiosk
  ATTR keyword requested-attributes printer-state,printer-state-reasons,printer-is-accepting-jobs,device-uri
  STATUS successful-ok
  DISPLAY printer-state
  DISPLAY printer-state-reasons
  DISPLAY printer-is-accepting-jobs
  DISPLAY device-uri
}
"""
_JOB_TEST = """{
  NAME "job status"
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR name requesting-user-name kiosk
  ATTR keyword requested-attributes job-state,job-state-reasons,job-printer-state-reasons
  STATUS successful-ok
  DISPLAY job-state
  DISPLAY job-state-reasons
  DISPLAY job-printer-state-reasons
}
"""


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer says now; ``ready`` only when it will print."""

    state: State
    reasons: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "ready"


@dataclass(frozen=True)
class PrintResult:
    """The outcome of one job: printed, or failed with a stable reason."""

    printed: bool
    reason: FailureReason | None = None
    job_id: str | None = None
    detail: str = ""


class Printer(Protocol):
    """A slip printer."""

    name: str

    def status(self) -> PrinterStatus:
        """Ask the printer now (may take up to a few seconds)."""
        ...

    def print_pdf(self, pdf: bytes, title: str) -> PrintResult:
        """Print and wait for the outcome."""
        ...


def state_from_reasons(reasons: tuple[str, ...]) -> State | None:
    """The blocking state the reasons imply, or ``None`` when they do not block printing."""
    if any(reason.startswith("media-empty") or reason.startswith("media-needed") for reason in reasons):
        return "out_of_paper"
    if any(reason.startswith(block) for reason in reasons for block in _BLOCKING):
        return "offline"
    return None


# ---------------------------------------------------------------- directory printer (demo default)
@dataclass
class DirectoryPrinter:
    """Writes each slip as a PDF file into a spool directory (the demo's printer)."""

    directory: Path
    name: str = "directory"

    def status(self) -> PrinterStatus:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return PrinterStatus("error", detail=f"spool directory unusable: {exc.strerror}")
        if not os.access(self.directory, os.W_OK):
            return PrinterStatus("error", detail="spool directory is not writable")
        return PrinterStatus("ready")

    def print_pdf(self, pdf: bytes, title: str) -> PrintResult:
        if not self.status().ready:
            return PrintResult(False, "not_ready")
        safe = re.sub(r"[^0-9A-Za-z_.-]", "_", title)[:80] or "slip"
        stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{safe}"
        try:
            with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".part", delete=False) as handle:
                handle.write(pdf)
            target = self._free_name(stem, handle.name)
        except OSError as exc:
            return PrintResult(False, "error", detail=exc.strerror or "write failed")
        return PrintResult(True, job_id=target.name)

    def _free_name(self, stem: str, written: str) -> Path:
        """Move the written file to ``stem.pdf`` (``stem-2.pdf``… when two jobs share a second): never overwrite."""
        for number in range(1, 1000):
            target = self.directory / (f"{stem}.pdf" if number == 1 else f"{stem}-{number}.pdf")
            try:
                os.link(written, target)
            except FileExistsError:
                continue
            os.unlink(written)
            return target
        raise OSError(errno.EEXIST, "no free file name in the spool directory")


# ---------------------------------------------------------------- CUPS
class IppError(RuntimeError):
    """ipptool could not get an answer."""


@dataclass
class CupsPrinter:
    """A CUPS queue: submit with ``lp``, watch the job and the printer with IPP (``ipptool``), cancel on timeout.

    ``server`` is ``host:port`` of the CUPS scheduler (``CUPS_SERVER``; default: the local one). The printer's own
    state is taken from the device behind the queue when that is an IPP printer (the queue's reasons can be stale
    while no job runs), otherwise from the queue.
    """

    queue: str
    server: str = "localhost:631"
    job_timeout_s: float = 60.0
    poll_s: float = 0.5
    ipp_timeout_s: float = 5.0
    name: str = "cups"
    _env: Mapping[str, str] = field(default_factory=dict, init=False, repr=False)
    _device_uri: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._env = {**os.environ, "CUPS_SERVER": self.server}

    @property
    def queue_uri(self) -> str:
        return f"ipp://{self.server}/printers/{self.queue}"

    def _ipp(self, uri: str, test: str, variables: Mapping[str, str] | None = None) -> dict[str, str]:
        ipptool = shutil.which("ipptool")
        if ipptool is None:
            raise IppError("ipptool is not installed (cups-ipp-utils)")
        with tempfile.NamedTemporaryFile("w", suffix=".test") as handle:
            handle.write(test)
            handle.flush()
            command = [ipptool, "-T", str(int(max(self.ipp_timeout_s, 1))), "-c"]
            for key, value in (variables or {}).items():
                command += ["-d", f"{key}={value}"]
            try:
                done = subprocess.run(
                    [*command, uri, handle.name],
                    capture_output=True,
                    text=True,
                    timeout=self.ipp_timeout_s + 2,
                    env=self._env,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise IppError("no answer from the printer") from exc
        rows = list(csv.reader(io.StringIO(done.stdout)))
        if done.returncode != 0 or len(rows) < 2:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise IppError(lines[-1] if lines else "IPP request failed")
        return dict(zip(rows[0], rows[1], strict=False))

    def status(self) -> PrinterStatus:
        try:
            queue = self._ipp(self.queue_uri, _STATUS_TEST)
        except IppError as exc:
            return PrinterStatus("unknown", detail=str(exc))
        if queue.get("printer-is-accepting-jobs") != "true":
            return PrinterStatus("offline", detail="the queue does not accept jobs")
        if queue.get("printer-state") == "stopped":
            return PrinterStatus("offline", _split(queue.get("printer-state-reasons", "")), "the queue is stopped")
        reasons = _split(queue.get("printer-state-reasons", ""))
        device = queue.get("device-uri", "")
        self._device_uri = device if urlsplit(device).scheme in ("ipp", "ipps") else None
        if self._device_uri:
            try:
                printer = self._ipp(device, _STATUS_TEST)
            except IppError as exc:
                return PrinterStatus("offline", reasons, f"the printer does not answer: {exc}")
            reasons = _split(printer.get("printer-state-reasons", ""))
            if printer.get("printer-state") == "stopped":
                return PrinterStatus(state_from_reasons(reasons) or "offline", reasons, "the printer is stopped")
        blocked = state_from_reasons(reasons)
        return PrinterStatus(blocked or "ready", reasons)

    def print_pdf(self, pdf: bytes, title: str) -> PrintResult:
        before = self.status()
        if not before.ready:
            return PrintResult(False, "out_of_paper" if before.state == "out_of_paper" else "not_ready")
        job_id = self._submit(pdf, title)
        if job_id is None:
            return PrintResult(False, "rejected", detail="lp refused the job")
        return self._wait(job_id)

    def _submit(self, pdf: bytes, title: str) -> str | None:
        lp = shutil.which("lp")
        if lp is None:
            return None
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            done = subprocess.run(
                [lp, "-d", self.queue, "-t", title[:60], "-o", "document-format=application/pdf", handle.name],
                capture_output=True,
                text=True,
                timeout=self.ipp_timeout_s + 5,
                env=self._env,
                check=False,
            )
        match = re.search(rf"request id is {re.escape(self.queue)}-(\d+)", done.stdout)
        return match.group(1) if done.returncode == 0 and match else None

    def _wait(self, job_id: str) -> PrintResult:
        deadline = time.monotonic() + self.job_timeout_s
        while True:
            try:
                job = self._ipp(self.queue_uri, _JOB_TEST, {"job_id": job_id})
            except IppError:
                job = {}
            state = job.get("job-state", "")
            reasons = _split(job.get("job-printer-state-reasons", "")) + _split(job.get("job-state-reasons", ""))
            if state == "completed":
                return PrintResult(True, job_id=job_id)
            if state in ("canceled", "aborted"):
                reason: FailureReason = "out_of_paper" if state_from_reasons(reasons) == "out_of_paper" else "aborted"
                return PrintResult(False, reason, job_id, f"job {state}")
            if state_from_reasons(reasons) == "out_of_paper" and not self._device_has_paper():
                self._cancel(job_id)
                return PrintResult(False, "out_of_paper", job_id, "the printer ran out of paper")
            if time.monotonic() >= deadline:
                self._cancel(job_id)
                return PrintResult(False, "timeout", job_id, f"not finished after {self.job_timeout_s:g} s")
            time.sleep(self.poll_s)

    def _device_has_paper(self) -> bool:
        """The queue repeats the printer's reasons from its last job until the next update: when the device behind
        it is an IPP printer, ask it whether the paper is really out."""
        if not self._device_uri:
            return False
        try:
            device = self._ipp(self._device_uri, _STATUS_TEST)
        except IppError:
            return False
        return state_from_reasons(_split(device.get("printer-state-reasons", ""))) != "out_of_paper"

    def _cancel(self, job_id: str) -> None:
        cancel = shutil.which("cancel")
        if cancel is not None:
            subprocess.run(
                [cancel, f"{self.queue}-{job_id}"], capture_output=True, timeout=10, env=self._env, check=False
            )


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(",") if part and part != "none")


def printer_from_settings(kind: str, *, directory: Path, queue: str, server: str, job_timeout_s: float) -> Printer:
    """The configured printer (``[printer]`` in kiosk.toml); the directory printer is the demo default."""
    if kind == "cups":
        return CupsPrinter(queue, server, job_timeout_s=job_timeout_s)
    return DirectoryPrinter(directory)
