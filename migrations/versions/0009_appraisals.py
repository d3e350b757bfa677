"""appraisals, SKP targets in the national shape, acting supervisors (Plt/Plh)

Revision ID: 0009
Revises: 0012
Create Date: 2026-12-01 19:40:00

"""
from alembic import op
import sqlalchemy as sa

import feedback_app.models


revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

RATINGS = "('di_bawah', 'sesuai', 'di_atas')"
RATED = ('suggested_hasil', 'confirmed_hasil', 'suggested_perilaku', 'confirmed_perilaku')
INDICATORS = (
    "('tickets_finished', 'on_time_rate', 'tickets_per_working_day', 'ikp', 'wait_median_minutes', "
    "'service_median_minutes', 'error_rate')"
)


def upgrade():
    with op.batch_alter_table('employee_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervisor_acting', sa.String(length=3), nullable=True))
        batch_op.create_index(batch_op.f('ix_employee_assignments_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_check_constraint(
            op.f('ck_employee_assignments_acting'), "supervisor_acting IS NULL OR supervisor_acting IN ('plt', 'plh')"
        )
        batch_op.create_check_constraint(
            op.f('ck_employee_assignments_acting_needs_supervisor'), 'supervisor_acting IS NULL OR supervisor_id IS NOT NULL'
        )

    with op.batch_alter_table('employee_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_plan', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('aspect', sa.String(length=10), server_default='kuantitas', nullable=False))
        batch_op.add_column(sa.Column('indicator_code', sa.String(length=40), nullable=True))
        batch_op.create_check_constraint(op.f('ck_employee_targets_aspect'), "aspect IN ('kuantitas', 'kualitas', 'waktu', 'biaya')")
        batch_op.create_check_constraint(op.f('ck_employee_targets_indicator_code'), f'indicator_code IS NULL OR indicator_code IN {INDICATORS}')

    op.create_table('appraisals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('appraiser_id', sa.Integer(), nullable=False),
    sa.Column('score_run_id', sa.Integer(), nullable=True),
    sa.Column('suggested_hasil', sa.String(length=8), nullable=True),
    sa.Column('confirmed_hasil', sa.String(length=8), nullable=True),
    sa.Column('hasil_reason', sa.Text(), nullable=True),
    sa.Column('average_capaian', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('suggested_perilaku', sa.String(length=8), nullable=True),
    sa.Column('confirmed_perilaku', sa.String(length=8), nullable=True),
    sa.Column('perilaku_reason', sa.Text(), nullable=True),
    sa.Column('predikat', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'confirmed')", name=op.f('ck_appraisals_status')),
    *(sa.CheckConstraint(f'{c} IS NULL OR {c} IN {RATINGS}', name=op.f(f'ck_appraisals_{c}')) for c in RATED),
    sa.CheckConstraint(
        "predikat IS NULL OR predikat IN ('sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')",
        name=op.f('ck_appraisals_predikat'),
    ),
    sa.CheckConstraint(
        "status = 'draft' OR (confirmed_hasil IS NOT NULL AND confirmed_perilaku IS NOT NULL "
        "AND predikat IS NOT NULL AND confirmed_at IS NOT NULL)",
        name=op.f('ck_appraisals_confirmed_is_complete'),
    ),
    sa.CheckConstraint('version >= 1', name=op.f('ck_appraisals_version_positive')),
    sa.ForeignKeyConstraint(['appraiser_id'], ['employees.id'], name=op.f('fk_appraisals_appraiser_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_appraisals_employee_id_employees')),
    sa.ForeignKeyConstraint(['score_run_id'], ['score_runs.id'], name=op.f('fk_appraisals_score_run_id_score_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_appraisals_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisals')),
    sa.UniqueConstraint('employee_id', 'period_id', name=op.f('uq_appraisals_employee_id_period_id'))
    )
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.create_index('ix_appraisals_unit_period', ['unit_id', 'period_id', 'status'], unique=False)


def downgrade():
    op.drop_table('appraisals')
    with op.batch_alter_table('employee_targets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_employee_targets_indicator_code'), type_='check')
        batch_op.drop_constraint(op.f('ck_employee_targets_aspect'), type_='check')
        batch_op.drop_column('indicator_code')
        batch_op.drop_column('aspect')
        batch_op.drop_column('work_plan')
    with op.batch_alter_table('employee_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_employee_assignments_acting_needs_supervisor'), type_='check')
        batch_op.drop_constraint(op.f('ck_employee_assignments_acting'), type_='check')
        batch_op.drop_index(batch_op.f('ix_employee_assignments_supervisor_id'))
        batch_op.drop_column('supervisor_acting')
