"""staff appeals, training topics, login throttles and password resets (issue 12)

Revision ID: 0008
Revises: 0012
Create Date: 2026-12-01 19:25:57.978806

"""
from alembic import op
import sqlalchemy as sa

import feedback_app.models


revision = '0008'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_login_throttles_failures_not_negative')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    op.create_table('training_topics',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('unsur', sa.String(length=3), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=False),
    sa.Column('updated_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("unsur IN ('U3', 'U6', 'U7')", name=op.f('ck_training_topics_unsur')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_training_topics_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', 'unsur', name=op.f('pk_training_topics'))
    )
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_password_resets_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject_key', sa.String(length=80), nullable=False),
    sa.Column('open_subject', sa.String(length=80), nullable=True),
    sa.Column('ground', sa.String(length=20), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=True),
    sa.Column('counter_assignment_id', sa.Integer(), nullable=True),
    sa.Column('survey_response_id', sa.Integer(), nullable=True),
    sa.Column('score_run_id', sa.Integer(), nullable=True),
    sa.Column('indicator_code', sa.String(length=40), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decider_id', sa.Integer(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('effect', sa.JSON(), nullable=True),
    sa.CheckConstraint("(state = 'open') = (open_subject IS NOT NULL)", name=op.f('ck_appeals_open_subject_iff_open')),
    sa.CheckConstraint("ground IN ('not_on_duty', 'served_by_colleague', 'abusive', 'statement')", name=op.f('ck_appeals_ground')),
    sa.CheckConstraint("kind IN ('shift', 'comment', 'indicator', 'predikat')", name=op.f('ck_appeals_kind')),
    sa.CheckConstraint("state = 'open' OR (decision_reason IS NOT NULL AND decided_at IS NOT NULL)", name=op.f('ck_appeals_decided')),
    sa.CheckConstraint("state IN ('open', 'accepted', 'rejected')", name=op.f('ck_appeals_state')),
    sa.ForeignKeyConstraint(['counter_assignment_id'], ['counter_assignments.id'], name=op.f('fk_appeals_counter_assignment_id_counter_assignments')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_appeals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['decider_id'], ['employees.id'], name=op.f('fk_appeals_decider_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_appeals_employee_id_employees')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_appeals_filed_by_id_users')),
    sa.ForeignKeyConstraint(['score_run_id'], ['score_runs.id'], name=op.f('fk_appeals_score_run_id_score_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_appeals_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('open_subject', name=op.f('uq_appeals_open_subject'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_counter_assignment_id'), ['counter_assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_decider_id'), ['decider_id'], unique=False)
        batch_op.create_index('ix_appeals_employee_filed', ['employee_id', 'filed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_subject_key'), ['subject_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_survey_response_id'), ['survey_response_id'], unique=False)
        batch_op.create_index('ix_appeals_unit_state', ['unit_id', 'state', 'filed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_unit_state')
        batch_op.drop_index(batch_op.f('ix_appeals_survey_response_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_subject_key'))
        batch_op.drop_index('ix_appeals_employee_filed')
        batch_op.drop_index(batch_op.f('ix_appeals_decider_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_counter_assignment_id'))

    op.drop_table('appeals')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
    op.drop_table('training_topics')
    op.drop_table('login_throttles')
