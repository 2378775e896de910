"""Records backend under load on PostgreSQL: seeding time, then a mixed read workload over HTTP vs the psycopg floor.

1. Starts a throw-away PostgreSQL (as the tests do) unless ``--database-url`` is given, migrates, seeds N persons
   (timed: COPY).
2. Starts ``kiosk-backend serve --workers W`` on loopback and registers a kiosk.
3. HTTP workload, C concurrent clients (asyncio + httpx, one process): a "visit" = card login (challenge +
   session: 2 POSTs with the INTERNAL AUTHENTICATE cryptogram computed from the test issuer key), enrolment, 20 years
   of contributions (one page of up to 240 months), medical account (balance + last 50 transactions) = 5 requests.
4. Floor: the same reads issued directly with psycopg from C threads (session lookup + the three queries).

Prints requests/s and p50/p99 per kind. Usage:
    .venv/bin/python bench/backend_load.py --persons 100000 --clients 32 --seconds 30 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
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
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate  # noqa: E402
from kiosk_backend.db import make_engine, upgrade_to_head  # noqa: E402
from kiosk_backend.demo_cards import load_demo_cards  # noqa: E402
from kiosk_backend.seed.load import seed_database  # noqa: E402
from kiosk_backend.services.kiosks import register_kiosk  # noqa: E402
from tests.backend.pg import PostgresServer  # noqa: E402

FROM_PERIOD = 200611  # 20 years of contributions up to 2026-10


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


async def http_workload(
    url: str, token: str, cards: list[tuple[str, str, str, str]], issuer: bytes, clients: int, seconds: float
) -> tuple[dict[str, list[float]], float]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url + "/v1", headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as client:

        async def timed(kind: str, method: str, path: str, **kwargs: object) -> httpx.Response:
            started = time.perf_counter()
            answer = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
            latencies[kind].append(time.perf_counter() - started)
            if answer.status_code != 200:
                errors[f"{kind} {answer.status_code}"] += 1
            return answer

        async def visitor(rng: random.Random) -> None:
            while time.perf_counter() < deadline:
                card_id, atr, ssn, card_no = rng.choice(cards)
                challenge = (
                    await timed(
                        "login:challenge",
                        "POST",
                        "/card-sessions/challenge",
                        json={"card_id": card_id, "atr": atr},
                        headers={"Idempotency-Key": uuid.uuid4().hex},
                    )
                ).json()
                key = derive_card_key(issuer, bytes.fromhex(atr))
                cryptogram = internal_authenticate(key, bytes.fromhex(challenge["challenge"])).hex().upper()
                session = (
                    await timed(
                        "login:session",
                        "POST",
                        "/card-sessions",
                        json={
                            "challenge_id": challenge["challenge_id"],
                            "cryptogram": cryptogram,
                            "ssn": ssn,
                            "card_no": card_no,
                        },
                        headers={"Idempotency-Key": uuid.uuid4().hex},
                    )
                ).json()
                citizen = {"X-Citizen-Token": session["token"]}
                await timed("enrolment", "GET", "/me/enrolments", headers=citizen)
                await timed(
                    "contributions",
                    "GET",
                    "/me/contributions",
                    params={"from_period": FROM_PERIOD, "limit": 240},
                    headers=citizen,
                )
                await timed("medical_account", "GET", "/me/medical-account", headers=citizen)

        started = time.perf_counter()
        await asyncio.gather(*(visitor(random.Random(n)) for n in range(clients)))
        elapsed = time.perf_counter() - started
    if errors:
        print("  errors:", dict(errors))
    return latencies, elapsed


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
    job: tuple[str, str, list[tuple[str, str, str, str]], bytes, int, float],
) -> tuple[dict[str, list[float]], float]:
    """One load-generator process (asyncio + httpx) with its share of the clients."""
    url, token, cards, issuer, clients, seconds = job
    latencies, elapsed = asyncio.run(http_workload(url, token, cards, issuer, clients, seconds))
    return dict(latencies), elapsed


def run_generators(
    url: str,
    token: str,
    cards: list[tuple[str, str, str, str]],
    issuer: bytes,
    clients: int,
    seconds: float,
    processes: int,
) -> tuple[dict[str, list[float]], float]:
    """Spread the clients over ``processes`` generator processes (one Python process cannot drive many workers)."""
    share = max(1, clients // processes)
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_generator, [(url, token, cards, issuer, share, seconds)] * processes)
    merged: dict[str, list[float]] = defaultdict(list)
    for latencies, _elapsed in results:
        for kind, values in latencies.items():
            merged[kind].extend(values)
    return merged, max(elapsed for _latencies, elapsed in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--generators", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL (postgresql+psycopg://…)")
    args = parser.parse_args()

    server: PostgresServer | None = None
    backend: subprocess.Popen[bytes] | None = None
    try:
        if args.database_url:
            url = args.database_url
        else:
            server = PostgresServer()
            server.start()
            url = server.create_database("kiosk_bench")
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        upgrade_to_head(url)
        engine = make_engine(url)
        demo = load_demo_cards()
        started = time.perf_counter()
        seeded = seed_database(
            engine,
            args.persons,
            args.seed,
            demo.cards,
            progress=lambda n: print(f"\r  seeded {n:,} people", end="", flush=True),
        )
        print(
            f"\nseeding: {seeded.persons:,} people, {seeded.rows.get('contribution', 0):,} contribution months, "
            f"{seeded.total_rows:,} rows in {time.perf_counter() - started:.1f} s"
        )
        token = register_kiosk(engine, "BENCH-1")
        engine.dispose()
        with psycopg.connect(dsn) as connection:
            size = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
        print(f"database size: {size[0] if size else '?'}")

        port = free_port()
        env = dict(
            os.environ,
            KIOSK_BACKEND_DATABASE__URL=url,
            KIOSK_BACKEND_CARD__ISSUER_KEY=demo.test_issuer_key,
            KIOSK_BACKEND_DATABASE__POOL_SIZE=str(max(4, args.clients // args.workers)),
        )
        backend = subprocess.Popen(
            [sys.executable, "-m", "kiosk_backend", "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        cards = load_cards(dsn, 5000)
        run_generators(base, token, cards, demo.issuer_key, args.clients, 3, args.generators)  # warm-up
        latencies, elapsed = run_generators(
            base, token, cards, demo.issuer_key, args.clients, args.seconds, args.generators
        )
        title = f"HTTP, {args.workers} worker(s), {args.clients} clients in {args.generators} generator process(es)"
        report(title, latencies, elapsed)
        floor, floor_elapsed = floor_workload(dsn, seeded.persons, args.clients, min(args.seconds, 10))
        report(f"psycopg floor, {args.clients} threads (same queries, no HTTP)", floor, floor_elapsed)
    finally:
        if backend is not None:
            backend.terminate()
            backend.wait(20)
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
