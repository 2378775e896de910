"""``kiosk card-sim``: put a demo card into a real pcscd through vpcd, and take it out / put it back on command.

Commands, one per line on standard input (answers on standard output, one line each):
``insert`` · ``remove`` · ``remove-after N`` (pull the card once it has answered N more APDUs) ·
``card NAME`` (swap to another demo card, re-inserted) · ``fresh NAME`` (the same, freshly personalised from
the file: PIN and try counter as configured) · ``status`` · ``quit``.
Signals: ``SIGUSR1`` pulls the card out, ``SIGUSR2`` puts it back, ``SIGTERM``/``SIGINT`` stop.
The card keeps its state (PIN, try counter) across removals for the life of the process.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import TextIO

from kiosk.cardreader.emulator.card import VirtualCard, image_from_demo
from kiosk.cardreader.emulator.vpcd import VpcdCard
from kiosk_backend.demo_cards import DemoCards


class CardSim:
    """The simulator behind the command: a set of personalised cards and one vpcd connection."""

    def __init__(self, cards: DemoCards, first: str, address: tuple[str, int], out: TextIO) -> None:
        self._cards = cards
        self._virtual: dict[str, VirtualCard] = {}
        self._out = out
        self._out_lock = threading.Lock()
        self.current = first
        self.vpcd = VpcdCard(self._card(first), address, on_event=self._event)

    def _card(self, name: str) -> VirtualCard:
        if name not in self._virtual:
            self._virtual[name] = VirtualCard(image_from_demo(self._cards.by_id(name), self._cards.issuer_key))
        return self._virtual[name]

    def say(self, line: str) -> None:
        """One line on standard output, flushed."""
        with self._out_lock:
            self._out.write(line + "\n")
            self._out.flush()

    def _event(self, event: str) -> None:
        self.say(f"{event} {self.current}")

    def command(self, line: str) -> bool:
        """Run one command; ``False`` means quit."""
        verb, _, arg = line.strip().partition(" ")
        if verb == "insert":
            self.vpcd.insert()
        elif verb == "remove":
            self.vpcd.remove()
        elif verb == "remove-after" and arg.strip().isdigit():
            self.vpcd.remove_after(int(arg))
            self.say(f"armed {int(arg)}")
        elif verb in ("card", "fresh") and arg.strip():
            if verb == "fresh":
                self._virtual.pop(arg.strip(), None)
            try:
                card = self._card(arg.strip())
            except KeyError as exc:
                self.say(f"error {exc.args[0]}")
                return True
            self.vpcd.remove()
            self.current = arg.strip()
            self.vpcd.insert(card)
        elif verb == "status":
            card = self._card(self.current)
            state = "inserted" if self.vpcd.connected else "out"
            self.say(f"status {self.current} {state} tries={card.pin_tries_left}")
        elif verb == "quit":
            return False
        elif verb:
            self.say(f"error unknown command {verb!r}")
        return True


def run_card_sim(cards: DemoCards, name: str | None, address: tuple[str, int], stdin: TextIO, out: TextIO) -> int:
    """Insert the card, then obey commands and signals until ``quit`` or SIGTERM/SIGINT."""
    first = name or cards.cards[0].id
    cards.by_id(first)  # KeyError names the known cards
    sim = CardSim(cards, first, address, out)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGUSR1:
            sim.vpcd.remove()
        elif signum == signal.SIGUSR2:
            sim.vpcd.insert()
        else:
            stop.set()

    for signum in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)

    def read_commands() -> None:
        for line in stdin:
            if not sim.command(line):
                stop.set()
                return
        # End of input is not a stop: under a service manager stdin is /dev/null; wait for a signal instead.

    threading.Thread(target=read_commands, name="card-sim-stdin", daemon=True).start()
    sim.say(f"ready {first} vpcd={address[0]}:{address[1]}")
    sim.vpcd.insert()
    while not stop.wait(0.5):
        pass
    sim.vpcd.close()
    sim.say("stopped")
    return 0


def main_entry(card: str | None, vpcd: str) -> int:
    """Used by ``kiosk.cli``."""
    from kiosk.cardreader.emulator.vpcd import parse_address
    from kiosk_backend.demo_cards import load_demo_cards

    try:
        address = parse_address(vpcd)
    except ValueError as exc:
        print(f"kiosk card-sim: {exc}", file=sys.stderr)
        return 2
    cards = load_demo_cards()
    try:
        return run_card_sim(cards, card, address, sys.stdin, sys.stdout)
    except KeyError as exc:
        print(f"kiosk card-sim: {exc.args[0]}", file=sys.stderr)
        return 2
