"""``SocialSecurityCard``: the commands of CARD_SPEC §3 with the tolerance rules of §7, over any ``CardTransport``."""

from __future__ import annotations

import logging

from kiosk.cardreader import apdu
from kiosk.cardreader.apdu import Command, describe_apdu
from kiosk.cardreader.errors import CardDataInvalid, CardUnreadable, PinBlocked
from kiosk.cardreader.models import (
    EF05_ALL_TAGS,
    EF05_LOGIN_TAGS,
    EF06_ALL_TAGS,
    EF06_LOGIN_TAGS,
    TAG_NAME_EXT,
    CardIdentification,
    HolderInfo,
    parse_ef05,
    parse_ef06,
)
from kiosk.cardreader.pin import Pin
from kiosk.cardreader.status import (
    SW_FILE_NOT_FOUND,
    SW_OK,
    SW_PIN_BLOCKED,
    SW_RECORD_NOT_FOUND,
    SW_WRONG_P1P2,
    check,
    error_for,
)
from kiosk.cardreader.transport import CardTransport

log = logging.getLogger(__name__)

MAX_RECORDS = 32  # read-by-record fallback: stop scanning after this many records
MAX_CHAINED = 8  # 61xx / 6Cxx rounds before giving up


class SocialSecurityCard:
    """One card session: select SSSE, read EF05/EF06 by tag, PIN, challenge, INTERNAL AUTHENTICATE.

    The trace (DEBUG on ``kiosk.cardreader.card``) shows command headers and response lengths only: PIN data is
    masked and personal data is never logged.
    """

    def __init__(self, transport: CardTransport) -> None:
        self.transport = transport
        self.apdu_count = 0
        self._by_record: set[int] = set()  # SFIs for which the card refused read-by-tag
        self._record_cache: dict[int, dict[int, bytes]] = {}

    @property
    def atr(self) -> bytes:
        """The card's answer to reset."""
        return self.transport.atr

    # ------------------------------------------------------------------ exchange
    def _send(self, command: Command) -> tuple[bytes, int]:
        raw = command.to_bytes()
        log.debug("> %s", describe_apdu(raw))
        self.apdu_count += 1
        data, sw = self.transport.transmit(raw)
        log.debug("< %d bytes [%04X]", len(data), sw)
        return data, sw

    def exchange(self, command: Command, *, fetch: bool = True) -> tuple[bytes, int]:
        """Send ``command``; follow ``6Cxx`` (re-send with Le=xx) and, if ``fetch``, ``61xx`` (GET RESPONSE).

        With ``fetch=False`` a ``61xx`` counts as success and the waiting bytes are left unread (SELECT's FCI).
        """
        data, sw = self._send(command)
        collected = b""
        for _ in range(MAX_CHAINED):
            if sw & 0xFF00 == 0x6C00:
                command = command.with_le(sw & 0xFF)
                data, sw = self._send(command)
            elif sw & 0xFF00 == 0x6100:
                if not fetch:
                    return collected + data, SW_OK
                collected += data
                command = apdu.get_response(sw & 0xFF)
                data, sw = self._send(command)
            else:
                return collected + data, sw
        raise CardUnreadable("the card keeps asking for more exchanges", sw)

    # ------------------------------------------------------------------ selection
    def select_ssse(self) -> None:
        """SELECT the SSSE DDF by name; on ``6A82`` select the MF first and try again (CARD_SPEC §7)."""
        _, sw = self.exchange(apdu.select_by_name(), fetch=False)
        if sw == SW_FILE_NOT_FOUND:
            _, mf_sw = self.exchange(apdu.select_fid(apdu.MF_FID, p1=0x00), fetch=False)
            check(mf_sw, "SELECT 3F00")
            _, sw = self.exchange(apdu.select_by_name(), fetch=False)
        check(sw, "SELECT SSSE")
        self._record_cache.clear()

    # ------------------------------------------------------------------ records
    def read_records(self, sfi: int, tags: tuple[int, ...], optional: tuple[int, ...] = ()) -> dict[int, bytes]:
        """The raw records with these tags from EF ``sfi``; missing optional tags are left out."""
        found: dict[int, bytes] = {}
        for tag in (*tags, *optional):
            record = self._read_tag(sfi, tag)
            if record is not None:
                found[tag] = record
            elif tag in tags:
                raise CardDataInvalid(f"record {tag:02X} of SFI {sfi:02X} is missing", SW_RECORD_NOT_FOUND)
        return found

    def _read_tag(self, sfi: int, tag: int) -> bytes | None:
        if sfi not in self._by_record:
            data, sw = self.exchange(apdu.read_record_by_tag(sfi, tag))
            if sw == SW_OK:
                return data
            if sw not in (SW_WRONG_P1P2, SW_RECORD_NOT_FOUND):
                raise error_for(sw, f"READ RECORD {sfi:02X}/{tag:02X}")
            if sw == SW_RECORD_NOT_FOUND and tag == TAG_NAME_EXT:
                return None  # a genuinely absent optional record, not a card without read-by-tag
            log.debug("SFI %02X: read-by-tag refused (%04X), reading by record", sfi, sw)
            self._by_record.add(sfi)
        return self._scan_records(sfi).get(tag)

    def _scan_records(self, sfi: int) -> dict[int, bytes]:
        if sfi in self._record_cache:
            return self._record_cache[sfi]
        records: dict[int, bytes] = {}
        for number in range(1, MAX_RECORDS + 1):
            data, sw = self.exchange(apdu.read_record_by_number(sfi, number))
            if sw == SW_RECORD_NOT_FOUND:
                break
            check(sw, f"READ RECORD {sfi:02X}#{number}")
            if not data:
                raise CardDataInvalid(f"record {number} of SFI {sfi:02X} is empty")
            records.setdefault(data[0], data)
        self._record_cache[sfi] = records
        return records

    def read_identification(self, *, full: bool = False) -> CardIdentification:
        """EF05 (free): the login set of tags, or every tag with ``full``."""
        tags = EF05_ALL_TAGS if full else EF05_LOGIN_TAGS
        return parse_ef05(self.read_records(apdu.SFI_EF05, tags))

    def read_holder(self, identification: CardIdentification, *, full: bool = False) -> HolderInfo:
        """EF06 (a v3 card needs a verified PIN first): the login set, or everything with ``full``."""
        tags = EF06_ALL_TAGS if full else EF06_LOGIN_TAGS
        optional = (TAG_NAME_EXT,) if identification.is_v3 else ()
        return parse_ef06(self.read_records(apdu.SFI_EF06, tags, optional))

    # ------------------------------------------------------------------ PIN
    def pin_tries_left(self) -> int | None:
        """ISO 7816-4 VERIFY without data: tries left, ``None`` if unknown or already verified.

        Raises :class:`PinBlocked` when the PIN is blocked, so the kiosk never asks for it.
        """
        _, sw = self.exchange(apdu.verify(None))
        if sw & 0xFFF0 == 0x63C0:
            if sw & 0x0F == 0:
                raise PinBlocked("no tries left", sw)
            return sw & 0x0F
        if sw == SW_PIN_BLOCKED:
            raise PinBlocked("PIN blocked", sw)
        return None  # 9000 (already verified) or a card without the probe: ask for the PIN anyway

    def verify_pin(self, pin: Pin) -> None:
        """VERIFY; raises WrongPin(tries_left) / PinBlocked."""
        _, sw = self.exchange(apdu.verify(pin))
        check(sw, "VERIFY")

    def change_pin(self, old: Pin, new: Pin) -> None:
        """CHANGE PIN (``80 5E 01 00``); the new PIN must pass the strength rules first."""
        new.check_strength()
        _, sw = self.exchange(apdu.change_pin(old, new))
        check(sw, "CHANGE PIN")

    # ------------------------------------------------------------------ authentication
    def get_challenge(self) -> bytes:
        """8 random bytes from the card."""
        data, sw = self.exchange(apdu.get_challenge())
        check(sw, "GET CHALLENGE")
        if len(data) != 8:
            raise CardDataInvalid(f"GET CHALLENGE answered {len(data)} bytes")
        return data

    def internal_authenticate(self, challenge: bytes) -> bytes:
        """The card's 16-byte cryptogram over the backend's challenge (CARD_SPEC §5)."""
        data, sw = self.exchange(apdu.internal_authenticate(challenge))
        check(sw, "INTERNAL AUTHENTICATE")
        if len(data) != 16:
            raise CardDataInvalid(f"INTERNAL AUTHENTICATE answered {len(data)} bytes")
        return data
