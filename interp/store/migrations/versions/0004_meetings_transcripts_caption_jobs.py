"""meetings, transcripts, caption jobs, organisation settings, audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admitted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("consent", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(), nullable=True))
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("invite_token_hash", sa.String(length=64), nullable=False),
        sa.Column("view_token_hash", sa.String(length=64), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("interpreter_joined_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_meetings_owner_id_users"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_meetings_room_id_rooms"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_meetings_request_id_requests"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("room_id", name="uq_meetings_room_id"),
        sa.UniqueConstraint("invite_token_hash", name="uq_meetings_invite_token_hash"),
        sa.UniqueConstraint("view_token_hash", name="uq_meetings_view_token_hash"),
    )
    op.create_index("ix_meetings_owner_id", "meetings", ["owner_id"])
    op.create_table(
        "transcript_segments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("speaker_name", sa.String(length=100), nullable=False),
        sa.Column("speaker_role", sa.String(length=20), nullable=False),
        sa.Column("offset_s", sa.Float(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name="fk_transcript_segments_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transcript_segments"),
    )
    op.create_index(
        "ix_transcript_segments_room_time", "transcript_segments", ["room_id", "offset_s"]
    )
    op.create_table(
        "caption_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("translate_to", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_caption_jobs_owner_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_caption_jobs"),
    )
    op.create_index("ix_caption_jobs_owner_id", "caption_jobs", ["owner_id"])
    op.create_table(
        "organisation_settings",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_organisation_settings"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=50), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("organisation_settings")
    op.drop_index("ix_caption_jobs_owner_id", table_name="caption_jobs")
    op.drop_table("caption_jobs")
    op.drop_index("ix_transcript_segments_room_time", table_name="transcript_segments")
    op.drop_table("transcript_segments")
    op.drop_index("ix_meetings_owner_id", table_name="meetings")
    op.drop_table("meetings")
    with op.batch_alter_table("room_participants", schema=None) as batch_op:
        batch_op.drop_column("consent_at")
        batch_op.drop_column("consent")
        batch_op.drop_column("removed_at")
        batch_op.drop_column("admitted_at")
