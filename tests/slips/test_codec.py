"""The pure slip codec (SLIP_SPEC §2–§3): serial, check code, canonical CBOR payload, blob, QR text, verification."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import random
import string
from dataclasses import replace
from datetime import date

import cbor2
import pytest
import qrcode
import qrcode.constants
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from kiosk.printing.qr import QrFlowable, _FastMaskQRCode, encode_qr, qr_matrix
from kiosk.printing.render import QR_SIZE
from kiosk_backend.schemas import SlipKey, SlipKeys
from kiosk_backend.slips.checkcode import CROCKFORD, check_code, check_code_matches, normalise_check_code
from kiosk_backend.slips.payload import (
    PayloadError,
    SlipPayload,
    SummaryEntry,
    build_body,
    details_digest,
    parse_body,
)
from kiosk_backend.slips.serial import SerialError, is_valid_serial, next_serial, parse_serial
from kiosk_backend.slips.signing import (
    blob_from_qr_text,
    key_id,
    qr_text,
    raw_public_key,
    sign_body,
    split_blob,
)
from kiosk_backend.slips.verify import Keyring, TrustedKey, verify_blob

NOW = 1_795_300_000


def payload(**changes: object) -> SlipPayload:
    base = SlipPayload(
        kind="QYJLD",
        serial="6401042026112200000017",
        issued_at=NOW,
        valid_until=NOW + 90 * 86400,
        region_code="640104",
        kiosk_id="NX-YC-0007",
        holder_name="张三",
        masked_id="111111********1110",
        summary=(SummaryEntry("110", 1, 201507, 202510, 124),),
        details_digest=details_digest([["2025-01", "4457.64", 12]]),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def keyring_for(key: Ed25519PrivateKey, *, revoked: bool = False, not_after: int | None = None) -> Keyring:
    public = raw_public_key(key.public_key())
    return Keyring((TrustedKey(key_id(public), public, NOW - 86400, not_after, revoked),))


# ---------------------------------------------------------------- serial
def test_serial_rule() -> None:
    assert next_serial("640104", date(2026, 11, 22), None) == "6401042026112200000001"
    assert next_serial("640104", date(2026, 11, 22), "6401042026112200000017") == "6401042026112200000018"
    parts = parse_serial("6401042026112200000017")
    assert (parts.region_code, parts.issue_date, parts.sequence) == ("640104", date(2026, 11, 22), 17)
    for bad in ("640104202611220000001", "6401042026113100000001", "6401042026112200000000", "64010420261122000000AB"):
        assert not is_valid_serial(bad)
    with pytest.raises(SerialError):
        next_serial("640104", date(2026, 11, 23), "6401042026112200000017")  # another day's serial


# ---------------------------------------------------------------- check code
def test_check_code_is_the_specified_hmac() -> None:
    import hmac

    digest = bytes(range(16))
    code = check_code(b"k" * 32, 3, "6401042026112200000017", digest)
    mac = hmac.new(b"k" * 32, b"SI-CC|3|6401042026112200000017|" + digest, hashlib.sha256).digest()
    value = int.from_bytes(mac[:8], "big") >> 4
    expected = "".join(CROCKFORD[(value >> s) & 31] for s in range(55, -1, -5))
    assert code == f"{expected[:4]}-{expected[4:8]}-{expected[8:]}"


def test_check_code_is_case_dash_and_alias_insensitive() -> None:
    code = check_code(b"secret", 1, "6401042026112200000017", b"\x00" * 16)
    plain = code.replace("-", "")
    assert check_code_matches(code, plain.lower())
    assert check_code_matches(code, " ".join(plain[i : i + 4] for i in (0, 4, 8)))
    assert check_code_matches(code, plain.replace("0", "o").replace("1", "l").lower())
    assert normalise_check_code("i0L1-abcd-efgh") == "1011ABCDEFGH"
    assert normalise_check_code("UUUU-UUUU-UUUU") is None  # U is not Crockford
    assert normalise_check_code("ABC") is None
    wrong = ("0" if plain[0] != "0" else "1") + plain[1:]
    assert not check_code_matches(code, wrong)


# ---------------------------------------------------------------- payload
def test_payload_round_trip_and_integer_keys() -> None:
    body = build_body(payload())
    assert parse_body(body) == payload()
    decoded = cbor2.loads(body)
    assert sorted(decoded) == list(range(11))
    assert decoded[8] == "111111********1110"
    assert body == cbor2.dumps(decoded, canonical=True)


def test_payload_refuses_what_build_would_not_write() -> None:
    decoded = cbor2.loads(build_body(payload()))
    decoded[9][0][4] = 124.0  # a float
    with pytest.raises(PayloadError):
        parse_body(cbor2.dumps(decoded, canonical=True))
    non_canonical = cbor2.dumps(dict(sorted(cbor2.loads(build_body(payload())).items(), reverse=True)))
    with pytest.raises(PayloadError) as refused:
        parse_body(non_canonical)
    assert refused.value.code == "non_canonical"
    with pytest.raises(PayloadError):
        build_body(payload(masked_id="111111199001011110"))  # a full ID never goes into the QR
    with pytest.raises(PayloadError):
        details_digest([["4457.64", 4457.64]])  # floats are refused in detail rows
    with pytest.raises(PayloadError):
        parse_body(b"\xff\x00garbage")


def test_strings_are_nfc() -> None:
    with pytest.raises(PayloadError):
        build_body(payload(holder_name="Zoe\u0301"))  # e + combining acute: not NFC
    assert parse_body(build_body(payload(holder_name="Zo\u00e9"))).holder_name == "Zo\u00e9"


@given(st.binary(max_size=300))
def test_parse_body_never_crashes(data: bytes) -> None:
    with contextlib.suppress(PayloadError):
        parse_body(data)


# ---------------------------------------------------------------- blob, QR text, verification
def test_blob_layout_signature_domain_and_qr_text() -> None:
    key = Ed25519PrivateKey.generate()
    body = build_body(payload())
    blob = sign_body(key, body)
    public = raw_public_key(key.public_key())
    assert blob.kid == hashlib.sha256(public).digest()[:4]
    key.public_key().verify(blob.signature, b"SISLIP1" + blob.kid + body)
    text = qr_text("https://yz.si.example.cn", blob.to_bytes())
    assert text.startswith("HTTPS://YZ.SI.EXAMPLE.CN/V/")
    assert "=" not in text
    assert set(text) <= set(string.ascii_uppercase + string.digits + " $%*+-./:")  # QR alphanumeric
    assert blob_from_qr_text(text) == blob.to_bytes()
    assert blob_from_qr_text(text.lower()) == blob.to_bytes()
    assert split_blob(blob.to_bytes()) == blob
    assert base64.b32encode(blob.to_bytes()).decode().rstrip("=") == text.rsplit("/", 1)[1]


def test_verification_outcomes() -> None:
    key = Ed25519PrivateKey.generate()
    data = sign_body(key, build_body(payload())).to_bytes()
    assert verify_blob(data, keyring_for(key), NOW + 10).reason == "ok"
    changed = bytearray(data)
    changed[20] ^= 0x01  # one byte of the payload
    assert (
        verify_blob(bytes(changed), keyring_for(key), NOW).status,
        verify_blob(bytes(changed), keyring_for(key), NOW).reason,
    ) == ("invalid", "bad_signature")
    expired = verify_blob(data, keyring_for(key), NOW + 91 * 86400)
    assert (expired.status, expired.reason) == ("expired", "expired")
    revoked = verify_blob(data, keyring_for(key, revoked=True), NOW)
    assert (revoked.status, revoked.reason) == ("revoked", "key_revoked")
    other = verify_blob(data, keyring_for(Ed25519PrivateKey.generate()), NOW)
    assert (other.status, other.reason) == ("invalid", "unknown_key")
    ring = keyring_for(key)
    withdrawn = Keyring(ring.keys, frozenset({"6401042026112200000017"}))
    assert verify_blob(data, withdrawn, NOW).reason == "serial_revoked"
    assert verify_blob(data[:40], ring, NOW).reason == "truncated"
    late = keyring_for(key, not_after=NOW - 1)  # key ended before this slip was issued
    assert verify_blob(data, late, NOW).reason == "key_not_valid"


def test_keyring_from_published_json() -> None:
    key = Ed25519PrivateKey.generate()
    public = raw_public_key(key.public_key())
    wire = SlipKeys(
        keys=[
            SlipKey(
                kid=key_id(public).hex(), public_key=base64.b64encode(public).decode(), not_before=0, not_after=None
            )
        ],
        revoked_serials=["6401042026112200000001"],
    )
    ring = Keyring.from_json(wire.model_dump_json())
    assert ring.find(key_id(public)) is not None
    assert "6401042026112200000001" in ring.revoked_serials


# ---------------------------------------------------------------- QR encoding
def test_fast_mask_choice_equals_the_library() -> None:
    rng = random.Random(7)
    for _ in range(12):
        text = "HTTP://127.0.0.1:8470/V/" + "".join(
            rng.choice(string.ascii_uppercase + "234567") for _ in range(rng.randint(10, 450))
        )
        reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        reference.add_data(text, optimize=0)
        reference.make()
        fast = _FastMaskQRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        fast.add_data(text, optimize=0)
        fast.make()
        assert fast.get_matrix() == reference.get_matrix()


def test_qr_modules_are_at_least_half_a_millimetre() -> None:
    for length in (300, 365, 520):
        flowable = QrFlowable("HTTP://127.0.0.1:8470/V/" + "A" * length, QR_SIZE)
        assert flowable.size / flowable.code.modules >= 0.5 * 72 / 25.4 - 1e-9


def test_qr_path_draws_exactly_the_dark_modules() -> None:
    text = "HTTP://127.0.0.1:8470/V/" + "ABC234" * 60
    matrix, version = qr_matrix(text)
    code = encode_qr(text)
    assert (code.modules, code.version) == (len(matrix), version)
    drawn = [[False] * code.modules for _ in range(code.modules)]
    for rect in code.path.split(" re"):
        if rect.strip():
            col, y, length, height = (int(v) for v in rect.split())
            assert height == 1
            for c in range(col, col + length):
                drawn[code.modules - 1 - y][c] = True
    assert drawn == matrix


def test_qr_is_alphanumeric_ecc_m() -> None:
    text = "HTTP://127.0.0.1:8470/V/" + "A" * 365
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text, optimize=0)
    assert code.data_list[0].mode == qrcode.util.MODE_ALPHA_NUM
    _matrix, version = qr_matrix(text)
    assert 10 <= version <= 12
