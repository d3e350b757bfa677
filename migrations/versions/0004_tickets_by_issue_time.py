"""index tickets by unit and issue time (service-time statistics of a period)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:40:00

"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tickets_unit_issued', 'tickets', ['unit_id', 'issued_at'], unique=False)


def downgrade():
    op.drop_index('ix_tickets_unit_issued', table_name='tickets')
