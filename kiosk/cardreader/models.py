"""What the card holds (EF05, EF06), parsed and checked; ``repr`` masks the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk.cardreader.codec import decode_bcd, decode_date, decode_text, expect_length, parse_tlv
from kiosk.cardreader.errors import CardDataInvalid, InvalidIdentity
from kiosk_backend.identifiers import is_valid_card_no, is_valid_ssn, mask_name, mask_ssn, mask_tail

CARD_ID_RID = bytes.fromhex("D156000005")

# EF05 tags (CARD_SPEC §2)
TAG_CARD_ID, TAG_CARD_TYPE, TAG_VERSION, TAG_ISSUER, TAG_ISSUED, TAG_EXPIRES, TAG_CARD_NO = range(1, 8)
# EF06 tags
TAG_SSN, TAG_NAME, TAG_SEX, TAG_ETHNIC, TAG_BIRTHPLACE, TAG_BIRTH_DATE, TAG_NAME_EXT = (
    0x08,
    0x09,
    0x0A,
    0x0B,
    0x0C,
    0x0D,
    0x4E,
)
# What a login needs (fewest APDUs) and what ``card-info`` shows (everything).
EF05_LOGIN_TAGS = (TAG_CARD_ID, TAG_VERSION, TAG_EXPIRES, TAG_CARD_NO)
EF05_ALL_TAGS = (TAG_CARD_ID, TAG_CARD_TYPE, TAG_VERSION, TAG_ISSUER, TAG_ISSUED, TAG_EXPIRES, TAG_CARD_NO)
EF06_LOGIN_TAGS = (TAG_SSN, TAG_NAME)
EF06_ALL_TAGS = (TAG_SSN, TAG_NAME, TAG_SEX, TAG_ETHNIC, TAG_BIRTHPLACE, TAG_BIRTH_DATE)


@dataclass(frozen=True, repr=False)
class CardIdentification:
    """EF05 (readable without PIN). Optional items are ``None`` when not read."""

    card_id: bytes
    version: str
    expires: date
    card_no: str
    card_type: str | None = None
    issuer: bytes | None = None
    issued: date | None = None

    @property
    def region(self) -> str:
        """Issuing region code (first 3 BCD bytes of 卡识别码)."""
        return self.card_id[:3].hex().upper()

    @property
    def serial(self) -> bytes:
        """Card serial (also the last 4 ATR bytes)."""
        return self.card_id[8:12]

    @property
    def is_v3(self) -> bool:
        """A 3.0 card: EF06 needs the PIN and may hold a name extension (4E)."""
        return self.version.startswith("3")

    def is_expired(self, today: date) -> bool:
        """卡有效期 is in the past."""
        return self.expires < today

    def __repr__(self) -> str:
        return f"CardIdentification(card_no={mask_tail(self.card_no)}, version={self.version}, expires={self.expires})"


@dataclass(frozen=True, repr=False)
class HolderInfo:
    """EF06: the holder. ``name`` already joins 09 ‖ 4E."""

    ssn: str
    name: str
    sex: str | None = None
    ethnic: str | None = None
    birthplace: str | None = None
    birth_date: date | None = None

    def __repr__(self) -> str:
        return f"HolderInfo(ssn={mask_ssn(self.ssn)}, name={mask_name(self.name)})"


def parse_ef05(records: dict[int, bytes]) -> CardIdentification:
    """Records keyed by tag (raw TLV bytes) → :class:`CardIdentification`; missing optional tags stay ``None``."""

    def value(tag: int) -> bytes:
        if tag not in records:
            raise CardDataInvalid(f"EF05 record {tag:02X} is missing")
        return parse_tlv(records[tag], tag)

    card_id = expect_length(value(TAG_CARD_ID), 16, "卡识别码")
    if card_id[3:8] != CARD_ID_RID:
        raise CardDataInvalid("卡识别码 does not carry the social security RID")
    decode_bcd(card_id[:3], "卡识别码 region")
    version = decode_text(value(TAG_VERSION), "规范版本", 4)
    if len(version) != 4 or not version[0].isdigit():
        raise CardDataInvalid("规范版本 is not a version")
    card_no = decode_text(value(TAG_CARD_NO), "卡号", 9)
    if not is_valid_card_no(card_no):
        raise InvalidIdentity("卡号 has a wrong check character")
    return CardIdentification(
        card_id=card_id,
        version=version,
        expires=decode_date(value(TAG_EXPIRES), "卡有效期"),
        card_no=card_no,
        card_type=decode_text(value(TAG_CARD_TYPE), "卡的类别", 1) if TAG_CARD_TYPE in records else None,
        issuer=expect_length(value(TAG_ISSUER), 12, "初始化机构编号") if TAG_ISSUER in records else None,
        issued=decode_date(value(TAG_ISSUED), "发卡日期") if TAG_ISSUED in records else None,
    )


def parse_ef06(records: dict[int, bytes]) -> HolderInfo:
    """Records keyed by tag → :class:`HolderInfo`; the ID check character is verified (CARD_SPEC §7)."""

    def value(tag: int) -> bytes:
        if tag not in records:
            raise CardDataInvalid(f"EF06 record {tag:02X} is missing")
        return parse_tlv(records[tag], tag)

    ssn = decode_text(value(TAG_SSN), "社会保障号码", 18)
    if not is_valid_ssn(ssn):
        raise InvalidIdentity("社会保障号码 has a wrong check character")
    name = decode_text(value(TAG_NAME), "姓名", 30)
    if TAG_NAME_EXT in records:  # an all-00 extension decodes to "" and is treated as absent
        name += decode_text(value(TAG_NAME_EXT), "姓名扩展", 20)
    if not name:
        raise CardDataInvalid("姓名 is empty")
    sex = decode_text(value(TAG_SEX), "性别", 1) if TAG_SEX in records else None
    if sex is not None and sex not in ("1", "2", "9", "0"):
        raise CardDataInvalid("性别 is not a GB/T 2261 code")
    birthplace = value(TAG_BIRTHPLACE) if TAG_BIRTHPLACE in records else None
    return HolderInfo(
        ssn=ssn,
        name=name,
        sex=sex,
        ethnic=decode_bcd(expect_length(value(TAG_ETHNIC), 1, "民族"), "民族") if TAG_ETHNIC in records else None,
        birthplace=decode_bcd(expect_length(birthplace, 3, "出生地"), "出生地") if birthplace is not None else None,
        birth_date=decode_date(value(TAG_BIRTH_DATE), "出生日期") if TAG_BIRTH_DATE in records else None,
    )
