"""publishing score runs, the public per-employee setting, the complaint lifecycle and its timeline (issue 13)

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-01 19:40:00

"""
import sqlalchemy as sa
from alembic import op

import feedback_app.models

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None

KINDS = "kind IN ('pengaduan', 'saran', 'informasi')"
STATES = ("status IN ('diterima', 'diverifikasi', 'ditindaklanjuti', 'dijawab', 'selesai', 'diteruskan', "
          "'ditolak')")
STEPS = "step IN ('received', 'verified', 'classified', 'answered', 'forwarded', 'rejected', 'closed')"


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_employee_ratings', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('follow_up_plan', sa.Text(), nullable=True))

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counter_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='pengaduan', nullable=False))
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='diterima', nullable=False))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('contact', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('contact_erased_at', feedback_app.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=5), server_default='id', nullable=False))
        batch_op.add_column(sa.Column('first_response_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('settlement_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('forwarded_from_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaints_counter_id_counters'), 'counters', ['counter_id'],
                                    ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_complaints_forwarded_from_unit_id_units'), 'units',
                                    ['forwarded_from_unit_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_complaints_kind'), sa.text(KINDS))
        batch_op.create_check_constraint(batch_op.f('ck_complaints_status'), sa.text(STATES))
        batch_op.create_check_constraint(batch_op.f('ck_complaints_settled_iff_done'),
                                         sa.text("settled_at IS NULL OR status = 'selesai'"))
        batch_op.create_index('ix_complaints_unit_status', ['unit_id', 'status', 'received_at'], unique=False)

    op.create_table('complaint_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('step', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint(STEPS, name=op.f('ck_complaint_events_step')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_events_complaint_id_complaints'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events'))
    )
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_events_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_events_complaint_id'))
    op.drop_table('complaint_events')

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_unit_status')
        batch_op.drop_constraint(batch_op.f('ck_complaints_settled_iff_done'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_complaints_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_complaints_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_complaints_forwarded_from_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_complaints_counter_id_counters'), type_='foreignkey')
        for column in ('reject_reason', 'forwarded_from_unit_id', 'settlement_due', 'first_response_due', 'locale',
                       'contact_erased_at', 'contact', 'text', 'status', 'kind', 'counter_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        for column in ('follow_up_plan', 'published_by', 'published_at'):
            batch_op.drop_column(column)

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('public_employee_ratings')
