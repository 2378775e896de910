"""挂失 without the card, end to end over HTTP: start → (code from the SMS outbox) → verify → confirm.

Starts ``kiosk-backend serve`` on a fresh SQLite file (or ``--database-url``, e.g. a PostgreSQL database that is
migrated and *empty*), seeds ``--persons`` people, and runs one full loss report per seeded person with a normal card,
sequentially from one client. Prints p50 / p99 per step and full reports per second. Usage:
    .venv/bin/python bench/loss_reports.py --persons 300
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from kiosk_backend.db import make_engine, upgrade_to_head  # noqa: E402
from kiosk_backend.demo_cards import load_demo_cards  # noqa: E402
from kiosk_backend.models import Card, Person  # noqa: E402
from kiosk_backend.seed.load import seed_database  # noqa: E402
from kiosk_backend.services.kiosks import register_kiosk  # noqa: E402


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _code(outbox: Path, challenge_id: str) -> str:
    while True:
        if outbox.exists():
            for line in outbox.read_text(encoding="utf-8").splitlines():
                message = json.loads(line)
                if message["ref"] == challenge_id:
                    found = re.search(r"验证码(\d{6})", message["text"])
                    assert found is not None
                    return found.group(1)
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-loss-"))
    url = args.database_url or f"sqlite:///{work / 'records.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    seed_database(engine, args.persons, 3, load_demo_cards().cards)
    token = register_kiosk(engine, "NX-BENCH")
    with Session(engine) as db:
        people = db.execute(
            select(Person.ssn, Person.name).join(Card, Card.person_id == Person.id).where(Card.status == "normal")
        ).all()
    port = _port()
    outbox = work / "sms-outbox.jsonl"
    env = dict(
        os.environ,
        HOME=str(work),
        KIOSK_BACKEND_DATABASE__URL=url,
        KIOSK_BACKEND_SMS__OUTBOX=str(outbox),
        KIOSK_BACKEND_LOSS_REPORT__SECRET_FILE=str(work / "loss.key"),
        KIOSK_BACKEND_LOSS_REPORT__STARTS_PER_KIOSK=str(10 * len(people)),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk_backend", "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
    )
    steps: dict[str, list[float]] = {"start": [], "verify": [], "confirm": []}
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}/v1", headers={"Authorization": f"Bearer {token}"})
        while True:
            try:
                client.get("/health")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        began = time.perf_counter()
        for ssn, name in people:
            t0 = time.perf_counter()
            started = client.post("/loss-reports", json={"ssn": ssn, "name": name}).json()
            t1 = time.perf_counter()
            code = _code(outbox, started["challenge_id"])
            t2 = time.perf_counter()
            ticket = client.post(f"/loss-reports/{started['challenge_id']}/verify", json={"code": code}).json()
            t3 = time.perf_counter()
            done = client.post(
                "/loss-reports/confirm",
                json={"ticket": ticket["ticket"]},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            t4 = time.perf_counter()
            assert done.status_code == 200, done.text
            steps["start"].append(t1 - t0)
            steps["verify"].append(t3 - t2)
            steps["confirm"].append(t4 - t3)
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait()
    print(f"{url.split(':')[0]}: {len(people)} reports in {elapsed:.1f} s = {len(people) / elapsed:.1f} reports/s")
    for name, times in steps.items():
        ordered = sorted(times)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(f"  {name:8} p50 {statistics.median(ordered) * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
