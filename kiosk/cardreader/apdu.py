"""ISO 7816-4 command APDUs of CARD_SPEC §3 and a trace format that never shows PIN bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.cardreader.pin import Pin

# SSSE DDF name: "sx1.sh." ‖ 社会保障 in GBK (CARD_SPEC §2).
SSSE_NAME = b"sx1.sh." + "社会保障".encode("gbk")
MF_FID = b"\x3f\x00"
EF05_FID = b"\xef\x05"
EF06_FID = b"\xef\x06"
SFI_EF05 = 0x05
SFI_EF06 = 0x06

INS_SELECT = 0xA4
INS_READ_RECORD = 0xB2
INS_VERIFY = 0x20
INS_CHANGE_PIN = 0x5E
INS_GET_CHALLENGE = 0x84
INS_INTERNAL_AUTH = 0x88
INS_GET_RESPONSE = 0xC0
# Instructions whose data field is secret (VERIFY, CHANGE PIN, ISO CHANGE REFERENCE DATA, RESET RETRY COUNTER).
SECRET_INS = frozenset({0x20, 0x24, 0x2C, 0x5E})

SW_OK = 0x9000


@dataclass(frozen=True)
class Command:
    """A command APDU. ``le`` is ``None`` for case 1/3; ``0`` means "whatever is there" (Le=00)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = field(default=b"", repr=False)
    le: int | None = None

    def to_bytes(self) -> bytes:
        """Short APDU encoding."""
        out = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le & 0xFF,))
        return out

    def with_le(self, le: int) -> Command:
        """The same command with another Le (6Cxx re-send)."""
        return Command(self.cla, self.ins, self.p1, self.p2, self.data, le)

    def __repr__(self) -> str:
        return f"Command({describe_apdu(self.to_bytes())})"


def describe_apdu(apdu: bytes) -> str:
    """Hex of a C-APDU for traces, with the data field of VERIFY / CHANGE PIN replaced by ``**``."""
    if len(apdu) > 5 and apdu[1] in SECRET_INS:
        return f"{apdu[:5].hex(' ').upper()} {' '.join(['**'] * (len(apdu) - 5))}"
    return apdu.hex(" ").upper()


def describe_response(data: bytes, sw: int) -> str:
    """Hex of an R-APDU for traces (responses never carry PINs)."""
    return f"{data.hex(' ').upper()} [{sw:04X}]".lstrip()


def select_by_name(name: bytes = SSSE_NAME) -> Command:
    """``00 A4 04 00 Lc name``."""
    return Command(0x00, INS_SELECT, 0x04, 0x00, name)


def select_fid(fid: bytes, p1: int = 0x02) -> Command:
    """``00 A4 02 00 02 FID`` (P1=00 also accepted by cards)."""
    return Command(0x00, INS_SELECT, p1, 0x00, fid)


def read_record_by_tag(sfi: int, tag: int, le: int = 0) -> Command:
    """``00 B2 tag (SFI<<3)|00 Le``: the record whose tag is ``tag``, without a SELECT."""
    return Command(0x00, INS_READ_RECORD, tag, (sfi << 3) | 0x00, le=le)


def read_record_by_number(sfi: int, number: int, le: int = 0) -> Command:
    """``00 B2 n (SFI<<3)|04 Le``: record number ``n``, without a SELECT."""
    return Command(0x00, INS_READ_RECORD, number, (sfi << 3) | 0x04, le=le)


def verify(pin: Pin | None) -> Command:
    """``00 20 00 00 Lc PIN``; with ``None``, the ISO 7816-4 status probe (no data: answers 63Cx / 6983 / 9000)."""
    return Command(0x00, INS_VERIFY, 0x00, 0x00, pin.to_bcd() if pin is not None else b"")


def change_pin(old: Pin, new: Pin) -> Command:
    """``80 5E 01 00 Lc old ‖ FF ‖ new``."""
    return Command(0x80, INS_CHANGE_PIN, 0x01, 0x00, old.to_bcd() + b"\xff" + new.to_bcd())


def get_challenge(length: int = 8) -> Command:
    """``00 84 00 00 08``."""
    return Command(0x00, INS_GET_CHALLENGE, 0x00, 0x00, le=length)


def internal_authenticate(challenge: bytes) -> Command:
    """``00 88 00 00 10 <16 bytes>`` (answer via 61xx + GET RESPONSE on T=0)."""
    return Command(0x00, INS_INTERNAL_AUTH, 0x00, 0x00, challenge)


def get_response(length: int) -> Command:
    """``00 C0 00 00 xx``."""
    return Command(0x00, INS_GET_RESPONSE, 0x00, 0x00, le=length)
