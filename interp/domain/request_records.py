"""A request for an interpreter as stored, and as the queue hands it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from interp.domain.errors import InvalidInput
from interp.domain.kinds import RequestStatus
from interp.domain.organisation import Organisation
from interp.domain.tokens import new_id, utcnow
from interp.store.models import InterpretationRequest

MAX_NOTE = 500


@dataclass(frozen=True)
class QueuedRequest:
    id: str
    language_code: str
    media: str  # a Media
    note: str
    status: str  # a RequestStatus
    created_at: datetime
    long_wait: bool
    volunteer_id: str | None
    room_id: str | None
    needs_captions: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "language": self.language_code,
            "media": self.media,
            "note": self.note,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "long_wait": self.long_wait,
            "needs_captions": self.needs_captions,
        }


@dataclass(frozen=True)
class NewRequest:
    request: QueuedRequest
    token: str  # the resident's capability; shown once, only its hash is stored


@dataclass(frozen=True)
class Match:
    request: QueuedRequest
    room_id: str


def request_view(row: InterpretationRequest) -> QueuedRequest:
    return QueuedRequest(
        id=row.id,
        language_code=row.language_code,
        media=row.media,
        note=row.note,
        status=row.status,
        created_at=row.created_at,
        long_wait=row.long_wait_at is not None,
        volunteer_id=row.volunteer_id,
        room_id=row.room_id,
        needs_captions=row.needs_captions,
    )


async def checked_request(
    organisation: Organisation, language: str, note: str
) -> tuple[str, str]:
    """The language (if offered here) and the note (tidied, if short enough) of a new request."""
    if not await organisation.is_offered(language):
        raise InvalidInput(f"Interpretation into {language!r} is not offered here.", "language")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note must be at most {MAX_NOTE} characters.", "note")
    try:
        note.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput("The note contains characters that cannot be stored.", "note") from exc
    return language, note


def open_request_row(
    token_hash: str,
    language: str,
    media: str,
    note: str,
    ttl: timedelta,
    room_id: str | None = None,
    needs_captions: bool = False,
) -> InterpretationRequest:
    """A new request, open in the queue until ``ttl`` has passed."""
    now = utcnow()
    return InterpretationRequest(
        id=new_id(),
        token_hash=token_hash,
        language_code=language,
        media=media,
        note=note,
        needs_captions=needs_captions,
        status=RequestStatus.OPEN,
        priority=0,
        created_at=now,
        expires_at=now + ttl,
        room_id=room_id,
    )
