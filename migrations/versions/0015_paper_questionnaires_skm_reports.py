"""paper questionnaires (channel 'paper', a unit-only answer without a counter) and the per-period SKM report

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-01 23:00:00

survey_responses is partitioned on PostgreSQL (0010): the constraints and the NOT NULL change below are made on
the partitioned parent, which passes them on to every partition. No unique constraint and no foreign key to it.
"""
import sqlalchemy as sa
from alembic import op

import feedback_app.models

revision = '0015'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_CHANNELS = "channel IN ('counter_qr', 'ticket_qr')"
NEW_CHANNELS = "channel IN ('counter_qr', 'ticket_qr', 'paper')"


def upgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_constraint('channel', type_='check')
        batch_op.create_check_constraint('channel', NEW_CHANNELS)
        batch_op.alter_column('counter_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint('counter_unless_paper', "counter_id IS NOT NULL OR channel = 'paper'")
        batch_op.create_check_constraint('paper_never_attributed', "channel <> 'paper' OR employee_id IS NULL")

    op.create_table('skm_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('follow_up_plan', sa.Text(), nullable=True),
    sa.Column('conclusion_note', sa.Text(), nullable=True),
    sa.Column('updated_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_name', sa.String(length=200), nullable=True),
    sa.Column('signed_nip', sa.String(length=18), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_skm_reports_signed_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_skm_reports_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_reports')),
    sa.UniqueConstraint('unit_id', 'period_id', name=op.f('uq_skm_reports_unit_id_period_id'))
    )


def downgrade():
    op.drop_table('skm_reports')
    op.execute("DELETE FROM survey_responses WHERE channel = 'paper'")
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_constraint('paper_never_attributed', type_='check')
        batch_op.drop_constraint('counter_unless_paper', type_='check')
        batch_op.alter_column('counter_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('channel', type_='check')
        batch_op.create_check_constraint('channel', OLD_CHANNELS)
