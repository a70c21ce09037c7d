"""Tables. Timestamps are UTC; ids are random hex strings; secrets are stored only as hashes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (SQLite has no time zones) and always returns aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # coordinator | caseworker | volunteer
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    available: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserLanguage(Base):
    """A language a volunteer interprets."""

    __tablename__ = "user_languages"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    language_code: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class AccountSession(Base):
    """A signed-in browser. The cookie holds the token; only its hash is kept, so a copy
    of the database opens no session. Deleting the row ends the session everywhere."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Invite(Base):
    """A single-use link that creates an account: the first-start setup link or an invitation."""

    __tablename__ = "invites"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(10))  # setup | invite
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # Withdrawn by a coordinator before anyone used it: the link opens nothing.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OfferedLanguage(Base):
    """A language the organisation offers residents."""

    __tablename__ = "offered_languages"

    language_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ResidentLink(Base):
    """A personal link a caseworker sends one resident; it opens the request page once."""

    __tablename__ = "resident_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(String(100), default="")
    language_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class InterpretationRequest(Base):
    """A resident's request for an interpreter, from arrival to the end of the call."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_queue", "status", "language_code", "created_at"),
        # Recent matches per language, for the wait estimate.
        Index("ix_requests_recent_matches", "language_code", "matched_at"),
        # The coordinator's reports: every column they read, so the figures of a year come
        # from the index alone, grouped by language.
        Index(
            "ix_requests_reports",
            "language_code", "created_at", "status", "matched_at", "long_wait_at", "room_id",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The resident's capability: it opens their queue page and, once matched, their call.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language_code: Mapped[str] = mapped_column(String(8))
    media: Mapped[str] = mapped_column(String(10))  # video | audio
    note: Mapped[str] = mapped_column(Text, default="")
    # The resident is deaf or hard of hearing, or otherwise needs captions: the call starts
    # with captions on for everyone, and the volunteer sees it before accepting.
    needs_captions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # open -> matched -> closed; open -> cancelled. A released match goes back to open.
    status: Mapped[str] = mapped_column(String(12))
    # Requests handed back by a volunteer go to the head of the queue (higher first).
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    long_wait_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    volunteer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    room_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resident_link_id: Mapped[str | None] = mapped_column(
        ForeignKey("resident_links.id"), nullable=True
    )


class Room(Base):
    __tablename__ = "rooms"
    # Calls by the day they started, for the coordinator's reports.
    __table_args__ = (Index("ix_rooms_reports", "started_at", "closed_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    media: Mapped[str] = mapped_column(String(10))
    # "call" (people with an interpreter) or "machine" (machine interpretation while the
    # request waits for one; an interpreter who accepts joins this room).
    kind: Mapped[str] = mapped_column(String(10), default="call", server_default="call")
    # In a machine room: what the person at the desk speaks, beside the resident.
    desk_language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Every speaker's page sends its audio for captioning (docs/protocol.md, captions.all).
    captions_for_all: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when every invited participant has joined at least once: the call has started.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RoomParticipant(Base):
    __tablename__ = "room_participants"
    # Who interpreted each call, for the coordinator's reports.
    __table_args__ = (
        Index("ix_room_participants_calls", "room_id", "role", "joined_at", "language_code"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # resident | interpreter | caseworker
    display_name: Mapped[str] = mapped_column(String(100))
    language_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Account holders join with their session; others with a token (hash kept here).
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Refreshed every few seconds by the node holding the participant's socket: one that
    # stops (killed, or cut off) leaves it to go stale, and every node's sweeper then
    # counts the participant as gone, as a live node would after the reconnect grace.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The languages this participant reads captions in, comma-separated ("original": the
    # speakers' own words); None until they choose. Kept here so every node knows them.
    caption_languages: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Of those, the ones they have read aloud (speech output), comma-separated; None: none.
    speech_languages: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Meetings: guests wait until the host admits them; the host may remove anyone.
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Whether they agreed that a transcript of the meeting is kept: "agreed", "declined",
    # or None (not asked yet). Captions show live either way.
    consent: Mapped[str | None] = mapped_column(String(10), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The host who recorded the answer a speaker in the room gave out loud; None when the
    # participant answered on their own page.
    consent_recorded_by: Mapped[str | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )


class Meeting(Base):
    """A caseworker's meeting: online (everyone on their own device) or in a room (one
    device or microphone captions everyone, readers follow on a caption-view link)."""

    __tablename__ = "meetings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Expected languages, comma-separated codes.
    languages: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(10))  # online | in_room
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"), unique=True)
    # Capabilities, stored as hashes: the residents' invite link and the caption-view link.
    invite_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    view_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Both links are made again from the server's secret, the meeting and this version;
    # the host's "New links" raises it, and the old links stop working.
    link_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_participants: Mapped[int] = mapped_column(Integer)
    # The interpreter request made into this meeting, if any.
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    interpreter_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TranscriptSegment(Base):
    """One final caption of a meeting, kept only while every speaker has agreed."""

    __tablename__ = "transcript_segments"
    __table_args__ = (Index("ix_transcript_segments_room_time", "room_id", "offset_s"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    speaker_name: Mapped[str] = mapped_column(String(100))
    speaker_role: Mapped[str] = mapped_column(String(20))
    # Seconds from the start of the meeting.
    offset_s: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaptionJob(Base):
    """Captioning an uploaded recording in the background."""

    __tablename__ = "caption_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # None: detect
    translate_to: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # queued | running | done | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The captions as JSON (segments with times, text, language), once done.
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OrganisationSetting(Base):
    """Settings the coordinator changes in the interface (e.g. transcript retention)."""

    __tablename__ = "organisation_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """What the service did on its own that someone may need to account for (purges)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    event: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(Text, default="")


class GlossaryTerm(Base):
    """The organisation's own words: hints for speech recognition, kept through translation."""

    __tablename__ = "glossary_terms"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    term: Mapped[str] = mapped_column(String(100))
    # The term case-folded with its spaces collapsed: one entry per term.
    term_key: Mapped[str] = mapped_column(String(100), unique=True)
    # JSON {language code: how the term is written in that language}; a language not
    # named keeps the term as it is.
    renderings: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallFeedback(Base):
    """What one participant said about a call with an interpreter: the resident whether
    they understood each other, the interpreter how the call went. One row per
    participant; a second answer replaces the first."""

    __tablename__ = "call_feedback"
    __table_args__ = (Index("ix_call_feedback_language_time", "language_code", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("room_participants.id", ondelete="CASCADE"), unique=True
    )
    author_role: Mapped[str] = mapped_column(String(20))  # resident | interpreter
    # The interpreter of the call, whoever answered: feedback is counted per volunteer.
    volunteer_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    language_code: Mapped[str] = mapped_column(String(8))
    understood: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # the resident's
    quality: Mapped[str | None] = mapped_column(String(30), nullable=True)  # the interpreter's
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafeguardingReport(Base):
    """An interpreter's concern that someone in a call may be at risk; coordinators only."""

    __tablename__ = "safeguarding_reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    reporter_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    language_code: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seen_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Booking(Base):
    """An interpreter booked in advance for a caseworker's meeting or resident link: open
    until a volunteer claims it (the first claim wins), cancelled by the caseworker, or
    handed back open by the volunteer."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_status_start", "status", "starts_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    language_code: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    length_min: Mapped[int] = mapped_column(Integer)
    # What it is for: one of the caseworker's meetings or resident links.
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"), nullable=True)
    resident_link_id: Mapped[str | None] = mapped_column(
        ForeignKey("resident_links.id"), nullable=True
    )
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(12))  # open | claimed | cancelled
    volunteer_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Each reminder is sent once, by whichever node sets its column first.
    reminded_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_late_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The resident's request made in the booking's window, offered to the booked
    # volunteer alone until ``held_until``.
    request_id: Mapped[str | None] = mapped_column(
        ForeignKey("requests.id"), nullable=True, index=True
    )
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BookingNotice(Base):
    """What a booking's caseworker or volunteer is told (claimed, cancelled, released, a
    reminder): shown on their page, and handed to any other way of telling them."""

    __tablename__ = "booking_notices"
    __table_args__ = (Index("ix_booking_notices_user_time", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(12))  # claimed | cancelled | released | reminder
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PushSubscription(Base):
    """A browser a volunteer asked to be notified on (Web Push): where to send, and the
    keys the message is encrypted to. Deleted when its push service says it is gone."""

    __tablename__ = "push_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))  # the browser's public key, base64url
    auth: Mapped[str] = mapped_column(String(100))  # the browser's auth secret, base64url
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """How and when a volunteer is told of requests while their dashboard is closed."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The interface language their messages are written in (the one they chose them in).
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # JSON {"0".."6" (Monday first): ["HH:MM", "HH:MM"]}; empty: no hours kept, any time.
    weekly_hours: Mapped[str] = mapped_column(Text, default="{}")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
