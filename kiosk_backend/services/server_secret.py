"""A backend-only random key in a file (mode 0600), made on first use; safe when several workers race to make it."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from pathlib import Path

SECRET_BYTES = 32


class SecretFileError(RuntimeError):
    """The key file exists but is not a key."""


def load_or_create(path: Path) -> bytes:
    """The key in ``path``; if there is none, a new one is written to a temp file and linked into place atomically
    (the first worker wins, the others read its key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(SECRET_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        finally:
            temp.unlink(missing_ok=True)
    data = path.read_bytes()
    if len(data) != SECRET_BYTES:
        raise SecretFileError(f"{path} is not a {SECRET_BYTES}-byte key")
    return data


class LazySecret:
    """Loads (or makes) the key on first use, once per process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._key: bytes | None = None

    def get(self) -> bytes:
        """The key."""
        with self._lock:
            if self._key is None:
                self._key = load_or_create(self.path)
            return self._key
