"""The service's fixed vocabularies: roles, statuses and kinds, as string enums.

Each member equals its string value, so rows read from the database, JSON sent to
pages and comparisons with plain strings all keep working; the enums give one place
that lists what may appear, and let the type checker catch a misspelt one.
"""

from __future__ import annotations

from enum import StrEnum


class AccountRole(StrEnum):
    COORDINATOR = "coordinator"
    CASEWORKER = "caseworker"
    VOLUNTEER = "volunteer"


class ParticipantRole(StrEnum):
    """A person's part in a room."""

    RESIDENT = "resident"
    INTERPRETER = "interpreter"
    # Staff in a room: a meeting's host, or a caseworker who joined automatic interpretation.
    CASEWORKER = "caseworker"
    # Someone the host of an in-room meeting named as speaking (no device of their own).
    SPEAKER = "speaker"


class SpeakerRole(StrEnum):
    """Who a caption's words are credited to; a room's participant roles, and the desk."""

    RESIDENT = "resident"
    INTERPRETER = "interpreter"
    CASEWORKER = "caseworker"
    SPEAKER = "speaker"
    # The person across the desk from a resident in automatic interpretation.
    DESK = "desk"


class CaptionKind(StrEnum):
    """How a caption's words came: spoken and recognised, or typed in the room's chat."""

    SPEECH = "speech"
    CHAT = "chat"


class RequestStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class RoomKind(StrEnum):
    CALL = "call"
    MACHINE = "machine"
    MEETING = "meeting"


class MeetingMode(StrEnum):
    ONLINE = "online"
    IN_ROOM = "in_room"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Media(StrEnum):
    """What a call carries: video and audio, or audio only (uses less data)."""

    VIDEO = "video"
    AUDIO = "audio"
