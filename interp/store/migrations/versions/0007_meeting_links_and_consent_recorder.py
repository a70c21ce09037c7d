"""meetings: a link version, so the host can replace the invite and caption-view links;
room participants: who recorded a consent answer given out loud

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("link_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_recorded_by", sa.String(32), nullable=True))
        batch_op.create_foreign_key(
            "fk_room_participants_consent_recorded_by_users",
            "users",
            ["consent_recorded_by"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_room_participants_consent_recorded_by_users", type_="foreignkey"
        )
        batch_op.drop_column("consent_recorded_by")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("link_version")
