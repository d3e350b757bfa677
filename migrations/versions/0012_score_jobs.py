"""score runs as background jobs: score_jobs with a partial unique index over queued and running jobs

Revision ID: 0012
Revises: 0005
Create Date: 2026-12-01 19:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_close_grace_days', sa.Integer(), nullable=True))
    op.create_table('score_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_score_jobs_state')),
    sa.CheckConstraint('done >= 0 AND total >= done', name=op.f('ck_score_jobs_progress')),
    sa.ForeignKeyConstraint(['run_id'], ['score_runs.id'], name=op.f('fk_score_jobs_run_id_score_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_score_jobs_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_jobs'))
    )
    with op.batch_alter_table('score_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_score_jobs_requested', ['requested_at'], unique=False)
        batch_op.create_index('uq_score_jobs_active', ['unit_id', 'period_id'], unique=True,
                              sqlite_where=sa.text("state IN ('queued', 'running')"),
                              postgresql_where=sa.text("state IN ('queued', 'running')"))


def downgrade():
    op.drop_table('score_jobs')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('period_close_grace_days')
