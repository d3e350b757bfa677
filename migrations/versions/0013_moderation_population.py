"""moderation: when a response's status last changed, the one-browser lookup, flag thresholds per unit, and the
population N an admin enters per period (issue 13)

Revision ID: 0013
Revises: 0018
Create Date: 2026-12-01 22:50:00

"""
import sqlalchemy as sa
from alembic import op

import feedback_app.models

revision = '0013'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # survey_responses is partitioned on PostgreSQL: ALTER TABLE and CREATE INDEX on the parent reach every partition.
    op.add_column('survey_responses',
                  sa.Column('status_changed_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_survey_responses_unit_status_changed', 'survey_responses', ['unit_id', 'status_changed_at'],
                    unique=False)
    op.create_index('ix_survey_responses_fingerprint_submitted', 'survey_responses',
                    ['client_fingerprint', 'submitted_at'], unique=False)

    op.create_table('unit_flag_parameters',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('updated_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_flag_parameters_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_flag_parameters'))
    )

    op.create_table('period_populations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('entered_by', sa.String(length=80), nullable=False),
    sa.Column('entered_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('population >= 1', name=op.f('ck_period_populations_population_positive')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_period_populations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_populations')),
    sa.UniqueConstraint('unit_id', 'period_id', name=op.f('uq_period_populations_unit_id_period_id'))
    )


def downgrade():
    op.drop_table('period_populations')
    op.drop_table('unit_flag_parameters')
    op.drop_index('ix_survey_responses_fingerprint_submitted', table_name='survey_responses')
    op.drop_index('ix_survey_responses_unit_status_changed', table_name='survey_responses')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_column('status_changed_at')
