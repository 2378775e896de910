"""Cold start of `kiosk run --demo` in a real terminal (tmux): time to the attract screen and to 服务正常.

Prints the median and worst of N runs, the kiosk process's CPU time (user + system) when the attract screen was first
seen, and the load average (the machine is shared). Usage: .venv/bin/python bench/ui_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (clock-tick resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def one_run(tmux: str, kiosk: Path) -> tuple[float, float, float]:
    socket = f"bench-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory() as home:
        command = f"env HOME={home} LANG=C.UTF-8 TERM=xterm-256color {kiosk} run --demo"
        started = time.perf_counter()
        subprocess.run([tmux, "-u", "-L", socket, "new-session", "-d", "-x", "100", "-y", "32", command], check=True)
        pane_pid = subprocess.run(
            [tmux, "-L", socket, "display-message", "-p", "#{pane_pid}"], capture_output=True, text=True
        ).stdout.strip()
        attract = online = cpu = 0.0
        try:
            while time.perf_counter() - started < 30:
                screen = subprocess.run(
                    [tmux, "-u", "-L", socket, "capture-pane", "-p"], capture_output=True, text=True
                ).stdout
                elapsed = time.perf_counter() - started
                if not attract and "请插入社保卡" in screen:
                    attract = elapsed
                    cpu = cpu_seconds(int(pane_pid))
                if "服务正常" in screen:
                    online = elapsed
                    break
                time.sleep(0.01)
        finally:
            subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)
            time.sleep(0.3)
            with contextlib.suppress(OSError, ValueError):  # a kiosk that ignored the hang-up is ended here
                if b"kiosk" in Path(f"/proc/{pane_pid}/cmdline").read_bytes():
                    os.kill(int(pane_pid), signal.SIGKILL)  # its embedded backend dies with it (PR_SET_PDEATHSIG)
    return attract, online, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmux = shutil.which("tmux")
    if tmux is None:
        sys.exit("tmux is needed (make test installs it)")
    kiosk = Path(sys.executable).parent / "kiosk"
    # An installed kiosk has its bytecode compiled (pip install does it); an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile ~100 modules on every start (~0.15 s), so compile them once here.
    packages = [str(REPO / "kiosk"), str(REPO / "kiosk_backend")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True, stdout=subprocess.DEVNULL)
    one_run(tmux, kiosk)  # warm the OS file cache once; a kiosk boots from a warm disk after the first time
    load_before = os.getloadavg()[0]
    results = [one_run(tmux, kiosk) for _ in range(args.runs)]
    attract = [r[0] for r in results]
    online = [r[1] for r in results]
    cpu = [r[2] for r in results]
    print(f"runs: {args.runs}; load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"cold start to attract screen: median {statistics.median(attract):.3f} s, worst {max(attract):.3f} s")
    print(f"  kiosk CPU time by then: median {statistics.median(cpu):.2f} s, worst {max(cpu):.2f} s")
    print(
        f"cold start to 服务正常 (embedded backend answering): median {statistics.median(online):.3f} s, "
        f"worst {max(online):.3f} s"
    )


if __name__ == "__main__":
    main()
