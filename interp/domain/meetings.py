"""Caseworkers' meetings: each is a room, with an invite link for residents and a
caption-view link for anyone in the room to read the captions on their own phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from interp.domain.errors import InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.tokens import derived_token, hash_token, new_id, utcnow
from interp.languages import LANGUAGES
from interp.store.database import Database
from interp.store.models import Meeting, Room, RoomParticipant, User

MODES = ("online", "in_room")
MAX_TITLE = 200
MAX_LANGUAGES = 10


@dataclass(frozen=True)
class MeetingInfo:
    id: str
    owner_id: str
    title: str
    scheduled_at: datetime | None
    languages: tuple[str, ...]
    mode: str
    room_id: str
    max_participants: int
    request_id: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    interpreter_joined_at: datetime | None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "scheduled_at": self.scheduled_at.isoformat() if self.scheduled_at else None,
            "languages": list(self.languages),
            "mode": self.mode,
            "room": self.room_id,
            "max_participants": self.max_participants,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "interpreter_joined": self.interpreter_joined_at is not None,
        }


@dataclass(frozen=True)
class MeetingLinks:
    # Residents join with the invite token; anyone reads the captions with the view token.
    # Only their hashes are stored; the server makes them again from its secret.
    invite_token: str
    view_token: str


def view(row: Meeting) -> MeetingInfo:
    return MeetingInfo(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        scheduled_at=row.scheduled_at,
        languages=tuple(code for code in row.languages.split(",") if code),
        mode=row.mode,
        room_id=row.room_id,
        max_participants=row.max_participants,
        request_id=row.request_id,
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        interpreter_joined_at=row.interpreter_joined_at,
    )


def check_languages(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(code for code in codes if code))
    unknown = [code for code in chosen if code not in LANGUAGES]
    if unknown:
        raise InvalidInput(f"Unknown language codes: {', '.join(unknown)}.")
    if len(chosen) > MAX_LANGUAGES:
        raise InvalidInput(f"Choose at most {MAX_LANGUAGES} languages.")
    return chosen


class Meetings:
    def __init__(self, db: Database, secret: str, default_max_participants: int) -> None:
        self.db = db
        self.secret = secret
        self.default_max_participants = default_max_participants

    def links(self, meeting_id: str) -> MeetingLinks:
        invite, _ = derived_token(self.secret, "meeting-invite", meeting_id)
        view_token, _ = derived_token(self.secret, "meeting-view", meeting_id)
        return MeetingLinks(invite, view_token)

    async def create(
        self,
        owner: User | Any,
        title: str,
        mode: str,
        languages: list[str] | tuple[str, ...] = (),
        scheduled_at: datetime | None = None,
    ) -> MeetingInfo:
        """A new meeting and its room, with the caseworker as its host."""
        if getattr(owner, "role", None) not in ("caseworker", "coordinator"):
            raise NotAllowed("Only caseworkers hold meetings.")
        title = title.strip()
        if not title:
            raise InvalidInput("Give the meeting a title.")
        if len(title) > MAX_TITLE:
            raise InvalidInput(f"The title must be at most {MAX_TITLE} characters.")
        if mode not in MODES:
            raise InvalidInput("Choose an online meeting or a meeting in a room.")
        if scheduled_at is not None and scheduled_at.tzinfo is None:
            raise InvalidInput("The meeting time needs a time zone.")
        chosen = check_languages(languages)
        meeting_id = new_id()
        _, invite_hash = derived_token(self.secret, "meeting-invite", meeting_id)
        _, view_hash = derived_token(self.secret, "meeting-view", meeting_id)
        now = utcnow()
        room_id = new_id()
        row = Meeting(
            id=meeting_id,
            owner_id=owner.id,
            title=title,
            scheduled_at=scheduled_at,
            languages=",".join(chosen),
            mode=mode,
            room_id=room_id,
            invite_token_hash=invite_hash,
            view_token_hash=view_hash,
            max_participants=self.default_max_participants,
            created_at=now,
        )
        async with self.db.session() as session:
            session.add(Room(id=room_id, media="video", kind="meeting", created_at=now))
            await session.flush()
            session.add(row)
            session.add(
                RoomParticipant(
                    id=new_id(),
                    room_id=room_id,
                    role="caseworker",
                    display_name=owner.display_name,
                    language_code=None,
                    user_id=owner.id,
                    admitted_at=now,
                )
            )
        return view(row)

    async def get(self, meeting_id: str) -> MeetingInfo:
        async with self.db.session() as session:
            row = await session.get(Meeting, meeting_id)
        if row is None:
            raise NotFound("No such meeting.")
        return view(row)

    async def for_room(self, room_id: str) -> MeetingInfo | None:
        async with self.db.session() as session:
            row = await session.scalar(select(Meeting).where(Meeting.room_id == room_id))
        return view(row) if row is not None else None

    async def owned(self, meeting_id: str, user: Any) -> MeetingInfo:
        """The meeting, if this account may manage it: its caseworker or a coordinator."""
        meeting = await self.get(meeting_id)
        if meeting.owner_id != user.id and getattr(user, "role", None) != "coordinator":
            raise NotAllowed("This is another caseworker's meeting.")
        return meeting

    async def by_invite_token(self, token: str) -> MeetingInfo:
        return await self._by_token(Meeting.invite_token_hash, token)

    async def by_view_token(self, token: str) -> MeetingInfo:
        return await self._by_token(Meeting.view_token_hash, token)

    async def _by_token(self, column: Any, token: str) -> MeetingInfo:
        async with self.db.session() as session:
            row = await session.scalar(select(Meeting).where(column == hash_token(token)))
        if row is None or row.ended_at is not None:
            raise InvalidToken("This meeting link is not valid: the meeting may have ended.")
        return view(row)

    async def history(self, owner_id: str) -> list[MeetingInfo]:
        """The caseworker's meetings, newest first."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Meeting)
                .where(Meeting.owner_id == owner_id)
                .order_by(Meeting.created_at.desc())
            )
            return [view(row) for row in rows]
