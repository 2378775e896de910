"""CPU per request of the records backend at several git revisions, interleaved: the A/B measure behind a change.

Rates on this shared 2-core VM drift by ±10 % between runs and by up to 2× in its slow phases, so a change is judged
by the CPU time the server process and PostgreSQL spend per request, with the revisions measured in turn (A, B, A, B,
…) and the minimum kept. Each revision is checked out into a temporary git worktree and served from there
(``kiosk-backend serve --workers 1``) against one throw-away PostgreSQL seeded once by this checkout, so the
revisions must share its schema. A visit is the one of ``bench/backend_load.py`` (card login, enrolment, 20 years of
contributions, medical account: 5 requests) from 4 clients. Usage:

    .venv/bin/python bench/backend_cpu.py --persons 10000 --rounds 3 --visits 600 1245a09 HEAD
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvloop

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from backend_load import RawHttp, free_port, load_cards, tree_cpu_s, visit  # noqa: E402

from kiosk_backend.db import make_engine, upgrade_to_head  # noqa: E402
from kiosk_backend.demo_cards import load_demo_cards  # noqa: E402
from kiosk_backend.seed.load import seed_database  # noqa: E402
from kiosk_backend.services.kiosks import register_kiosk  # noqa: E402
from tests.backend.pg import PostgresServer  # noqa: E402

REQUESTS_PER_VISIT = 5
Card = tuple[str, str, str, str]


def serve(checkout: Path, url: str, issuer_key: str) -> tuple[subprocess.Popen[bytes], int]:
    """One worker of the backend at ``checkout`` on a free loopback port, once /v1/health answers."""
    port = free_port()
    env = dict(
        os.environ,
        KIOSK_BACKEND_DATABASE__URL=url,
        KIOSK_BACKEND_CARD__ISSUER_KEY=issuer_key,
        KIOSK_BACKEND_DATABASE__POOL_SIZE="4",
    )
    command = [sys.executable, "-m", "kiosk_backend", "serve", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=checkout, env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process, port
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the backend at {checkout} did not start")


async def visits(port: int, token: str, cards: list[Card], issuer: bytes, count: int, clients: int = 4) -> None:
    """``count`` visits from ``clients`` concurrent clients; any answer but 200 stops the bench."""

    card_keys: dict[str, bytes] = {}

    async def client(seed: int) -> None:
        rng, http = random.Random(seed), RawHttp("127.0.0.1", port, token)

        async def call(_kind: str, method: str, path: str, body: object = None, headers: str = "") -> bytes:
            data = json.dumps(body).encode() if body is not None else b""
            status, answer = await http.request(method, "/v1" + path, data, headers)
            if status != 200:
                raise RuntimeError(f"{method} {path}: {status} {answer[:200]!r}")
            return answer

        try:
            for _ in range(count // clients):
                await visit(call, rng.choice(cards), issuer, card_keys)
        finally:
            http.close()

    await asyncio.gather(*(client(n) for n in range(clients)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revisions", nargs="+", help="git revisions to compare (same schema)")
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--visits", type=int, default=600, help="per revision and round")
    args = parser.parse_args()

    demo = load_demo_cards()
    server = PostgresServer(options=("shared_buffers=512MB",))
    server.start()
    with tempfile.TemporaryDirectory(prefix="backend-cpu-") as scratch:
        checkouts: dict[str, Path] = {}
        try:
            for revision in args.revisions:
                checkouts[revision] = Path(scratch) / f"r{len(checkouts)}"
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(checkouts[revision]), revision],
                    check=True,
                )
            url = server.create_database("kiosk_cpu")
            upgrade_to_head(url)
            engine = make_engine(url)
            seed_database(engine, args.persons, 1, demo.cards)
            token = register_kiosk(engine, "BENCH-CPU")
            engine.dispose()
            cards = load_cards(url.replace("postgresql+psycopg://", "postgresql://"), 2000)
            server_ms: dict[str, list[float]] = {revision: [] for revision in args.revisions}
            pg_ms: dict[str, list[float]] = {revision: [] for revision in args.revisions}
            requests = args.visits * REQUESTS_PER_VISIT
            for _ in range(args.rounds):
                for revision, checkout in checkouts.items():
                    process, port = serve(checkout, url, demo.test_issuer_key)
                    try:
                        uvloop.run(visits(port, token, cards, demo.issuer_key, 80))  # warm-up
                        server_before, pg_before = tree_cpu_s(process.pid), tree_cpu_s(server.process.pid)  # type: ignore[union-attr]
                        uvloop.run(visits(port, token, cards, demo.issuer_key, args.visits))
                        server_ms[revision].append((tree_cpu_s(process.pid) - server_before) / requests * 1000)
                        pg_ms[revision].append((tree_cpu_s(server.process.pid) - pg_before) / requests * 1000)  # type: ignore[union-attr]
                    finally:
                        process.terminate()
                        process.wait(20)
            print(f"CPU per request (ms), {args.rounds} rounds of {args.visits} visits, {args.persons:,} persons:")
            print(f"  {'revision':<14}{'server min':>12}{'median':>9}{'PostgreSQL min':>16}{'median':>9}")
            for revision in args.revisions:
                server_values, pg_values = server_ms[revision], pg_ms[revision]
                print(
                    f"  {revision:<14}{min(server_values):>12.3f}{statistics.median(server_values):>9.3f}"
                    f"{min(pg_values):>16.3f}{statistics.median(pg_values):>9.3f}"
                )
        finally:
            for checkout in checkouts.values():
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(checkout)], check=False)
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
