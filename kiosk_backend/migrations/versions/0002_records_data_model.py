"""records data model

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=True),
    sa.Column('person_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('employer',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('injury_rate_permille', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer')),
    sa.UniqueConstraint('code', name=op.f('uq_employer_code'))
    )
    op.create_table('idempotency_key',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.SmallInteger(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('kiosk_id', 'key', name='uq_idempotency_key_kiosk_key')
    )
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_key_created_at'), ['created_at'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ssn', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('ethnic', sa.String(length=2), nullable=False),
    sa.Column('household_region', sa.String(length=6), nullable=False),
    sa.Column('household_type', sa.String(length=8), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('work_start', sa.Date(), nullable=True),
    sa.Column('persona', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('ssn', name=op.f('uq_person_ssn'))
    )
    op.create_table('benefit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('insurance', sa.String(length=3), nullable=False),
    sa.Column('approval_no', sa.String(length=24), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('start_period', sa.Integer(), nullable=False),
    sa.Column('end_period', sa.Integer(), nullable=True),
    sa.Column('monthly_amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_benefit_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit')),
    sa.UniqueConstraint('approval_no', name=op.f('uq_benefit_approval_no'))
    )
    with op.batch_alter_table('benefit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_person_id'), ['person_id'], unique=False)

    op.create_table('card',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('card_no', sa.String(length=9), nullable=False),
    sa.Column('card_id', sa.String(length=32), nullable=False),
    sa.Column('atr', sa.String(length=34), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('bank', sa.String(length=40), nullable=False),
    sa.Column('bank_account', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('loss_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_card_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card')),
    sa.UniqueConstraint('atr', name=op.f('uq_card_atr')),
    sa.UniqueConstraint('card_id', name=op.f('uq_card_card_id')),
    sa.UniqueConstraint('card_no', name=op.f('uq_card_card_no'))
    )
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_person_id'), ['person_id'], unique=False)

    op.create_table('contribution',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=13), nullable=False),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('base', sa.Integer(), nullable=False),
    sa.Column('pension_unit', sa.Integer(), nullable=False),
    sa.Column('pension_personal', sa.Integer(), nullable=False),
    sa.Column('medical_unit', sa.Integer(), nullable=False),
    sa.Column('medical_personal', sa.Integer(), nullable=False),
    sa.Column('unemployment_unit', sa.Integer(), nullable=False),
    sa.Column('unemployment_personal', sa.Integer(), nullable=False),
    sa.Column('injury_unit', sa.Integer(), nullable=False),
    sa.Column('maternity_unit', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employer.id'], name=op.f('fk_contribution_employer_id_employer')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_contribution_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', 'period', 'kind', name=op.f('pk_contribution'))
    )
    op.create_table('enrolment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('insurance', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=1), nullable=False),
    sa.Column('start_period', sa.Integer(), nullable=False),
    sa.Column('end_period', sa.Integer(), nullable=True),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employer.id'], name=op.f('fk_enrolment_employer_id_employer')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_enrolment_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment'))
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_person_id'), ['person_id'], unique=False)

    op.create_table('injury_determination',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decision_no', sa.String(length=24), nullable=False),
    sa.Column('accident_date', sa.Date(), nullable=False),
    sa.Column('determined_on', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('description', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employer.id'], name=op.f('fk_injury_determination_employer_id_employer')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_injury_determination_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_injury_determination')),
    sa.UniqueConstraint('decision_no', name=op.f('uq_injury_determination_decision_no'))
    )
    with op.batch_alter_table('injury_determination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_injury_determination_person_id'), ['person_id'], unique=False)

    op.create_table('medical_account',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_medical_account_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_medical_account'))
    )
    op.create_table('medical_account_txn',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_medical_account_txn_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_account_txn'))
    )
    with op.batch_alter_table('medical_account_txn', schema=None) as batch_op:
        batch_op.create_index('ix_medical_account_txn_person_time', ['person_id', 'occurred_at'], unique=False)

    op.create_table('medical_contract',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('institution', sa.String(length=60), nullable=False),
    sa.Column('disease', sa.String(length=40), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_medical_contract_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_contract'))
    )
    with op.batch_alter_table('medical_contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medical_contract_person_id'), ['person_id'], unique=False)

    op.create_table('medical_visit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('institution', sa.String(length=60), nullable=False),
    sa.Column('diagnosis', sa.String(length=60), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('fund_paid', sa.Integer(), nullable=False),
    sa.Column('account_paid', sa.Integer(), nullable=False),
    sa.Column('self_paid', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_medical_visit_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_visit'))
    )
    with op.batch_alter_table('medical_visit', schema=None) as batch_op:
        batch_op.create_index('ix_medical_visit_person_date', ['person_id', 'visit_date'], unique=False)

    op.create_table('one_time_benefit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('insurance', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_one_time_benefit_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_benefit'))
    )
    with op.batch_alter_table('one_time_benefit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_benefit_person_id'), ['person_id'], unique=False)

    op.create_table('pension_account_year',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('insurance', sa.String(length=3), nullable=False),
    sa.Column('months', sa.SmallInteger(), nullable=False),
    sa.Column('opening', sa.BigInteger(), nullable=False),
    sa.Column('credits', sa.BigInteger(), nullable=False),
    sa.Column('interest', sa.BigInteger(), nullable=False),
    sa.Column('closing', sa.BigInteger(), nullable=False),
    sa.Column('rate_bp', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_pension_account_year_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', 'year', name=op.f('pk_pension_account_year'))
    )
    op.create_table('service_case',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_no', sa.String(length=24), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_service_case_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_case')),
    sa.UniqueConstraint('case_no', name=op.f('uq_service_case_case_no'))
    )
    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_case_person_id'), ['person_id'], unique=False)

    op.create_table('slip',
    sa.Column('slip_no', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_slip_person_id_person')),
    sa.PrimaryKeyConstraint('slip_no', name=op.f('pk_slip'))
    )
    with op.batch_alter_table('slip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slip_person_id'), ['person_id'], unique=False)

    op.create_table('staff',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_staff_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_staff'))
    )
    op.create_table('transfer',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('insurance', sa.String(length=3), nullable=False),
    sa.Column('from_region', sa.String(length=6), nullable=False),
    sa.Column('to_region', sa.String(length=6), nullable=False),
    sa.Column('from_period', sa.Integer(), nullable=False),
    sa.Column('to_period', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('fund_amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_transfer_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer'))
    )
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_person_id'), ['person_id'], unique=False)

    op.create_table('benefit_component',
    sa.Column('benefit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefit.id'], name=op.f('fk_benefit_component_benefit_id_benefit')),
    sa.PrimaryKeyConstraint('benefit_id', 'item', name=op.f('pk_benefit_component'))
    )
    op.create_table('benefit_payment',
    sa.Column('benefit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('bank_account_tail', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefit.id'], name=op.f('fk_benefit_payment_benefit_id_benefit')),
    sa.PrimaryKeyConstraint('benefit_id', 'period', name=op.f('pk_benefit_payment'))
    )
    op.create_table('card_challenge',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('card_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('challenge', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['card_pk'], ['card.id'], name=op.f('fk_card_challenge_card_pk_card')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_challenge'))
    )
    with op.batch_alter_table('card_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_challenge_expires_at'), ['expires_at'], unique=False)

    op.create_table('card_status_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('card_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['card_pk'], ['card.id'], name=op.f('fk_card_status_change_card_pk_card')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_status_change'))
    )
    with op.batch_alter_table('card_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_status_change_card_pk'), ['card_pk'], unique=False)

    op.create_table('case_step',
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.SmallInteger(), nullable=False),
    sa.Column('step', sa.String(length=24), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('office', sa.String(length=40), nullable=False),
    sa.Column('result', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_case.id'], name=op.f('fk_case_step_case_id_service_case')),
    sa.PrimaryKeyConstraint('case_id', 'seq', name=op.f('pk_case_step'))
    )
    op.create_table('citizen_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('card_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['card_pk'], ['card.id'], name=op.f('fk_citizen_session_card_pk_card')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_citizen_session_person_id_person')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_citizen_session'))
    )
    with op.batch_alter_table('citizen_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_session_person_id'), ['person_id'], unique=False)

    op.create_table('disability_assessment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('determination_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('conclusion_no', sa.String(length=24), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('disability_grade', sa.SmallInteger(), nullable=True),
    sa.Column('care_grade', sa.SmallInteger(), nullable=True),
    sa.ForeignKeyConstraint(['determination_id'], ['injury_determination.id'], name=op.f('fk_disability_assessment_determination_id_injury_determination')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_disability_assessment_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disability_assessment')),
    sa.UniqueConstraint('conclusion_no', name=op.f('uq_disability_assessment_conclusion_no'))
    )
    with op.batch_alter_table('disability_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disability_assessment_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('kiosk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_token_hash'), ['token_hash'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('kiosk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_token_hash'))

    with op.batch_alter_table('disability_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disability_assessment_person_id'))

    op.drop_table('disability_assessment')
    with op.batch_alter_table('citizen_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_session_person_id'))
        batch_op.drop_index(batch_op.f('ix_citizen_session_expires_at'))

    op.drop_table('citizen_session')
    op.drop_table('case_step')
    with op.batch_alter_table('card_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_status_change_card_pk'))

    op.drop_table('card_status_change')
    with op.batch_alter_table('card_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_challenge_expires_at'))

    op.drop_table('card_challenge')
    op.drop_table('benefit_payment')
    op.drop_table('benefit_component')
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_person_id'))

    op.drop_table('transfer')
    op.drop_table('staff')
    with op.batch_alter_table('slip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slip_person_id'))

    op.drop_table('slip')
    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_case_person_id'))

    op.drop_table('service_case')
    op.drop_table('pension_account_year')
    with op.batch_alter_table('one_time_benefit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_benefit_person_id'))

    op.drop_table('one_time_benefit')
    with op.batch_alter_table('medical_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_medical_visit_person_date')

    op.drop_table('medical_visit')
    with op.batch_alter_table('medical_contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medical_contract_person_id'))

    op.drop_table('medical_contract')
    with op.batch_alter_table('medical_account_txn', schema=None) as batch_op:
        batch_op.drop_index('ix_medical_account_txn_person_time')

    op.drop_table('medical_account_txn')
    op.drop_table('medical_account')
    with op.batch_alter_table('injury_determination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_injury_determination_person_id'))

    op.drop_table('injury_determination')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_person_id'))

    op.drop_table('enrolment')
    op.drop_table('contribution')
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_person_id'))

    op.drop_table('card')
    with op.batch_alter_table('benefit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_person_id'))

    op.drop_table('benefit')
    op.drop_table('person')
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_key_created_at'))

    op.drop_table('idempotency_key')
    op.drop_table('employer')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
