"""bookings of interpreters for a planned time, and the notices they send

A booking is a caseworker's request for an interpreter at a time agreed in advance, for
one of their meetings or a resident link. The first volunteer to claim it wins; each
reminder is sent once (its ``reminded_*_at`` column is set by a conditional UPDATE).
``booking_notices`` are what the pages show each side: claimed, cancelled, released,
reminders.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("length_min", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.String(length=32), nullable=True),
        sa.Column("resident_link_id", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("volunteer_id", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_early_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_late_at", sa.DateTime(), nullable=True),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("held_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_bookings_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_bookings_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["resident_link_id"],
            ["resident_links.id"],
            name=op.f("fk_bookings_resident_link_id_resident_links"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["users.id"], name=op.f("fk_bookings_volunteer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_bookings_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index("ix_bookings_status_start", "bookings", ["status", "starts_at"])
    op.create_index(op.f("ix_bookings_created_by"), "bookings", ["created_by"])
    op.create_index(op.f("ix_bookings_volunteer_id"), "bookings", ["volunteer_id"])
    op.create_index(op.f("ix_bookings_request_id"), "bookings", ["request_id"])
    op.create_table(
        "booking_notices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_booking_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_notices_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_notices")),
    )
    op.create_index(
        "ix_booking_notices_user_time", "booking_notices", ["user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_booking_notices_user_time", table_name="booking_notices")
    op.drop_table("booking_notices")
    op.drop_index(op.f("ix_bookings_request_id"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_volunteer_id"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_created_by"), table_name="bookings")
    op.drop_index("ix_bookings_status_start", table_name="bookings")
    op.drop_table("bookings")
