"""Demo mode only: the development SMS gateway's outbox (JSON lines the backend appends), shown as 演示短信.

A real kiosk never sees SMS: they go to the citizen's phone. In demo mode the embedded backend's ``file`` gateway
writes them to a file and the kiosk shows the ones sent since the citizen started, so a demo can be followed
without a phone. Each line: ``{"to": …, "text": …, "sent_at": …, "kind": …}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kiosk_backend.identifiers import mask_phone


@dataclass(frozen=True)
class DemoSms:
    """One message as shown: the phone masked, the text as sent."""

    to_masked: str
    text: str
    sent_at: str


class DemoSmsInbox:
    """Reads what was appended to the outbox after a mark."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    def mark(self) -> int:
        """Where the outbox ends now (messages after this are new)."""
        try:
            return self.outbox.stat().st_size
        except OSError:
            return 0

    def since(self, mark: int) -> list[DemoSms]:
        """The messages appended after ``mark`` (unreadable lines are skipped: this is a demo aid)."""
        try:
            with self.outbox.open("rb") as stream:
                stream.seek(mark)
                lines = stream.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return []
        messages = []
        for line in lines:
            try:
                item = json.loads(line)
                messages.append(DemoSms(mask_phone(str(item["to"])), str(item["text"]), str(item.get("sent_at", ""))))
            except (ValueError, KeyError, TypeError):
                continue
        return messages
