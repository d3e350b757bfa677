"""regional holidays: a unit's own days off (hari libur daerah) beside the national list

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_holidays',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_holidays_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', 'day', name=op.f('pk_unit_holidays'))
    )


def downgrade():
    op.drop_table('unit_holidays')
