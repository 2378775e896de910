"""SQLAlchemy 2 models of the records service. Money is stored in fen (integers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic diffs stay clean on SQLite and PostgreSQL)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Kiosk(Base):
    """A registered kiosk: its API token is stored only as a hash."""

    __tablename__ = "kiosk"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="in_service")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# ---------------------------------------------------------------- record slips (SLIP_SPEC.md, issue #6)
class SlipSigningKey(Base):
    """An Ed25519 slip signing key. The private key is AES-GCM encrypted under the backend's master key file
    (``slips.master_key_file``); it never leaves the backend. The newest unrevoked, unretired key signs."""

    __tablename__ = "slip_signing_key"

    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SlipCheckKey(Base):
    """K_cc, the HMAC key of check codes, by version (encrypted like the signing keys)."""

    __tablename__ = "slip_check_key"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SlipRevokedSerial(Base):
    """A withdrawn slip: published in ``/v1/slip-keys`` so offline verifiers refuse it too."""

    __tablename__ = "slip_revoked_serial"

    serial: Mapped[str] = mapped_column(String(22), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(200), default="")


class Slip(Base):
    """The archive of every issued slip: the signed body, the printed content, and what happened at the printer."""

    __tablename__ = "slip"

    serial: Mapped[str] = mapped_column(String(22), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    holder_ref: Mapped[str] = mapped_column(String(64), index=True)  # person reference; a foreign key after #3
    kiosk_id: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kid: Mapped[str] = mapped_column(String(8))
    check_key_version: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the signed CBOR body
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    details_digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # the SlipDocument as printed, without check code
    status: Mapped[str] = mapped_column(String(16), default="issued")  # issued / printed / failed
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reprint_count: Mapped[int] = mapped_column(Integer, default=0)


class SlipLookup(Base):
    """Every verification lookup (web page, form, API): when, who asked (client address), what, and the answer."""

    __tablename__ = "slip_lookup"
    __table_args__ = (
        Index("ix_slip_lookup_serial_at", "serial", "at"),
        Index("ix_slip_lookup_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client: Mapped[str] = mapped_column(String(64))
    door: Mapped[str] = mapped_column(String(8))  # qr / form
    serial: Mapped[str | None] = mapped_column(String(22), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # genuine / expired / revoked / invalid / limited
    reason: Mapped[str] = mapped_column(String(32))
