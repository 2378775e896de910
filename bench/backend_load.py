"""Records backend under load on PostgreSQL: seeding time, then a mixed read workload over HTTP vs the psycopg floor.

1. Starts a throw-away PostgreSQL (as the tests do) unless ``--database-url`` is given, migrates, seeds N persons
   (timed: COPY), prints the plan of the 20-year contributions query (EXPLAIN ANALYZE) and lets the load settle
   (checkpoint, kernel write-back, autovacuum) so that the phases measure a steady state.
2. Starts ``kiosk-backend serve --workers W`` on loopback and registers a kiosk.
3. HTTP workload, C concurrent clients spread over G generator processes: a "visit" = card login (challenge +
   session: 2 POSTs with the INTERNAL AUTHENTICATE cryptogram computed from the test issuer key), enrolment, 20 years
   of contributions (one page of up to 240 months), medical account (balance + last 50 transactions) = 5 requests.
   The load generator shares the machine's cores with the server, so it is made cheap: a minimal HTTP/1.1
   keep-alive client on asyncio streams + uvloop (~0.1–0.3 ms CPU per request, several times less than httpx). No
   external tool is needed (the login's cryptogram is computed per challenge, which wrk/oha scripts cannot do).
4. Floor: the same reads issued directly with psycopg from C threads (session lookup + the three queries).

Prints requests/s and p50/p99 per kind, the load average before and after each phase, and the CPU time spent per
request by the server processes, PostgreSQL and the load generator (CPU time is steadier than wall time on a shared
machine). Usage:
    .venv/bin/python bench/backend_load.py --persons 100000 --clients 8,32 --seconds 30 --workers 2,3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import psycopg
import uvloop

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate  # noqa: E402
from kiosk_backend.db import make_engine, upgrade_to_head  # noqa: E402
from kiosk_backend.demo_cards import load_demo_cards  # noqa: E402
from kiosk_backend.seed.load import seed_database  # noqa: E402
from kiosk_backend.services.kiosks import register_kiosk  # noqa: E402
from tests.backend.pg import PostgresServer  # noqa: E402

FROM_PERIOD = 200611  # 20 years of contributions up to 2026-10


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) of a process, its live descendants and the children it has reaped."""
    total, todo, tick = 0.0, [root], os.sysconf("SC_CLK_TCK")
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15]) / tick  # utime stime cutime cstime
        todo.extend(int(child) for child in children)
    return total


def own_cpu_s() -> float:
    """CPU seconds of this process and of the child processes it has waited for (the seeder's generator)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def pg_cpu_s(server: PostgresServer | None) -> float:
    """CPU seconds of the throw-away PostgreSQL so far (0 for an external database)."""
    return tree_cpu_s(server.process.pid) if server is not None and server.process is not None else 0.0


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def speed_reference() -> str:
    """CPU time of a fixed pure-Python loop: this VM's speed varies up to 2× between runs, and a slow phase shows
    here (and in every process's CPU per request) rather than only in the rates."""
    started, total = time.process_time(), 0
    for value in range(2_000_000):
        total += value
    return f"speed reference: {(time.process_time() - started) * 1000:.0f} ms of CPU for a 2M-step loop"


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection (the bench's cheap load generator)."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.fixed = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\n{self.fixed}{headers}"
        if method == "POST":
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        lower = raw.lower()
        start = lower.find(b"content-length:")
        if start < 0:
            raise RuntimeError("the bench client expects Content-Length answers")
        length = int(lower[start + 15 : lower.index(b"\r\n", start)])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def report(title: str, latencies: dict[str, list[float]], seconds: float) -> None:
    everything = [v for values in latencies.values() for v in values]
    print(f"\n{title}: {len(everything)} requests in {seconds:.1f} s = {len(everything) / seconds:,.0f} req/s")
    print(f"  {'kind':<16}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for kind, values in sorted(latencies.items()):
        print(f"  {kind:<16}{len(values):>8}{percentile(values, 0.5):>10.1f}{percentile(values, 0.99):>10.1f}")
    print(f"  {'all':<16}{len(everything):>8}{percentile(everything, 0.5):>10.1f}{percentile(everything, 0.99):>10.1f}")


def load_cards(dsn: str, sample: int) -> list[tuple[str, str, str, str]]:
    """(card_id, atr, ssn, card_no) of a random sample of people with a normal card."""
    with psycopg.connect(dsn) as connection:
        return [
            tuple(row)  # type: ignore[misc]
            for row in connection.execute(
                "SELECT c.card_id, c.atr, p.ssn, c.card_no FROM card c JOIN person p ON p.id = c.person_id "
                "WHERE c.status = 'normal' ORDER BY random() LIMIT %s",
                (sample,),
            )
        ]


Call = Callable[..., Awaitable[bytes]]  # (kind, method, path, body=None, headers="") -> the answer's body


async def visit(call: Call, card: tuple[str, str, str, str], issuer: bytes, card_keys: dict[str, bytes]) -> None:
    """One citizen's visit: card login (challenge + session, the cryptogram from the card's key), enrolment, 20
    years of contributions, medical account — 5 requests through ``call``. ``card_keys`` keeps K_card per card (a
    card holds its key: the generator need not derive it again)."""
    card_id, atr, ssn, card_no = card
    idem = f"Idempotency-Key: {uuid.uuid4().hex}\r\n"
    challenge = json.loads(
        await call("login:challenge", "POST", "/card-sessions/challenge", {"card_id": card_id, "atr": atr}, idem)
    )
    key = card_keys.get(atr) or card_keys.setdefault(atr, derive_card_key(issuer, bytes.fromhex(atr)))
    cryptogram = internal_authenticate(key, bytes.fromhex(challenge["challenge"])).hex().upper()
    body = {"challenge_id": challenge["challenge_id"], "cryptogram": cryptogram, "ssn": ssn, "card_no": card_no}
    idem = f"Idempotency-Key: {uuid.uuid4().hex}\r\n"
    session = json.loads(await call("login:session", "POST", "/card-sessions", body, idem))
    citizen = f"X-Citizen-Token: {session['token']}\r\n"
    await call("enrolment", "GET", "/me/enrolments", headers=citizen)
    await call("contributions", "GET", f"/me/contributions?from_period={FROM_PERIOD}&limit=240", headers=citizen)
    await call("medical_account", "GET", "/me/medical-account", headers=citizen)


async def http_workload(
    url: str, token: str, cards: list[tuple[str, str, str, str]], issuer: bytes, clients: int, seconds: float
) -> tuple[dict[str, list[float]], float, float]:
    """Run ``clients`` visitors until the deadline; (latencies per kind, elapsed s, this process's CPU s)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    deadline = time.perf_counter() + seconds
    host, port = url.removeprefix("http://").split(":")
    cpu_started = time.process_time()
    card_keys: dict[str, bytes] = {}

    async def visitor(rng: random.Random) -> None:
        http = RawHttp(host, int(port), token)

        async def timed(kind: str, method: str, path: str, body: object = None, headers: str = "") -> bytes:
            data = json.dumps(body).encode() if body is not None else b""
            started = time.perf_counter()
            status, answer = await http.request(method, "/v1" + path, data, headers)
            latencies[kind].append(time.perf_counter() - started)
            if status != 200:
                errors[f"{kind} {status}"] += 1
            return answer

        try:
            while time.perf_counter() < deadline:
                await visit(timed, rng.choice(cards), issuer, card_keys)
        finally:
            http.close()

    started = time.perf_counter()
    await asyncio.gather(*(visitor(random.Random(n)) for n in range(clients)))
    elapsed = time.perf_counter() - started
    if errors:
        print("  errors:", dict(errors))
    return latencies, elapsed, time.process_time() - cpu_started


FLOOR_SQL = {
    "session_lookup": "SELECT person_id, kiosk_id, scope, expires_at FROM citizen_session WHERE token_hash = %s",
    "enrolment": (
        "SELECT e.*, u.name FROM enrolment e LEFT JOIN employer u ON u.id = e.employer_id "
        "WHERE e.person_id = %s ORDER BY e.insurance, e.start_period"
    ),
    "contributions": (
        "SELECT c.*, u.name FROM contribution c LEFT JOIN employer u ON u.id = c.employer_id "
        "WHERE c.person_id = %s AND c.period >= %s ORDER BY c.period DESC, c.kind LIMIT 240"
    ),
    "contributions_sum": (
        "SELECT count(*), sum(pension_personal), sum(pension_unit), sum(medical_personal) FROM contribution "
        "WHERE person_id = %s AND period >= %s"
    ),
    "medical_account": ("SELECT balance FROM medical_account WHERE person_id = %s; "),
    "medical_txns": ("SELECT * FROM medical_account_txn WHERE person_id = %s ORDER BY occurred_at DESC LIMIT 50"),
}


def floor_workload(dsn: str, persons: int, clients: int, seconds: float) -> tuple[dict[str, list[float]], float]:
    latencies: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        local: dict[str, list[float]] = defaultdict(list)
        with psycopg.connect(dsn, autocommit=True) as connection:
            while time.perf_counter() < deadline:
                person = rng.randint(1, persons)
                for kind, sql in FLOOR_SQL.items():
                    params: tuple[object, ...]
                    if kind == "session_lookup":
                        params = (uuid.uuid4().hex,)
                    elif kind.startswith("contributions"):
                        params = (person, FROM_PERIOD)
                    else:
                        params = (person,)
                    started = time.perf_counter()
                    connection.execute(sql.strip().rstrip(";"), params).fetchall()
                    local[kind].append(time.perf_counter() - started)
        with lock:
            for kind, values in local.items():
                latencies[kind].extend(values)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def _generator(
    job: tuple[str, str, list[tuple[str, str, str, str]], bytes, int, float, int],
) -> tuple[dict[str, list[float]], float, float]:
    """One load-generator process (uvloop + the raw client) with its share of the clients."""
    url, token, cards, issuer, clients, seconds, seed = job
    rng = random.Random(seed)
    mine = rng.sample(cards, len(cards))
    latencies, elapsed, cpu = uvloop.run(http_workload(url, token, mine, issuer, clients, seconds))
    return dict(latencies), elapsed, cpu


def run_generators(
    url: str,
    token: str,
    cards: list[tuple[str, str, str, str]],
    issuer: bytes,
    clients: int,
    seconds: float,
    processes: int,
) -> tuple[dict[str, list[float]], float, float]:
    """Spread the clients over ``processes`` generator processes; (latencies, elapsed s, generators' CPU s)."""
    share = max(1, clients // processes)
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_generator, [(url, token, cards, issuer, share, seconds, n) for n in range(processes)])
    merged: dict[str, list[float]] = defaultdict(list)
    for latencies, _elapsed, _cpu in results:
        for kind, values in latencies.items():
            merged[kind].extend(values)
    return merged, max(result[1] for result in results), sum(result[2] for result in results)


def explain_contributions(dsn: str, persons: int) -> None:
    """The plan of the 20-year page for one person: it must be an index range scan on (person_id, period)."""
    sql = (
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT c.period, c.kind, c.base, c.pension_personal, c.paid_on, u.name "
        "FROM contribution c LEFT JOIN employer u ON u.id = c.employer_id WHERE c.person_id = %s AND c.period >= %s "
        "ORDER BY c.period DESC, c.kind LIMIT 240 OFFSET 0"
    )
    with psycopg.connect(dsn) as connection:
        plan = connection.execute(sql, (persons // 2, FROM_PERIOD)).fetchall()
    print("plan of the contributions page (one person, 20 years):")
    for (line,) in plan:
        print("   ", line)


def settle(dsn: str, timeout_s: float = 300.0) -> None:
    """Wait for the load's aftermath before measuring a steady state: PostgreSQL's checkpoint of the freshly written
    pages, the kernel's write-back of them (gigabytes of dirty pages: kernel threads on the same two cores), and any
    autovacuum run. Measured right after seeding, the first phases ran at half the rate of the later ones."""
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CHECKPOINT")
        os.sync()
        busy = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        while (row := connection.execute(busy).fetchone()) and row[0] and time.perf_counter() - started < timeout_s:
            time.sleep(1)
    print(f"settled after seeding (checkpoint, write-back, autovacuum) in {time.perf_counter() - started:.1f} s")


def _int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def start_backend(url: str, issuer_key: str, workers: int, clients: int) -> subprocess.Popen[bytes]:
    """``kiosk-backend serve --workers N`` on a free loopback port; returns once /v1/health answers."""
    port = free_port()
    env = dict(
        os.environ,
        KIOSK_BACKEND_DATABASE__URL=url,
        KIOSK_BACKEND_CARD__ISSUER_KEY=issuer_key,
        KIOSK_BACKEND_DATABASE__POOL_SIZE=str(max(4, clients // workers)),
    )
    backend = subprocess.Popen(
        [sys.executable, "-m", "kiosk_backend", "serve", "--port", str(port), "--workers", str(workers)], env=env
    )
    backend.port = port  # type: ignore[attr-defined]
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return backend


def http_phase(
    backend: subprocess.Popen[bytes],
    server: PostgresServer | None,
    token: str,
    cards: list[tuple[str, str, str, str]],
    issuer: bytes,
    workers: int,
    clients: int,
    args: argparse.Namespace,
) -> None:
    """Warm up 3 s, then measure for ``--seconds``: latencies, CPU per request, load average."""
    base = f"http://127.0.0.1:{backend.port}"  # type: ignore[attr-defined]
    run_generators(base, token, cards, issuer, clients, 3, args.generators)  # warm-up
    load_before = load_average()
    server_cpu, pg_cpu = tree_cpu_s(backend.pid), pg_cpu_s(server)
    latencies, elapsed, generator_cpu = run_generators(
        base, token, cards, issuer, clients, args.seconds, args.generators
    )
    server_cpu, pg_cpu = tree_cpu_s(backend.pid) - server_cpu, pg_cpu_s(server) - pg_cpu
    report(
        f"HTTP, {workers} worker(s), {clients} clients in {args.generators} generator process(es)", latencies, elapsed
    )
    count = sum(len(values) for values in latencies.values())
    print(
        f"  CPU per request: server {server_cpu / count * 1000:.2f} ms, PostgreSQL {pg_cpu / count * 1000:.2f} ms, "
        f"load generator {generator_cpu / count * 1000:.2f} ms; "
        f"{(server_cpu + pg_cpu + generator_cpu) / elapsed:.2f} of {os.cpu_count()} cores busy with them"
    )
    print(f"  load average before / after: {load_before} / {load_average()}; {speed_reference()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--clients", type=_int_list, default=[32], help="one or more, e.g. 8,32")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=_int_list, default=[2], help="serve --workers; one or more, e.g. 2,3")
    parser.add_argument("--generators", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--shared-buffers", default="1GB", help="of the throw-away PostgreSQL (the tests' 128MB default is tiny)"
    )
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL (postgresql+psycopg://…)")
    args = parser.parse_args()

    server: PostgresServer | None = None
    backend: subprocess.Popen[bytes] | None = None
    try:
        if args.database_url:
            url = args.database_url
        else:
            server = PostgresServer(options=(f"shared_buffers={args.shared_buffers}",))
            server.start()
            url = server.create_database("kiosk_bench")
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        upgrade_to_head(url)
        engine = make_engine(url)
        demo = load_demo_cards()
        print(f"load average before seeding: {load_average()}; {speed_reference()}")
        started, seed_cpu = time.perf_counter(), own_cpu_s()
        pg_seed_cpu = pg_cpu_s(server)
        seeded = seed_database(
            engine,
            args.persons,
            args.seed,
            demo.cards,
            progress=lambda n: print(f"\r  seeded {n:,} people", end="", flush=True),
        )
        print(
            f"\nseeding: {seeded.persons:,} people, {seeded.rows.get('contribution', 0):,} contribution months, "
            f"{seeded.total_rows:,} rows in {time.perf_counter() - started:.1f} s; CPU: seeder "
            f"{own_cpu_s() - seed_cpu:.1f} s (with its generator process), PostgreSQL "
            f"{pg_cpu_s(server) - pg_seed_cpu:.1f} s; "
            f"load average {load_average()}"
        )
        token = register_kiosk(engine, "BENCH-1")
        engine.dispose()
        with psycopg.connect(dsn) as connection:
            size = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
        print(f"database size: {size[0] if size else '?'}; load average {load_average()}")
        explain_contributions(dsn, seeded.persons)
        settle(dsn)

        cards = load_cards(dsn, 5000)
        for workers in args.workers:
            for clients in args.clients:
                backend = start_backend(url, demo.test_issuer_key, workers, clients)
                try:
                    http_phase(backend, server, token, cards, demo.issuer_key, workers, clients, args)
                finally:
                    backend.terminate()
                    backend.wait(20)
                    backend = None
        threads = max(args.clients)
        floor, floor_elapsed = floor_workload(dsn, seeded.persons, threads, min(args.seconds, 10))
        report(f"psycopg floor, {threads} threads (same queries, no HTTP)", floor, floor_elapsed)
    finally:
        if backend is not None:
            backend.terminate()
            backend.wait(20)
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
