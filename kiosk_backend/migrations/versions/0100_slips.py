"""record slips: signing keys, check-code keys, revoked serials, slip archive, lookup log (issue #6)

Revision ID: 0100_slips
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0100_slips"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slip_signing_key",
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("private_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_slip_signing_key")),
    )
    op.create_table(
        "slip_check_key",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_slip_check_key")),
    )
    op.create_table(
        "slip_revoked_serial",
        sa.Column("serial", sa.String(length=22), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_slip_revoked_serial")),
    )
    op.create_table(
        "slip",
        sa.Column("serial", sa.String(length=22), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("holder_ref", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("check_key_version", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("details_digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reprint_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_slip")),
    )
    op.create_index(op.f("ix_slip_holder_ref"), "slip", ["holder_ref"], unique=False)
    op.create_table(
        "slip_lookup",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("door", sa.String(length=8), nullable=False),
        sa.Column("serial", sa.String(length=22), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slip_lookup")),
    )
    op.create_index("ix_slip_lookup_serial_at", "slip_lookup", ["serial", "at"], unique=False)
    op.create_index("ix_slip_lookup_client_at", "slip_lookup", ["client", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_slip_lookup_client_at", table_name="slip_lookup")
    op.drop_index("ix_slip_lookup_serial_at", table_name="slip_lookup")
    op.drop_table("slip_lookup")
    op.drop_index(op.f("ix_slip_holder_ref"), table_name="slip")
    op.drop_table("slip")
    op.drop_table("slip_revoked_serial")
    op.drop_table("slip_check_key")
    op.drop_table("slip_signing_key")
