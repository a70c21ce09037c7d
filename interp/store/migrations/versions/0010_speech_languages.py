"""room participants: the languages they have read aloud

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speech_languages", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.drop_column("speech_languages")
