"""Card authentication crypto of CARD_SPEC.md §5 (SM4 via ``cryptography``): one source for card and backend."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sm4_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    """SM4-ECB of ``data`` (a multiple of 16 bytes) under the 16-byte ``key``."""
    if len(key) != 16 or len(data) % 16:
        raise ValueError("SM4-ECB needs a 16-byte key and whole 16-byte blocks")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def derive_card_key(issuer_key: bytes, atr: bytes) -> bytes:
    """``K_card = SM4_ECB(K_issuer, last 8 ATR bytes ‖ their bitwise complement)``."""
    factor = atr[-8:]
    if len(factor) != 8:
        raise ValueError("the ATR is too short for key diversification")
    return sm4_ecb_encrypt(issuer_key, factor + bytes(b ^ 0xFF for b in factor))


def internal_authenticate(card_key: bytes, challenge: bytes) -> bytes:
    """What the card answers to INTERNAL AUTHENTICATE: ``SM4_ECB(K_card, challenge)`` (16 bytes)."""
    if len(challenge) != 16:
        raise ValueError("the challenge is 16 bytes")
    return sm4_ecb_encrypt(card_key, challenge)
