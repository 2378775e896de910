"""Slip key management: the master key file, signing keys (init, rotation, revocation), K_cc, the published keys.

Private keys and check-code keys are stored AES-256-GCM encrypted under a master key that lives in a file beside the
backend (``slips.master_key_file``), never in the database: a database dump alone cannot forge slips.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kiosk_backend.models import SlipCheckKey, SlipRevokedSerial, SlipSigningKey
from kiosk_backend.schemas import SlipKey, SlipKeys
from kiosk_backend.slips.signing import key_id, raw_public_key

MASTER_KEY_BYTES = 32
_NONCE_BYTES = 12


class SlipKeyError(Exception):
    """A key management request that cannot be done; ``code`` is stable, the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MasterKey:
    """The AES-256 key that seals the slip keys at rest."""

    key: bytes

    @classmethod
    def load(cls, path: Path) -> MasterKey:
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise SlipKeyError("no_master_key", f"no slip master key at {path}; run `kiosk-backend keys init`") from exc
        if len(data) != MASTER_KEY_BYTES:
            raise SlipKeyError("bad_master_key", f"{path} is not a {MASTER_KEY_BYTES}-byte key")
        return cls(data)

    @classmethod
    def load_or_create(cls, path: Path) -> MasterKey:
        """Load the key, or create it with mode 0600 (never overwrites an existing file)."""
        if path.exists():
            return cls.load(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(MASTER_KEY_BYTES)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return cls(key)

    def seal(self, data: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, data, context)

    def unseal(self, sealed: bytes, context: bytes) -> bytes:
        try:
            return AESGCM(self.key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)
        except InvalidTag as exc:
            raise SlipKeyError(
                "wrong_master_key", "the slip master key does not open the keys in the database"
            ) from exc


def _unix(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _new_signing_key(db: Session, master: MasterKey, now: datetime) -> SlipSigningKey:
    private = Ed25519PrivateKey.generate()
    public = raw_public_key(private.public_key())
    kid = key_id(public).hex()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    row = SlipSigningKey(
        kid=kid,
        public_key=public,
        private_key_enc=master.seal(raw_private, b"slip-signing-key|" + kid.encode()),
        created_at=now,
        not_before=now,
        not_after=None,
    )
    db.add(row)
    return row


def _new_check_key(db: Session, master: MasterKey, now: datetime) -> SlipCheckKey:
    latest = db.scalar(select(SlipCheckKey.version).order_by(SlipCheckKey.version.desc()).limit(1))
    version = (latest or 0) + 1
    row = SlipCheckKey(
        version=version,
        secret_enc=master.seal(secrets.token_bytes(32), b"slip-check-key|" + str(version).encode()),
        created_at=now,
    )
    db.add(row)
    return row


def init_keys(db: Session, master: MasterKey, now: datetime) -> tuple[SlipSigningKey, bool]:
    """Create the first signing key and K_cc; idempotent (returns the current key and ``False`` if they exist)."""
    current = db.scalar(_current_key_query())
    if current is not None:
        return current, False
    row = _new_signing_key(db, master, now)
    if db.scalar(select(SlipCheckKey.version).limit(1)) is None:
        _new_check_key(db, master, now)
    db.flush()
    return row, True


def rotate_keys(db: Session, master: MasterKey, now: datetime, validity_days: int) -> SlipSigningKey:
    """A new signing key (new kid) and K_cc version; the old key stops signing now and keeps verifying until
    ``not_after`` = now + the slip validity (+1 day), so every slip it signed stays checkable until it expires."""
    old = db.scalar(_current_key_query())
    if old is None:
        raise SlipKeyError("no_keys", "no slip signing key yet; run `kiosk-backend keys init`")
    current_signer(db, master)  # the master key must open the present keys before new ones are sealed with it
    check_key(db, master)
    old.retired_at = now
    old.not_after = now + timedelta(days=validity_days + 1)
    row = _new_signing_key(db, master, now)
    _new_check_key(db, master, now)
    db.flush()
    return row


def revoke_key(db: Session, kid: str, now: datetime) -> SlipSigningKey:
    """Withdraw a key: slips it signed verify as 已撤销 from now on. Issue with a new key (`keys rotate`) first."""
    row = db.get(SlipSigningKey, kid.lower())
    if row is None:
        raise SlipKeyError("unknown_key", f"no slip signing key {kid}")
    if row.revoked_at is None:
        row.revoked_at = now
        row.retired_at = row.retired_at or now
    db.flush()
    return row


def revoke_serial(db: Session, serial: str, reason: str, now: datetime) -> None:
    """Withdraw one slip; it is published among ``revoked_serials``."""
    if db.get(SlipRevokedSerial, serial) is None:
        db.add(SlipRevokedSerial(serial=serial, revoked_at=now, reason=reason[:200]))
        db.flush()


def _current_key_query() -> Select[Any]:
    return (
        select(SlipSigningKey)
        .where(SlipSigningKey.retired_at.is_(None), SlipSigningKey.revoked_at.is_(None))
        .order_by(SlipSigningKey.created_at.desc())
        .limit(1)
    )


def current_signer(db: Session, master: MasterKey) -> tuple[str, Ed25519PrivateKey]:
    """The kid and private key that sign new slips."""
    row = db.scalar(_current_key_query())
    if row is None:
        raise SlipKeyError("no_keys", "no slip signing key; run `kiosk-backend keys init`")
    raw = master.unseal(row.private_key_enc, b"slip-signing-key|" + row.kid.encode())
    return row.kid, Ed25519PrivateKey.from_private_bytes(raw)


def check_key(db: Session, master: MasterKey, version: int | None = None) -> tuple[int, bytes]:
    """K_cc of a version (default: the newest) and its version number."""
    query = select(SlipCheckKey)
    query = query.where(SlipCheckKey.version == version) if version is not None else query
    row = db.scalar(query.order_by(SlipCheckKey.version.desc()).limit(1))
    if row is None:
        raise SlipKeyError("no_keys", "no check-code key; run `kiosk-backend keys init`")
    return row.version, master.unseal(row.secret_enc, b"slip-check-key|" + str(row.version).encode())


def published_keys(db: Session) -> SlipKeys:
    """The JSON of ``/v1/slip-keys`` and of the export file: every key (revoked ones flagged) and revoked serials."""
    rows = db.scalars(select(SlipSigningKey).order_by(SlipSigningKey.created_at)).all()
    keys = [
        SlipKey(
            kid=row.kid,
            public_key=base64.b64encode(row.public_key).decode("ascii"),
            not_before=_unix(aware(row.not_before)) or 0,
            not_after=_unix(aware(row.not_after)) if row.not_after else None,
            revoked=row.revoked_at is not None,
        )
        for row in rows
    ]
    serials = db.scalars(select(SlipRevokedSerial.serial).order_by(SlipRevokedSerial.serial)).all()
    return SlipKeys(keys=keys, revoked_serials=list(serials))


def export_keys(db: Session, path: Path) -> SlipKeys:
    """Write the published keys to a file for offline verifiers (`kiosk verify-slip --public-key FILE`)."""
    keys = published_keys(db)
    path.write_text(keys.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return keys
