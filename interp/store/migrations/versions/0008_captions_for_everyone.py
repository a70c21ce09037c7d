"""requests: the resident needs captions; rooms: captions on for everyone in the call

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_captions", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("captions_for_all", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_column("captions_for_all")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("needs_captions")
