"""A small JSON file of maintenance state that must survive a restart (lockout, local out of service, counters)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class StateFile:
    """Key → JSON value, written atomically (temp file + fsync + rename); in memory when ``path`` is None."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: dict[str, Any] = {}
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}
            self._data = loaded if isinstance(loaded, dict) else {}

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value or ``default``."""
        with self._lock:
            return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (durable when this returns)."""
        with self._lock:
            self._data[key] = value
            if self.path is None:
                return
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            with temporary.open("w", encoding="utf-8") as handle:
                json.dump(self._data, handle, ensure_ascii=False, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
