"""feedback after calls and safeguarding reports

Residents say whether they understood each other, interpreters how the call went
(call_feedback, one row per participant); interpreters report safeguarding concerns
that only coordinators read (safeguarding_reports).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_feedback",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("volunteer_id", sa.String(length=32), nullable=True),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("understood", sa.Boolean(), nullable=True),
        sa.Column("quality", sa.String(length=30), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name="fk_call_feedback_room_id_rooms", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_call_feedback_request_id_requests"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["room_participants.id"],
            name="fk_call_feedback_participant_id_room_participants",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["users.id"], name="fk_call_feedback_volunteer_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_call_feedback"),
        sa.UniqueConstraint("participant_id", name="uq_call_feedback_participant_id"),
    )
    op.create_index("ix_call_feedback_room_id", "call_feedback", ["room_id"])
    op.create_index("ix_call_feedback_volunteer_id", "call_feedback", ["volunteer_id"])
    op.create_index(
        "ix_call_feedback_language_time", "call_feedback", ["language_code", "created_at"]
    )
    op.create_table(
        "safeguarding_reports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("reporter_id", sa.String(length=32), nullable=False),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=True),
        sa.Column("seen_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name="fk_safeguarding_reports_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_safeguarding_reports_request_id_requests"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name="fk_safeguarding_reports_reporter_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["seen_by"], ["users.id"], name="fk_safeguarding_reports_seen_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_safeguarding_reports"),
    )
    op.create_index("ix_safeguarding_reports_room_id", "safeguarding_reports", ["room_id"])
    op.create_index(
        "ix_safeguarding_reports_created_at", "safeguarding_reports", ["created_at"]
    )


def downgrade() -> None:
    op.drop_table("safeguarding_reports")
    op.drop_table("call_feedback")
