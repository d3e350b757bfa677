"""score runs store the digest of their inputs (issue 15: runs anyone can verify)

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-01 23:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('input_digest', sa.String(length=71), nullable=True))


def downgrade():
    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        batch_op.drop_column('input_digest')
