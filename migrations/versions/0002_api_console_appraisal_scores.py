"""api tokens, console actions, appraisal inputs and score runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:22:33.313367

"""
from alembic import op
import sqlalchemy as sa

import feedback_app.models


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('holidays',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_holidays'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_api_tokens_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_unit_id'), ['unit_id'], unique=False)

    op.create_table('behaviour_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('berorientasi_pelayanan', sa.String(length=8), nullable=False),
    sa.Column('akuntabel', sa.String(length=8), nullable=False),
    sa.Column('kompeten', sa.String(length=8), nullable=False),
    sa.Column('harmonis', sa.String(length=8), nullable=False),
    sa.Column('loyal', sa.String(length=8), nullable=False),
    sa.Column('adaptif', sa.String(length=8), nullable=False),
    sa.Column('kolaboratif', sa.String(length=8), nullable=False),
    sa.Column('overall', sa.String(length=8), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("adaptif IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_adaptif')),
    sa.CheckConstraint("akuntabel IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_akuntabel')),
    sa.CheckConstraint("berorientasi_pelayanan IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_berorientasi_pelayanan')),
    sa.CheckConstraint("harmonis IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_harmonis')),
    sa.CheckConstraint("kolaboratif IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_kolaboratif')),
    sa.CheckConstraint("kompeten IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_kompeten')),
    sa.CheckConstraint("loyal IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_loyal')),
    sa.CheckConstraint("overall IS NULL OR overall IN ('di_bawah', 'sesuai', 'di_atas')", name=op.f('ck_behaviour_ratings_overall')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_behaviour_ratings_employee_id_employees')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['employees.id'], name=op.f('fk_behaviour_ratings_supervisor_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_behaviour_ratings')),
    sa.UniqueConstraint('employee_id', 'period_id', name=op.f('uq_behaviour_ratings_employee_id_period_id'))
    )
    with op.batch_alter_table('behaviour_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_behaviour_ratings_employee_id'), ['employee_id'], unique=False)

    op.create_table('employee_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('realisation', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('lower_is_better', sa.Boolean(), nullable=False),
    sa.Column('measure_unit', sa.String(length=40), nullable=True),
    sa.CheckConstraint('target <> 0', name=op.f('ck_employee_targets_target_not_zero')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_employee_targets_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employee_targets')),
    sa.UniqueConstraint('employee_id', 'period_id', 'name', name=op.f('uq_employee_targets_employee_id_period_id_name'))
    )
    with op.batch_alter_table('employee_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employee_targets_employee_id'), ['employee_id'], unique=False)

    op.create_table('score_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('code_version', sa.String(length=64), nullable=False),
    sa.Column('input_counts', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['score_runs.id'], name=op.f('fk_score_runs_superseded_by_id_score_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_score_runs_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_runs'))
    )
    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        batch_op.create_index('ix_score_runs_unit_period', ['unit_id', 'period_id', 'created_at'], unique=False)

    op.create_table('unit_scoring_parameters',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('updated_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_scoring_parameters_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_scoring_parameters'))
    )
    op.create_table('score_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.CheckConstraint("status IN ('ok', 'insufficient_data', 'not_available')", name=op.f('ck_score_indicators_status')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_score_indicators_employee_id_employees')),
    sa.ForeignKeyConstraint(['run_id'], ['score_runs.id'], name=op.f('fk_score_indicators_run_id_score_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_indicators'))
    )
    with op.batch_alter_table('score_indicators', schema=None) as batch_op:
        batch_op.create_index('ix_score_indicators_run_employee', ['run_id', 'employee_id'], unique=False)

    op.create_table('console_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_console_actions_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_actions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_actions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_console_actions_idempotency_key'))
    )
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=16), nullable=False),
    sa.Column('survey_response_id', sa.Integer(), nullable=True),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('received_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settled_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("category IN ('information', 'complaint', 'dispute')", name=op.f('ck_complaints_category')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_complaints_employee_id_employees')),
    sa.ForeignKeyConstraint(['survey_response_id'], ['survey_responses.id'], name=op.f('fk_complaints_survey_response_id_survey_responses')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_complaints_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('survey_response_id', name=op.f('uq_complaints_survey_response_id')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_complaints_tracking_code'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_unit_id'), ['unit_id'], unique=False)




def downgrade():

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_unit_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_employee_id'))

    op.drop_table('complaints')
    op.drop_table('console_actions')
    with op.batch_alter_table('score_indicators', schema=None) as batch_op:
        batch_op.drop_index('ix_score_indicators_run_employee')

    op.drop_table('score_indicators')
    op.drop_table('unit_scoring_parameters')
    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_score_runs_unit_period')

    op.drop_table('score_runs')
    with op.batch_alter_table('employee_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employee_targets_employee_id'))

    op.drop_table('employee_targets')
    with op.batch_alter_table('behaviour_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_behaviour_ratings_employee_id'))

    op.drop_table('behaviour_ratings')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_unit_id'))

    op.drop_table('api_tokens')
    op.drop_table('holidays')

