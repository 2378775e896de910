"""The SMS gateway: a small protocol, and the ``file`` development gateway (JSON lines in an outbox file).

Outbox line format (stable; the kiosk's demo mode reads it to show "演示短信", see docs/API.md):
``{"id": str, "to": "13909510001", "kind": "otp" | "card_status", "text": str, "sent_at": ISO-8601 UTC,
"ref": str | null}`` — ``ref`` is the loss-report challenge id of a one-time code, the card status change id of a
notification. One line per message, UTF-8, appended under an exclusive lock (several workers share the file).
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from kiosk_backend.config import BackendSettings


@dataclass(frozen=True)
class SmsMessage:
    """One text message to one full phone number."""

    id: str
    to: str
    kind: str  # otp | card_status
    text: str
    sent_at: datetime
    ref: str | None = None


class SmsGateway(Protocol):
    """Sends a message or raises ``OSError`` (the caller keeps notifications for a later attempt)."""

    def send(self, message: SmsMessage) -> None:
        """Hand the message over for delivery."""
        ...


class FileSmsGateway:
    """Development gateway: appends each message as one JSON line to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: SmsMessage) -> None:
        """Append one line with a single ``write`` under ``flock`` (no torn or interleaved lines)."""
        line = json.dumps(
            {
                "id": message.id,
                "to": message.to,
                "kind": message.kind,
                "text": message.text,
                "sent_at": message.sent_at.isoformat(),
                "ref": message.ref,
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)  # closing releases the lock


def make_gateway(settings: BackendSettings) -> SmsGateway:
    """The configured gateway (``[sms] gateway``)."""
    return FileSmsGateway(settings.sms_outbox_path())


def read_outbox(path: Path) -> list[dict[str, str | None]]:
    """Every message of a file outbox, oldest first (an absent file is an empty outbox)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]
