"""Ed25519 signing of slip bodies, the blob and the QR text (SLIP_SPEC §3)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DOMAIN = b"SISLIP1"
KID_BYTES = 4
SIGNATURE_BYTES = 64
QR_PATH = "/V/"


class BlobError(ValueError):
    """Text or bytes that cannot be a slip blob; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Blob:
    """``kid ‖ body ‖ signature(64)``."""

    kid: bytes
    body: bytes
    signature: bytes

    def to_bytes(self) -> bytes:
        return self.kid + self.body + self.signature


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key_raw: bytes) -> bytes:
    """``kid`` = first 4 bytes of SHA-256 of the raw public key."""
    return hashlib.sha256(public_key_raw).digest()[:KID_BYTES]


def _signed_message(kid: bytes, body: bytes) -> bytes:
    return DOMAIN + kid + body


def sign_body(private_key: Ed25519PrivateKey, body: bytes) -> Blob:
    """Sign ``b"SISLIP1" ‖ kid ‖ body`` and return the blob."""
    kid = key_id(raw_public_key(private_key.public_key()))
    return Blob(kid, body, private_key.sign(_signed_message(kid, body)))


def signature_valid(public_key_raw: bytes, blob: Blob) -> bool:
    """True when the blob's signature verifies under this raw public key."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(blob.signature, _signed_message(blob.kid, blob.body))
    except (InvalidSignature, ValueError):
        return False
    return True


def split_blob(data: bytes) -> Blob:
    """Split raw blob bytes into its parts."""
    if len(data) <= KID_BYTES + SIGNATURE_BYTES:
        raise BlobError("truncated", "the slip code is too short")
    return Blob(data[:KID_BYTES], data[KID_BYTES:-SIGNATURE_BYTES], data[-SIGNATURE_BYTES:])


def blob_to_base32(data: bytes) -> str:
    """RFC 4648 base32, no ``=`` padding."""
    return base64.b32encode(data).decode("ascii").rstrip("=")


def blob_from_base32(text: str) -> bytes:
    """Inverse of ``blob_to_base32``; case-insensitive."""
    cleaned = text.strip().upper()
    if not cleaned or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in cleaned):
        raise BlobError("bad_base32", "the slip code is not base32")
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except binascii.Error as exc:
        raise BlobError("bad_base32", "the slip code is not base32") from exc


def qr_text(verify_base_url: str, blob: bytes) -> str:
    """``<VERIFY_BASE_URL upper-case>/V/<base32 blob>`` — only QR alphanumeric characters."""
    return verify_base_url.rstrip("/").upper() + QR_PATH + blob_to_base32(blob)


def blob_from_qr_text(text: str) -> bytes:
    """The blob inside QR text (a URL ending in ``/V/<base32>``, or the bare base32)."""
    stripped = text.strip()
    marker = stripped.upper().rfind(QR_PATH)
    code = stripped[marker + len(QR_PATH) :] if marker >= 0 else stripped
    return blob_from_base32(code.split("?")[0].split("#")[0].rstrip("/"))
