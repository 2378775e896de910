"""Cold start of `kiosk run --demo` in a real terminal (tmux): time to the attract screen and to 服务正常.

Prints the median and worst of N runs. Usage: .venv/bin/python bench/ui_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def one_run(tmux: str, kiosk: Path) -> tuple[float, float]:
    socket = f"bench-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory() as home:
        command = f"env HOME={home} LANG=C.UTF-8 TERM=xterm-256color {kiosk} run --demo"
        started = time.perf_counter()
        subprocess.run([tmux, "-u", "-L", socket, "new-session", "-d", "-x", "100", "-y", "32", command], check=True)
        attract = online = 0.0
        try:
            while time.perf_counter() - started < 30:
                screen = subprocess.run(
                    [tmux, "-u", "-L", socket, "capture-pane", "-p"], capture_output=True, text=True
                ).stdout
                elapsed = time.perf_counter() - started
                if not attract and "请插入社保卡" in screen:
                    attract = elapsed
                if "服务正常" in screen:
                    online = elapsed
                    break
                time.sleep(0.01)
        finally:
            subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)
            time.sleep(0.3)
    return attract, online


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmux = shutil.which("tmux")
    if tmux is None:
        sys.exit("tmux is needed (make test installs it)")
    kiosk = Path(sys.executable).parent / "kiosk"
    one_run(tmux, kiosk)  # warm the OS file cache once; a kiosk boots from a warm disk after the first time
    results = [one_run(tmux, kiosk) for _ in range(args.runs)]
    attract = [r[0] for r in results]
    online = [r[1] for r in results]
    print(f"runs: {args.runs}")
    print(f"cold start to attract screen: median {statistics.median(attract):.3f} s, worst {max(attract):.3f} s")
    print(
        f"cold start to 服务正常 (embedded backend answering): median {statistics.median(online):.3f} s, "
        f"worst {max(online):.3f} s"
    )


if __name__ == "__main__":
    main()
