"""daily fingerprint secrets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 08:37:59.336370

"""
from alembic import op
import sqlalchemy as sa

import feedback_app.models


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('daily_secrets',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_daily_secrets'))
    )



def downgrade():

    op.drop_table('daily_secrets')

