"""One answer for every verification door: genuine / expired / revoked / invalid, with a stable reason."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from kiosk_backend.schemas import SlipKeys
from kiosk_backend.slips.payload import PayloadError, SlipPayload, parse_body
from kiosk_backend.slips.signing import BlobError, signature_valid, split_blob

Status = Literal["genuine", "expired", "revoked", "invalid"]

STATUS_TEXT: dict[Status, tuple[str, str]] = {
    "genuine": ("真实有效", "Genuine"),
    "expired": ("已过期", "Expired"),
    "revoked": ("已撤销", "Revoked"),
    "invalid": ("无效", "Invalid"),
}
REASON_TEXT: dict[str, tuple[str, str]] = {
    "ok": ("签名与内容核验一致", "signature and content verified"),
    "expired": ("已超过有效期", "past its validity date"),
    "serial_revoked": ("此权益单已被撤销", "this slip was revoked"),
    "key_expired": ("签发密钥已过有效期", "the signing key is past its end of validity"),
    "key_revoked": ("签发密钥已被撤销", "the signing key was revoked"),
    "key_not_valid": ("签发时密钥不在有效期内", "the key was not valid when the slip was issued"),
    "unknown_key": ("签发密钥未知", "unknown signing key"),
    "bad_signature": ("签名不符，内容可能被篡改", "signature does not match; the content may have been altered"),
    "truncated": ("二维码内容不完整", "the QR content is incomplete"),
    "bad_base32": ("二维码内容无法识别", "the QR content cannot be read"),
    "malformed_cbor": ("二维码内容格式错误", "the QR content is malformed"),
    "malformed_payload": ("二维码内容格式错误", "the QR content is malformed"),
    "non_canonical": ("二维码内容格式错误", "the QR content is malformed"),
    "unsupported_version": ("不支持的版本", "unsupported format version"),
    "unknown_serial": ("查询流水号不存在", "no slip with this serial"),
    "bad_serial": ("查询流水号格式错误（应为22位数字）", "the serial must be 22 digits"),
    "wrong_check_code": ("校验码不正确", "wrong check code"),
    "bad_check_code": ("校验码格式错误（应为12位）", "the check code must be 12 characters"),
    "archive_mismatch": ("与存档不一致", "does not match the archived slip"),
}


@dataclass(frozen=True)
class TrustedKey:
    """A public key an offline verifier trusts, with its validity window (Unix seconds)."""

    kid: bytes
    public_key: bytes
    not_before: int
    not_after: int | None
    revoked: bool


@dataclass(frozen=True)
class Keyring:
    """The keys and revoked serials published at ``/v1/slip-keys`` (or loaded from the exported file)."""

    keys: tuple[TrustedKey, ...]
    revoked_serials: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_wire(cls, wire: SlipKeys) -> Keyring:
        keys = tuple(
            TrustedKey(
                kid=bytes.fromhex(key.kid),
                public_key=base64.b64decode(key.public_key),
                not_before=key.not_before,
                not_after=key.not_after,
                revoked=key.revoked,
            )
            for key in wire.keys
        )
        return cls(keys, frozenset(wire.revoked_serials))

    @classmethod
    def from_json(cls, text: str | bytes) -> Keyring:
        """Parse the published JSON; raises ``pydantic.ValidationError`` when it is not a keys document."""
        return cls.from_wire(SlipKeys.model_validate_json(text))

    def find(self, kid: bytes) -> TrustedKey | None:
        return next((key for key in self.keys if key.kid == kid), None)


@dataclass(frozen=True)
class Verification:
    """The outcome: ``status`` for people, ``reason`` (stable code) for machines and logs."""

    status: Status
    reason: str
    payload: SlipPayload | None = None
    kid: str | None = None

    @property
    def genuine(self) -> bool:
        return self.status == "genuine"

    def text(self, language: Literal["zh", "en"] = "zh") -> str:
        index = 0 if language == "zh" else 1
        return f"{STATUS_TEXT[self.status][index]}：{REASON_TEXT.get(self.reason, (self.reason, self.reason))[index]}"


def invalid(reason: str, payload: SlipPayload | None = None) -> Verification:
    return Verification("invalid", reason, payload)


def verify_blob(data: bytes, keyring: Keyring, now: int) -> Verification:
    """Check a blob offline: signature under a trusted key, well-formed body, key and slip validity, revocation."""
    try:
        blob = split_blob(data)
    except BlobError as exc:
        return invalid(exc.code)
    key = keyring.find(blob.kid)
    if key is None:
        return Verification("invalid", "unknown_key", kid=blob.kid.hex())
    if not signature_valid(key.public_key, blob):
        return Verification("invalid", "bad_signature", kid=blob.kid.hex())
    try:
        payload = parse_body(blob.body)
    except PayloadError as exc:
        return Verification("invalid", exc.code, kid=blob.kid.hex())
    return judge(payload, key, keyring.revoked_serials, now)


def judge(payload: SlipPayload, key: TrustedKey, revoked_serials: Iterable[str], now: int) -> Verification:
    """Status of a slip whose signature verified under ``key``."""
    kid = key.kid.hex()
    if key.revoked:
        return Verification("revoked", "key_revoked", payload, kid)
    if payload.issued_at < key.not_before or (key.not_after is not None and payload.issued_at > key.not_after):
        return Verification("invalid", "key_not_valid", payload, kid)
    if payload.serial in set(revoked_serials):
        return Verification("revoked", "serial_revoked", payload, kid)
    if now > payload.valid_until:
        return Verification("expired", "expired", payload, kid)
    if key.not_after is not None and now > key.not_after:
        return Verification("expired", "key_expired", payload, kid)
    return Verification("genuine", "ok", payload, kid)
