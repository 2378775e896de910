"""card services: card-less loss reports (SMS challenge + ticket), DB-backed rate counters, SMS outbox

Revision ID: 0700_card_services
Revises: 0200_fleet
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0700_card_services"
down_revision = "0200_fleet"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "loss_report",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", BigId, nullable=True),
        sa.Column("card_pk", BigId, nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_hash", sa.String(length=64), nullable=True),
        sa.Column("ticket_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["card_pk"], ["card.id"], name=op.f("fk_loss_report_card_pk_card")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_loss_report_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loss_report")),
        sa.UniqueConstraint("reference", name=op.f("uq_loss_report_reference")),
        sa.UniqueConstraint("ticket_hash", name=op.f("uq_loss_report_ticket_hash")),
    )
    op.create_index(op.f("ix_loss_report_created_at"), "loss_report", ["created_at"], unique=False)
    op.create_table(
        "rate_counter",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "window", name=op.f("pk_rate_counter")),
    )
    op.create_table(
        "sms_outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("status_change_id", BigId, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["card_status_change.id"],
            name=op.f("fk_sms_outbox_status_change_id_card_status_change"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_outbox")),
    )
    op.create_index(op.f("ix_sms_outbox_created_at"), "sms_outbox", ["created_at"], unique=False)
    op.create_index(op.f("ix_sms_outbox_sent_at"), "sms_outbox", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_outbox_sent_at"), table_name="sms_outbox")
    op.drop_index(op.f("ix_sms_outbox_created_at"), table_name="sms_outbox")
    op.drop_table("sms_outbox")
    op.drop_table("rate_counter")
    op.drop_index(op.f("ix_loss_report_created_at"), table_name="loss_report")
    op.drop_table("loss_report")
