"""machine rooms and caption languages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="call", nullable=False)
        )
        batch_op.add_column(sa.Column("desk_language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caption_languages", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.drop_column("caption_languages")
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_column("desk_language")
        batch_op.drop_column("kind")
