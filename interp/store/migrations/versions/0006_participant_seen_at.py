"""room participants: when a node last saw them connected

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.drop_column("seen_at")
