"""fleet: kiosk heartbeats and service commands, uploaded kiosk journals

Revision ID: 0200_fleet
Revises: 0100_slips
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0200_fleet"
down_revision = "0100_slips"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fleet_state",
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("software_version", sa.String(length=32), nullable=False),
        sa.Column("service_state", sa.String(length=16), nullable=False),
        sa.Column("fault", sa.String(length=64), nullable=True),
        sa.Column("devices", sa.Text(), nullable=False),
        sa.Column("counters", sa.Text(), nullable=False),
        sa.Column("journal_seq", sa.BigInteger(), nullable=False),
        sa.Column("journal_hash", sa.String(length=64), nullable=False),
        sa.Column("command_mode", sa.String(length=16), nullable=False),
        sa.Column("command_reason", sa.String(length=80), nullable=False),
        sa.Column("command_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosk.id"], name=op.f("fk_fleet_state_kiosk_id_kiosk")),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_fleet_state")),
    )
    op.create_table(
        "kiosk_journal_entry",
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosk.id"], name=op.f("fk_kiosk_journal_entry_kiosk_id_kiosk")),
        sa.PrimaryKeyConstraint("kiosk_id", "seq", name=op.f("pk_kiosk_journal_entry")),
    )


def downgrade() -> None:
    op.drop_table("kiosk_journal_entry")
    op.drop_table("fleet_state")
