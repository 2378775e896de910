"""Fleet load on one backend process (SQLite file, loopback): heartbeats per second from many kiosks, and journal
upload throughput (entries per second in batches of 50, with the chain checked).

Usage: .venv/bin/python bench/fleet_throughput.py [--kiosks 50] [--beats 20] [--entries 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk.backend_client.embedded import EmbeddedBackend  # noqa: E402
from kiosk.backend_client.http_client import HttpBackend  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.services.journal_upload import JournalUploader  # noqa: E402
from kiosk_backend.db import make_engine, upgrade_to_head  # noqa: E402
from kiosk_backend.schemas import DeviceStatus, HeartbeatRequest  # noqa: E402
from kiosk_backend.services.kiosks import register_kiosk  # noqa: E402


def beat() -> HeartbeatRequest:
    return HeartbeatRequest(
        sent_at=datetime.now(UTC),
        software_version="0.1.0",
        service_state="in_service",
        devices={"card_reader": DeviceStatus(device="online"), "printer": DeviceStatus(device="online", paper="low")},
        counters={"sessions": 10, "slips_printed": 3},
        journal_seq=1,
        journal_hash="ab" * 32,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--beats", type=int, default=20, help="heartbeats per kiosk")
    parser.add_argument("--entries", type=int, default=5000, help="journal entries to upload")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "fleet.sqlite3"
        upgrade_to_head(f"sqlite:///{database}")
        engine = make_engine(f"sqlite:///{database}")
        tokens = [register_kiosk(engine, f"BENCH-{index:03d}") for index in range(args.kiosks)]
        engine.dispose()
        os.environ["KIOSK_BACKEND_FLEET__OPERATOR_TOKEN"] = "bench"
        with EmbeddedBackend(database, Path(tmp) / "backend.log") as server:
            clients = [HttpBackend(server.url, token) for token in tokens]
            for _ in range(200):
                try:
                    clients[0].health()
                    break
                except Exception:
                    time.sleep(0.05)
            latencies: list[float] = []

            def one_kiosk(client: HttpBackend) -> None:
                for _ in range(args.beats):
                    started = time.perf_counter()
                    client.heartbeat(beat())
                    latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(one_kiosk, clients))
            elapsed = time.perf_counter() - started
            total = args.kiosks * args.beats
            latencies.sort()
            print(f"heartbeats: {total} from {args.kiosks} kiosks (16 concurrent) in {elapsed:.2f} s")
            print(f"  throughput {total / elapsed:.0f}/s; latency median {statistics.median(latencies) * 1000:.1f} ms,")
            print(f"  p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms")
            journal = Journal(Path(tmp) / "journal")
            for index in range(args.entries):
                journal.append("slip.printed", None, {"n": index, "ssn": "6401**********123X"})
            uploader = JournalUploader(journal, clients[0])
            started = time.perf_counter()
            sent = uploader.upload_pending(max_batches=10_000)
            elapsed = time.perf_counter() - started
            print(f"journal upload: {sent} entries in {elapsed:.2f} s = {sent / elapsed:.0f} entries/s (batches of 50)")
            journal.close()
            for client in clients:
                client.close()
            fleet = HttpBackend(server.url, "bench")
            started = time.perf_counter()
            fleet._client.get("/fleet")
            print(f"fleet view JSON for {args.kiosks} kiosks: {(time.perf_counter() - started) * 1000:.1f} ms")
            fleet.close()


if __name__ == "__main__":
    main()
