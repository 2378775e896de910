"""The virtual 社保卡 (CARD_SPEC.md): file system, access rules of profiles v2/v3, PIN, crypto, T=0 behaviour.

Design choices where the spec leaves room (documented in docs/ARCHITECTURE.md):

- SELECT answers ``61xx`` (an FCI is waiting); READ RECORD and GET CHALLENGE are case 2 and answer directly when
  Le is ``00`` or exact, ``6Cxx`` when Le is wrong; INTERNAL AUTHENTICATE is case 4: ``61 10`` then GET RESPONSE.
- VERIFY without data (ISO 7816-4) reports the PIN status: ``63Cx`` tries left, ``6983`` blocked, ``9000`` verified.
- The wrong VERIFY that uses the last try answers ``63C0``; afterwards VERIFY and CHANGE PIN answer ``6983``.
- 卡识别码 MAC = first 4 bytes of ``SM4_ECB(K_card, first 12 bytes of 卡识别码 ‖ 00 00 00 00)``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from kiosk.cardreader.apdu import EF05_FID, EF06_FID, MF_FID, SSSE_NAME
from kiosk.cardreader.codec import encode_bcd, encode_date, encode_tlv
from kiosk.cardreader.models import CARD_ID_RID
from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate, sm4_ecb_encrypt
from kiosk_backend.demo_cards import DemoCard, DemoCards

SSSE_FID = b"\xdd\xf1"  # (design) the DDF's FID; readers select it by name


def sw_bytes(sw: int) -> bytes:
    """Status word → 2 bytes."""
    return bytes((sw >> 8, sw & 0xFF))


def card_identifier(region: str, serial: bytes, card_key: bytes) -> bytes:
    """卡识别码: region BCD(3) ‖ D156000005 ‖ serial(4) ‖ MAC(4) (MAC: see the module docstring)."""
    body = bytes.fromhex(region) + CARD_ID_RID + serial
    return body + sm4_ecb_encrypt(card_key, body + bytes(4))[:4]


@dataclass
class Quirks:
    """Behaviours of real cards the reader must tolerate (CARD_SPEC §7); all off by default."""

    no_read_by_tag: bool = False  # READ RECORD with P2=(SFI<<3)|00 → 6A86
    needs_mf_first: bool = False  # SELECT SSSE by name → 6A82 until 3F00 was selected
    le_zero_6c: bool = False  # case 2 with Le=00 → 6Cxx (re-send with the exact length)


@dataclass
class CardImage:
    """Everything on one virtual card (personalisation)."""

    atr: bytes
    profile: str
    ef05: list[bytes]
    ef06: list[bytes]
    pin_bcd: bytes = field(repr=False)
    pin_tries_left: int
    pin_try_limit: int
    card_key: bytes = field(repr=False)


def image_from_demo(card: DemoCard, issuer_key: bytes) -> CardImage:
    """Personalise a card image from a ``config/demo-cards.toml`` entry and the test issuer key."""
    atr = card.atr
    card_key = derive_card_key(issuer_key, atr)
    version = "3.00" if card.profile == "v3" else "2.00"
    name_raw = card.name.encode("gbk")
    ef05 = [
        encode_tlv(0x01, card_identifier(card.region, atr[-4:], card_key)),
        encode_tlv(0x02, b"1"),
        encode_tlv(0x03, version.encode()),
        encode_tlv(0x04, bytes.fromhex(card.region) + bytes(9)),
        encode_tlv(0x05, encode_date(card.issued)),
        encode_tlv(0x06, encode_date(card.expires)),
        encode_tlv(0x07, card.card_no.encode()),
    ]
    name = encode_tlv(0x09, name_raw[:30].ljust(30, b"\x00"))
    rest = [
        encode_tlv(0x0A, card.sex.encode()),
        encode_tlv(0x0B, encode_bcd(card.ethnic, 1)),
        encode_tlv(0x0C, encode_bcd(card.birthplace, 3)),
        encode_tlv(0x0D, encode_date(card.birth_date)),
    ]
    ef06 = [encode_tlv(0x08, card.ssn.encode()), name]
    if card.profile == "v3":  # v3 puts the name extension third
        ef06.append(encode_tlv(0x4E, name_raw[30:50].ljust(20, b"\x00")))
    ef06 += rest
    return CardImage(
        atr=atr,
        profile=card.profile,
        ef05=ef05,
        ef06=ef06,
        pin_bcd=bytes.fromhex(card.pin),
        pin_tries_left=card.pin_tries_left,
        pin_try_limit=card.pin_try_limit,
        card_key=card_key,
    )


class VirtualCard:
    """Answers C-APDUs like the chip would. Thread-safe; ``reset()`` is a power cycle (security state cleared)."""

    def __init__(self, image: CardImage, quirks: Quirks | None = None) -> None:
        self.image = image
        self.quirks = quirks or Quirks()
        self._lock = threading.Lock()
        self.apdus = 0
        self.reset()

    def __repr__(self) -> str:
        return f"VirtualCard(profile={self.image.profile}, atr={self.image.atr.hex().upper()})"

    @property
    def atr(self) -> bytes:
        """Answer to reset."""
        return self.image.atr

    @property
    def pin_tries_left(self) -> int:
        """Current PIN try counter."""
        return self.image.pin_tries_left

    def pin_is(self, digits: str) -> bool:
        """Test helper: whether the card's PIN is ``digits`` (does not touch the try counter)."""
        return self.image.pin_bcd == bytes.fromhex(digits)

    def reset(self) -> None:
        """Power cycle: nothing selected, PIN not verified, no pending response."""
        self._mf = False
        self._ssse = False
        self._ef: bytes | None = None
        self._verified = False
        self._pending = b""

    # ------------------------------------------------------------------ dispatch
    def process(self, apdu: bytes) -> bytes:
        """A C-APDU → the R-APDU (data ‖ SW1 SW2)."""
        with self._lock:
            self.apdus += 1
            data, sw = self._process(apdu)
            return data + sw_bytes(sw)

    def _process(self, apdu: bytes) -> tuple[bytes, int]:
        if len(apdu) < 4:
            return b"", 0x6700
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        data, le = b"", None
        if len(body) == 1:
            le = body[0]
        elif len(body) > 1:
            lc = body[0]
            if len(body) == 1 + lc:
                data = body[1:]
            elif len(body) == 2 + lc:
                data, le = body[1:-1], body[-1]
            else:
                return b"", 0x6700
        if ins != 0xC0:
            self._pending = b""
        if cla not in (0x00, 0x80):
            return b"", 0x6E00
        handlers = {
            0xA4: self._select,
            0xB2: self._read_record,
            0x20: self._verify,
            0x5E: self._change_pin,
            0x84: self._get_challenge,
            0x88: self._internal_authenticate,
            0xC0: self._get_response,
        }
        handler = handlers.get(ins)
        if handler is None:
            return b"", 0x6D00
        return handler(p1, p2, data, le)

    def _case2(self, payload: bytes, le: int | None) -> tuple[bytes, int]:
        if le is None:
            return b"", 0x6700
        if (le == 0 and not self.quirks.le_zero_6c) or le == len(payload):
            return payload, 0x9000
        return b"", 0x6C00 | len(payload)

    def _defer(self, payload: bytes) -> tuple[bytes, int]:
        """T=0 case 4: keep the answer for GET RESPONSE."""
        self._pending = payload
        return b"", 0x6100 | len(payload)

    # ------------------------------------------------------------------ commands
    def _select(self, p1: int, _p2: int, data: bytes, _le: int | None) -> tuple[bytes, int]:
        if p1 == 0x04:
            if data != SSSE_NAME or (self.quirks.needs_mf_first and not self._mf):
                return b"", 0x6A82
            self._ssse, self._ef = True, None
            fci = b"\x6f" + bytes((len(data) + 2,)) + b"\x84" + bytes((len(data),)) + data
            return self._defer(fci)
        if p1 in (0x00, 0x02) and len(data) == 2:
            if data == MF_FID:
                self._mf, self._ssse, self._ef = True, False, None
                return b"", 0x9000
            if data == SSSE_FID:
                self._ssse, self._ef = True, None
                return b"", 0x9000
            if data in (EF05_FID, EF06_FID) and self._ssse:
                self._ef = data
                return b"", 0x9000
        return b"", 0x6A82

    def _records(self, sfi: int) -> tuple[list[bytes] | None, int]:
        if not self._ssse:
            return None, 0x6A82
        fid = {0: self._ef, 5: EF05_FID, 6: EF06_FID}.get(sfi)
        if fid is None:
            return None, 0x6A82
        if fid == EF06_FID:
            if self.image.profile == "v3" and not self._verified:
                return None, 0x6982
            return self.image.ef06, 0x9000
        return self.image.ef05, 0x9000

    def _read_record(self, p1: int, p2: int, data: bytes, le: int | None) -> tuple[bytes, int]:
        if data:
            return b"", 0x6700
        records, sw = self._records(p2 >> 3)
        if records is None:
            return b"", sw
        mode = p2 & 0x07
        if mode == 0x04:
            record = records[p1 - 1] if 1 <= p1 <= len(records) else None
        elif mode == 0x00:
            if self.quirks.no_read_by_tag:
                return b"", 0x6A86
            record = next((r for r in records if r[0] == p1), None)
        else:
            return b"", 0x6A86
        if record is None:
            return b"", 0x6A83
        return self._case2(record, le)

    def _verify(self, p1: int, p2: int, data: bytes, _le: int | None) -> tuple[bytes, int]:
        if p1 or p2:
            return b"", 0x6A86
        image = self.image
        if not data:  # status probe
            if image.pin_tries_left == 0:
                return b"", 0x6983
            return b"", 0x9000 if self._verified else 0x63C0 | image.pin_tries_left
        return b"", self._check_pin(data)

    def _check_pin(self, candidate: bytes) -> int:
        image = self.image
        if image.pin_tries_left == 0:
            return 0x6983
        if candidate == image.pin_bcd:
            image.pin_tries_left = image.pin_try_limit
            self._verified = True
            return 0x9000
        image.pin_tries_left -= 1
        self._verified = False
        return 0x63C0 | image.pin_tries_left

    def _change_pin(self, p1: int, _p2: int, data: bytes, _le: int | None) -> tuple[bytes, int]:
        if p1 != 0x01:
            return b"", 0x6A86
        old, sep, new = data.partition(b"\xff")
        if not sep or not old or not new or len(new) != len(self.image.pin_bcd):
            return b"", 0x6A80
        sw = self._check_pin(old)
        if sw == 0x9000:
            self.image.pin_bcd = new  # one assignment: a card pulled mid-command keeps the old or the new PIN
        return b"", sw

    def _get_challenge(self, _p1: int, _p2: int, data: bytes, le: int | None) -> tuple[bytes, int]:
        if data:
            return b"", 0x6700
        if le not in (0, 8):
            return b"", 0x6C08
        return os.urandom(8), 0x9000

    def _internal_authenticate(self, _p1: int, _p2: int, data: bytes, _le: int | None) -> tuple[bytes, int]:
        if len(data) != 16:
            return b"", 0x6700
        return self._defer(internal_authenticate(self.image.card_key, data))

    def _get_response(self, _p1: int, _p2: int, _data: bytes, le: int | None) -> tuple[bytes, int]:
        pending = self._pending
        if not pending:
            return b"", 0x6985
        if le is None or le == 0 or le > len(pending):
            return b"", 0x6C00 | len(pending)
        self._pending = pending[le:]
        return pending[:le], (0x6100 | len(self._pending)) if self._pending else 0x9000


def virtual_cards(cards: DemoCards) -> list[VirtualCard]:
    """Every card of the demo file, personalised, in file order (demo mode's F2 inserts them in this order)."""
    return [VirtualCard(image_from_demo(card, cards.issuer_key)) for card in cards.cards]
