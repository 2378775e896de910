"""校验码: HMAC-SHA256 over the serial and details digest, 60 bits in Crockford Base32 (SLIP_SPEC §2)."""

from __future__ import annotations

import hashlib
import hmac

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_CODE_CHARS = 12
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_code(k_cc: bytes, key_version: int, serial: str, details_digest: bytes) -> str:
    """``HMAC-SHA256(K_cc, "SI-CC|" ‖ version ‖ "|" ‖ serial ‖ "|" ‖ digest)``, first 60 bits, ``XXXX-XXXX-XXXX``."""
    message = b"SI-CC|" + str(key_version).encode("ascii") + b"|" + serial.encode("ascii") + b"|" + details_digest
    mac = hmac.new(k_cc, message, hashlib.sha256).digest()
    value = int.from_bytes(mac[:8], "big") >> 4  # first 60 bits
    chars = "".join(CROCKFORD[(value >> shift) & 31] for shift in range(55, -1, -5))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalise_check_code(text: str) -> str | None:
    """Upper-case, strip ``-`` and spaces, O→0, I/L→1; ``None`` when the result cannot be a check code."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_ALIASES)
    if len(cleaned) != CHECK_CODE_CHARS or any(c not in CROCKFORD for c in cleaned):
        return None
    return cleaned


def check_code_matches(expected: str, typed: str) -> bool:
    """Constant-time comparison of a typed check code with the expected one, after normalisation."""
    normal = normalise_check_code(typed)
    reference = normalise_check_code(expected)
    if normal is None or reference is None:
        return False
    return hmac.compare_digest(normal, reference)
