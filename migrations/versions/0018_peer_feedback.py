"""360° peer feedback: rounds, rater links (deleted at close), anonymous answers; the evidence an appraisal showed

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa

import feedback_app.models


revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None

VALUES = ('berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif')
CHOICES = "('di_bawah', 'sesuai', 'di_atas', 'tidak_tahu')"


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('peer_min_answers', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_units_peer_min_answers'), 'peer_min_answers IS NULL OR peer_min_answers >= 3'
        )
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_shown', sa.JSON(), nullable=True))

    op.create_table('peer_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.String(length=10), nullable=False),
    sa.Column('team_supervisor_id', sa.Integer(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('min_answers', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=80), nullable=True),
    sa.Column('invited_count', sa.Integer(), nullable=True),
    sa.Column('answered_count', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_peer_rounds_state')),
    sa.CheckConstraint('min_answers >= 3', name=op.f('ck_peer_rounds_min_answers')),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_peer_rounds_closed_iff_closed_at')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_peer_rounds_opened_by_id_users')),
    sa.ForeignKeyConstraint(['team_supervisor_id'], ['employees.id'], name=op.f('fk_peer_rounds_team_supervisor_id_employees')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_peer_rounds_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_rounds')),
    sa.UniqueConstraint('team_supervisor_id', 'period_id', name=op.f('uq_peer_rounds_team_supervisor_id_period_id'))
    )
    with op.batch_alter_table('peer_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_peer_rounds_unit_state', ['unit_id', 'state', 'closes_on'], unique=False)

    op.create_table('peer_raters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('ratee_id', sa.Integer(), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=True),
    sa.Column('submitted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('rater_id <> ratee_id', name=op.f('ck_peer_raters_not_self')),
    sa.ForeignKeyConstraint(['ratee_id'], ['employees.id'], name=op.f('fk_peer_raters_ratee_id_employees')),
    sa.ForeignKeyConstraint(['rater_id'], ['employees.id'], name=op.f('fk_peer_raters_rater_id_employees')),
    sa.ForeignKeyConstraint(['round_id'], ['peer_rounds.id'], name=op.f('fk_peer_raters_round_id_peer_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_raters')),
    sa.UniqueConstraint('round_id', 'rater_id', 'ratee_id', name=op.f('uq_peer_raters_round_id_rater_id_ratee_id'))
    )
    with op.batch_alter_table('peer_raters', schema=None) as batch_op:
        batch_op.create_index('ix_peer_raters_rater', ['rater_id', 'round_id'], unique=False)

    op.create_table('peer_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('ratee_id', sa.Integer(), nullable=False),
    *(sa.Column(value, sa.String(length=10), nullable=False) for value in VALUES),
    sa.Column('does_well', sa.Text(), nullable=True),
    sa.Column('could_improve', sa.Text(), nullable=True),
    *(sa.CheckConstraint(f'{value} IN {CHOICES}', name=op.f(f'ck_peer_answers_{value}')) for value in VALUES),
    sa.ForeignKeyConstraint(['ratee_id'], ['employees.id'], name=op.f('fk_peer_answers_ratee_id_employees')),
    sa.ForeignKeyConstraint(['round_id'], ['peer_rounds.id'], name=op.f('fk_peer_answers_round_id_peer_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_answers'))
    )
    with op.batch_alter_table('peer_answers', schema=None) as batch_op:
        batch_op.create_index('ix_peer_answers_round_ratee', ['round_id', 'ratee_id'], unique=False)
        batch_op.create_index('ix_peer_answers_ratee', ['ratee_id'], unique=False)


def downgrade():
    op.drop_table('peer_answers')
    op.drop_table('peer_raters')
    op.drop_table('peer_rounds')
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.drop_column('evidence_shown')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_units_peer_min_answers'), type_='check')
        batch_op.drop_column('peer_min_answers')
