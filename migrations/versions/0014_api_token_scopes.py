"""API token scopes over a set of units: existing tokens keep working as ticket_events:write for their unit

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=100), server_default="ticket_events:write", nullable=False)
        )
    op.create_table(
        "api_token_units",
        sa.Column("api_token_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_api_token_units_api_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_api_token_units_unit_id_units")),
        sa.PrimaryKeyConstraint("api_token_id", "unit_id", name=op.f("pk_api_token_units")),
    )
    # Every existing token belongs to a queue machine of one unit: that unit is its whole scope.
    op.execute("INSERT INTO api_token_units (api_token_id, unit_id) SELECT id, unit_id FROM api_tokens")


def downgrade():
    op.drop_table("api_token_units")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scopes")
