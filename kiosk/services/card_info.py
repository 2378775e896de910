"""``kiosk card-info``: what the card in a reader holds, masked for staff diagnostics (no UI)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.cardreader.card import SocialSecurityCard
from kiosk.cardreader.errors import NoCard, PinBlocked, ReaderUnavailable
from kiosk.cardreader.pin import Pin
from kiosk.cardreader.transport import CardTransport
from kiosk_backend.identifiers import mask_name, mask_ssn, mask_tail


def first_reader_with_card(readers: list[str], connect: Callable[[str], CardTransport]) -> CardTransport:
    """A connected transport to the first reader that holds a card."""
    if not readers:
        raise ReaderUnavailable("no card reader")
    for reader in readers:
        transport = connect(reader)
        try:
            transport.connect()
        except NoCard:
            continue
        return transport
    raise NoCard("no card in any reader")


def read_card_info(transport: CardTransport, ask_pin: Callable[[], Pin | None]) -> dict[str, Any]:
    """EF05 always; EF06 on a v2 card, or on a v3 card when ``ask_pin`` gives a PIN the card accepts.

    ID number, name and card number are masked; the birth date and birthplace (which the masked ID hides) are left
    out. Raises CardError (WrongPin, PinBlocked, …) for the caller to explain.
    """
    card = SocialSecurityCard(transport)
    card.select_ssse()
    ident = card.read_identification(full=True)
    info: dict[str, Any] = {
        "atr": card.atr.hex().upper(),
        "card": {
            "card_id": ident.card_id.hex().upper(),
            "card_type": ident.card_type,
            "version": ident.version,
            "issuer": ident.issuer.hex().upper() if ident.issuer else None,
            "issued": ident.issued.isoformat() if ident.issued else None,
            "expires": ident.expires.isoformat(),
            "card_no": mask_tail(ident.card_no),
        },
        "pin": {"tries_left": None, "blocked": False},
        "holder": None,
    }
    try:
        info["pin"]["tries_left"] = card.pin_tries_left()
    except PinBlocked:
        info["pin"]["blocked"] = True
    if ident.is_v3:
        if info["pin"]["blocked"]:
            return info
        pin = ask_pin()
        if pin is None:
            return info
        card.verify_pin(pin)
    holder = card.read_holder(ident, full=True)
    info["holder"] = {
        "ssn": mask_ssn(holder.ssn),
        "name": mask_name(holder.name),
        "sex": holder.sex,
        "ethnic": holder.ethnic,
    }
    return info
