"""coordinator reports: indexes for figures by period and language

The reports page (interp/domain/reports.py) reads requests by language and the day they
were created, calls by the day they started, and who interpreted each call, over a period
of up to 400 days. Each index holds every column its query reads, so a year of figures
comes from the indexes alone.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

REQUEST_COLUMNS = ["language_code", "created_at", "status", "matched_at", "long_wait_at", "room_id"]


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_reports", REQUEST_COLUMNS, unique=False)
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.create_index("ix_rooms_reports", ["started_at", "closed_at", "id"], unique=False)
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_room_participants_calls",
            ["room_id", "role", "joined_at", "language_code"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_room_participants_calls")
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_index("ix_rooms_reports")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_reports")
