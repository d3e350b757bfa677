"""response flags: reason and numbers on survey_responses, staff browser marks

Revision ID: 0006
Revises: 0012
Create Date: 2026-12-01 19:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0012'
branch_labels = None
depends_on = None

FLAG_REASONS = "'burst', 'fingerprint_many_counters', 'self_rating', 'short_visit', 'no_browser_cookie', 'staff_appeal'"


def upgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag_reason', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('flag_details', sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            'flag_reason', f"flag_reason IS NULL OR flag_reason IN ({FLAG_REASONS})"
        )
        batch_op.create_check_constraint('flagged_has_reason', "status <> 'flagged' OR flag_reason IS NOT NULL")
        batch_op.create_index('ix_survey_responses_counter_submitted', ['counter_id', 'submitted_at', 'status'], unique=False)

    op.create_table('staff_browser_marks',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('browser_mark', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_staff_browser_marks_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'day', 'browser_mark', name=op.f('pk_staff_browser_marks'))
    )


def downgrade():
    op.drop_table('staff_browser_marks')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_counter_submitted')
        batch_op.drop_constraint('flagged_has_reason', type_='check')
        batch_op.drop_constraint('flag_reason', type_='check')
        batch_op.drop_column('flag_details')
        batch_op.drop_column('flag_reason')
