"""The kiosk journal's hash rule, as the backend checks uploaded entries (the same rule as ``kiosk.journal``)."""

from __future__ import annotations

import hashlib
import json

GENESIS_HASH = "0" * 64


def entry_hash(seq: int, at: str, kind: str, code: str | None, detail: str, prev_hash: str) -> str:
    """SHA-256 over a canonical JSON array of the entry's fields."""
    canonical = json.dumps([seq, at, kind, code, detail, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
