"""The electronic journal: hash chain, tamper detection, power loss, privacy guard, upload cursor, retention."""

from __future__ import annotations

import itertools
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.journal import DEFAULT_RETENTION_DAYS, Journal, entry_hash


def filled(directory: Path, count: int = 6) -> Journal:
    journal = Journal(directory)
    for n in range(count):
        journal.append("session.start", None, {"card": "*****0016", "n": n})
    return journal


def raw(directory: Path) -> sqlite3.Connection:
    return sqlite3.connect(directory / "journal.sqlite3", isolation_level=None)


def test_chain_links_every_entry(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    entries = list(journal.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert journal.verify().ok
    assert journal.last() == entries[-1]


def test_edited_entry_is_detected(tmp_path: Path) -> None:
    filled(tmp_path).close()
    raw(tmp_path).execute("""UPDATE journal_entry SET detail = '{"card":"*****9999","n":2}' WHERE seq = 3""")
    result = Journal(tmp_path).verify()
    assert not result.ok and result.seq == 3 and "altered" in result.problem


def test_edited_entry_with_recomputed_hash_breaks_the_chain(tmp_path: Path) -> None:
    filled(tmp_path).close()
    db = raw(tmp_path)
    query = "SELECT seq, at, kind, code, prev_hash FROM journal_entry WHERE seq = 3"
    seq, at, kind, code, prev = db.execute(query).fetchone()
    detail = '{"card":"*****9999","n":2}'
    db.execute(
        "UPDATE journal_entry SET detail=?, hash=? WHERE seq=3", (detail, entry_hash(seq, at, kind, code, detail, prev))
    )
    result = Journal(tmp_path).verify()
    assert not result.ok and result.seq == 4 and "chain broken" in result.problem


def test_deleted_entry_is_detected(tmp_path: Path) -> None:
    filled(tmp_path).close()
    raw(tmp_path).execute("DELETE FROM journal_entry WHERE seq = 4")
    result = Journal(tmp_path).verify()
    assert not result.ok and "missing" in result.problem and result.seq == 5


def test_reordered_entries_are_detected(tmp_path: Path) -> None:
    filled(tmp_path).close()
    db = raw(tmp_path)
    db.execute("UPDATE journal_entry SET seq = -2 WHERE seq = 2")
    db.execute("UPDATE journal_entry SET seq = 2 WHERE seq = 5")
    db.execute("UPDATE journal_entry SET seq = 5 WHERE seq = -2")
    result = Journal(tmp_path).verify()
    assert not result.ok and result.seq == 2


def test_truncated_tail_is_detected(tmp_path: Path) -> None:
    filled(tmp_path).close()
    raw(tmp_path).execute("DELETE FROM journal_entry WHERE seq > 4")
    result = Journal(tmp_path).verify()
    assert not result.ok and "truncated" in result.problem


def test_missing_head_file_is_detected(tmp_path: Path) -> None:
    filled(tmp_path).close()
    (tmp_path / "journal.head").unlink()
    assert "head file missing" in Journal(tmp_path).verify().problem


def test_truncated_file_is_detected_by_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = filled(tmp_path, 400)
    journal.close()
    db = raw(tmp_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    code = cli.main(["journal", "verify", "--dir", str(tmp_path)])
    assert code in (1, 2)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "journal ok" not in captured.out


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    filled(tmp_path).close()
    assert cli.main(["journal", "verify", "--dir", str(tmp_path)]) == 0
    assert "journal ok: 6 entries" in capsys.readouterr().out
    raw(tmp_path).execute("UPDATE journal_entry SET kind = 'x' WHERE seq = 1")
    assert cli.main(["journal", "verify", "--dir", str(tmp_path)]) == 1
    assert "TAMPERED" in capsys.readouterr().out
    assert cli.main(["journal", "verify", "--dir", str(tmp_path / "nowhere")]) == 2


@pytest.mark.parametrize(
    "detail",
    [
        {"pin": "802413"},
        {"new_pin": "111111"},
        {"otp": "123456"},
        {"holder": "640104198003152314"},
        {"note": "id 64010419800315231X seen"},
    ],
)
def test_secrets_and_unmasked_ids_never_reach_the_journal(tmp_path: Path, detail: dict[str, str]) -> None:
    journal = Journal(tmp_path)
    with pytest.raises(ValueError):
        journal.append("login", None, detail)
    assert list(journal.entries()) == []
    journal.append("login", None, {"pin_tries_left": 2, "holder": "640104********2314"})


_WRITER = """
import sys
from pathlib import Path
from kiosk.journal import Journal
journal = Journal(Path(sys.argv[1]))
print("ready", flush=True)
n = 0
while True:
    journal.append("load", None, {"n": n, "text": "x" * (n % 200)})
    n += 1
"""


def test_power_loss_during_writes_never_corrupts_earlier_entries(tmp_path: Path) -> None:
    """A writer killed at random points (10 times): the chain stays valid and what was there stays unchanged."""
    rng = random.Random(20261122)
    seen: dict[int, str] = {}
    for _ in range(10):
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.01, 0.3))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        journal = Journal(tmp_path)
        result = journal.verify()
        assert result.ok, result
        current = {e.seq: e.hash for e in journal.entries()}
        journal.close()
        assert all(current.get(seq) == digest for seq, digest in seen.items()), "an earlier entry changed"
        assert len(current) >= len(seen)
        seen = current
    assert len(seen) > 10


def test_upload_cursor_and_resume(tmp_path: Path) -> None:
    journal = filled(tmp_path, 10)
    batch = journal.pending_upload(limit=4)
    assert [e.seq for e in batch] == [1, 2, 3, 4]
    journal.confirm_upload(4)
    journal.confirm_upload(2)  # a late, older confirmation never moves the cursor back
    assert journal.uploaded_seq() == 4
    assert [e.seq for e in journal.pending_upload()] == [5, 6, 7, 8, 9, 10]


def test_prune_keeps_retention_and_unconfirmed_entries(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    old = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(5):
        journal.append("old", None, {"n": n}, at=old + timedelta(minutes=n))
    for n in range(3):
        journal.append("new", None, {"n": n}, at=old + timedelta(days=300))
    now = old + timedelta(days=DEFAULT_RETENTION_DAYS + 30)
    assert journal.prune(now) == 0  # nothing confirmed uploaded yet
    journal.confirm_upload(3)
    assert journal.prune(now) == 3
    assert [e.seq for e in journal.entries()] == [4, 5, 6, 7, 8]
    assert journal.verify().ok  # the anchor keeps the chain checkable
    journal.append("after-prune")
    assert journal.verify().ok
    with pytest.raises(ValueError):
        journal.prune(now, retention_days=30)


def test_threads_appending_at_once_keep_one_chain(tmp_path: Path) -> None:
    import threading

    journal = Journal(tmp_path)

    def writer(name: str) -> None:
        for n in range(25):
            journal.append("thread", None, {"writer": name, "n": n})

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = journal.verify()
    assert result.ok and result.entries == 100
