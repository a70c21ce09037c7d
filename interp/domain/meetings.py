"""Caseworkers' meetings: each is a room, with an invite link for residents and a
caption-view link for anyone in the room to read the captions on their own phone.

The caseworker is the host. Residents who open the invite link give their name and
language and wait until the host lets them in; the host may remove anyone and end
the meeting for everyone. An online meeting holds at most ``max_participants``
people at once: every browser sends its media to every other (a mesh), and past a
handful of people a weak laptop cannot keep up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.organisation import Organisation
from interp.domain.tokens import derived_token, hash_token, new_id, new_token, utcnow
from interp.languages import LANGUAGES
from interp.store.database import Database, rowcount
from interp.store.models import Meeting, Room, RoomParticipant, User

MODES = ("online", "in_room")
MAX_TITLE = 200
MAX_LANGUAGES = 10
MAX_NAME = 100
# The role of a meeting's host in its room (the caseworker who holds it, or a coordinator).
HOST_ROLE = "caseworker"
# Someone the host of an in-room meeting named as speaking (interp.domain.consent adds them).
NAMED_SPEAKER_ROLE = "speaker"


class MeetingEnded(InvalidToken):
    """A link of a meeting that has ended."""

    code = "ended"


class Removed(NotAllowed):
    """The host removed this participant: their link no longer lets them in."""

    code = "removed"


class MeetingFull(Conflict):
    code = "full"

    def __init__(self, limit: int) -> None:
        super().__init__(f"This meeting is full ({limit} people). Ask the caseworker.")
        self.limit = limit


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

    @property
    def in_room(self) -> bool:
        return self.mode == "in_room"

    @property
    def duration(self) -> timedelta | None:
        """From the host's first arrival to the end; None until both have happened."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

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


@dataclass(frozen=True)
class Attendee:
    """Someone in a meeting's room, and where they stand with the host."""

    id: str
    name: str
    role: str  # caseworker (the host) | resident | interpreter
    language: str | None
    admitted: bool
    removed: bool
    # Their page is connected (or has dropped within the reconnect grace period).
    present: bool
    joined_at: datetime | None

    @property
    def host(self) -> bool:
        return self.role == HOST_ROLE

    @property
    def waiting(self) -> bool:
        """A guest whose page is open, waiting for the host to let them in."""
        return self.present and not self.admitted and not self.removed

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "language": self.language}


@dataclass(frozen=True)
class Guest:
    attendee: Attendee
    token: str  # their call link's token; shown once, only its hash is stored


@dataclass(frozen=True)
class MeetingSummary:
    """A line of the caseworker's meeting history."""

    meeting: MeetingInfo
    # Everyone who was let in and arrived, host included, in order of arrival.
    people: tuple[Attendee, ...]


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


def _attendee(row: RoomParticipant) -> Attendee:
    return Attendee(
        id=row.id,
        name=row.display_name,
        role=row.role,
        language=row.language_code,
        admitted=row.admitted_at is not None,
        removed=row.removed_at is not None,
        present=row.joined_at is not None and row.left_at is None and row.removed_at is None,
        joined_at=row.joined_at,
    )


def check_languages(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(code for code in codes if code))
    unknown = [code for code in chosen if code not in LANGUAGES]
    if unknown:
        raise InvalidInput(f"Unknown language codes: {', '.join(unknown)}.")
    if len(chosen) > MAX_LANGUAGES:
        raise InvalidInput(f"Choose at most {MAX_LANGUAGES} languages.")
    return chosen


def clean_name(name: str) -> str:
    """A person's name as others will see it: spaces tidied, no control characters."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidInput(f"Enter a name of 1 to {MAX_NAME} characters.")
    return name


def _present(room_id: str) -> Any:
    """Participants of the room whose page is there now (connected or coming back)."""
    return (
        select(func.count())
        .select_from(RoomParticipant)
        .where(RoomParticipant.room_id == room_id)
        .where(RoomParticipant.joined_at.is_not(None))
        .where(RoomParticipant.left_at.is_(None))
        .where(RoomParticipant.removed_at.is_(None))
    )


class Meetings:
    def __init__(
        self,
        db: Database,
        secret: str,
        default_max_participants: int,
        organisation: Organisation | None = None,
    ) -> None:
        self.db = db
        self.secret = secret
        self.default_max_participants = default_max_participants
        self.organisation = organisation or Organisation(db)

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
        # In a room, everyone sees everyone: the call carries only sound (an interpreter
        # joining from elsewhere, or someone dialled in).
        media = "video" if mode == "online" else "audio"
        async with self.db.session() as session:
            session.add(Room(id=room_id, media=media, kind="meeting", created_at=now))
            await session.flush()
            session.add(row)
            session.add(
                RoomParticipant(
                    id=new_id(),
                    room_id=room_id,
                    role=HOST_ROLE,
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
        if row is None:
            raise InvalidToken("This meeting link is not valid.")
        if row.ended_at is not None:
            raise MeetingEnded("This meeting has ended.")
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

    async def summaries(self, owner_id: str) -> list[MeetingSummary]:
        """The caseworker's meetings, newest first, each with who took part: everyone let in
        who arrived, then the speakers the host named in the room."""
        meetings = await self.history(owner_id)
        rooms = [m.room_id for m in meetings]
        people: dict[str, list[Attendee]] = {room: [] for room in rooms}
        if rooms:
            arrived = and_(
                RoomParticipant.joined_at.is_not(None), RoomParticipant.admitted_at.is_not(None)
            )
            async with self.db.session() as session:
                rows = await session.scalars(
                    select(RoomParticipant)
                    .where(RoomParticipant.room_id.in_(rooms))
                    .where(or_(arrived, RoomParticipant.role == NAMED_SPEAKER_ROLE))
                    .order_by(
                        RoomParticipant.joined_at.is_(None),
                        RoomParticipant.joined_at,
                        RoomParticipant.id,
                    )
                )
                for row in rows:
                    people[row.room_id].append(_attendee(row))
        return [MeetingSummary(m, tuple(people[m.room_id])) for m in meetings]

    # -- guests -------------------------------------------------------------------------

    async def join(self, invite_token: str, name: str, language: str) -> Guest:
        """A resident arrives by the invite link: they wait until the host lets them in."""
        meeting = await self.by_invite_token(invite_token)
        name = clean_name(name)
        if not await self.organisation.is_offered(language):
            raise InvalidInput(f"{language!r} is not one of the languages offered here.")
        token, token_hash = new_token()
        row = RoomParticipant(
            id=new_id(),
            room_id=meeting.room_id,
            role="resident",
            display_name=name,
            language_code=language,
            token_hash=token_hash,
        )
        async with self.db.session() as session:
            await self._lock(session, meeting.id)
            if (await session.scalar(_present(meeting.room_id)) or 0) >= meeting.max_participants:
                raise MeetingFull(meeting.max_participants)
            session.add(row)
        return Guest(_attendee(row), token)

    async def guest(self, token: str) -> tuple[MeetingInfo, Attendee]:
        """The meeting and the guest this call link belongs to, while they may come in."""
        async with self.db.session() as session:
            found = (
                await session.execute(
                    select(Meeting, RoomParticipant)
                    .join(RoomParticipant, RoomParticipant.room_id == Meeting.room_id)
                    .where(RoomParticipant.token_hash == hash_token(token))
                )
            ).first()
        if found is None:
            raise InvalidToken("This meeting link is not valid.")
        meeting, row = found
        if meeting.ended_at is not None:
            raise MeetingEnded("This meeting has ended.")
        if row.removed_at is not None:
            raise Removed("The host removed you from this meeting.")
        return view(meeting), _attendee(row)

    async def attendee(self, participant_id: str) -> Attendee:
        async with self.db.session() as session:
            row = await session.get(RoomParticipant, participant_id)
        if row is None:
            raise NotFound("No such participant.")
        return _attendee(row)

    async def attendees(self, meeting_id: str) -> list[Attendee]:
        """Everyone in the meeting's room, in order of arrival (not yet arrived last)."""
        meeting = await self.get(meeting_id)
        async with self.db.session() as session:
            rows = await session.scalars(
                select(RoomParticipant)
                .where(RoomParticipant.room_id == meeting.room_id)
                .order_by(RoomParticipant.joined_at.is_(None), RoomParticipant.joined_at,
                          RoomParticipant.id)
            )
            return [_attendee(row) for row in rows]

    async def has_room(self, meeting_id: str) -> bool:
        """Whether one more person fits in the meeting now (e.g. an interpreter)."""
        meeting = await self.get(meeting_id)
        async with self.db.session() as session:
            present = await session.scalar(_present(meeting.room_id)) or 0
        return present < meeting.max_participants

    async def waiting(self, meeting_id: str) -> list[Attendee]:
        """Guests whose page is open, waiting to be let in, first come first."""
        return [a for a in await self.attendees(meeting_id) if a.waiting]

    async def admit(self, meeting_id: str, participant_id: str) -> Attendee:
        """Let a waiting guest in, if the meeting has room for one more."""
        meeting = await self.get(meeting_id)
        async with self.db.session() as session:
            await self._lock(session, meeting_id)
            row = await self._guest_row(session, meeting, participant_id)
            if row.removed_at is not None:
                raise Conflict("This person was removed from the meeting.")
            if row.admitted_at is None:
                admitted = await session.scalar(
                    _present(meeting.room_id).where(RoomParticipant.admitted_at.is_not(None))
                )
                if (admitted or 0) >= meeting.max_participants:
                    raise MeetingFull(meeting.max_participants)
                row.admitted_at = utcnow()
            return _attendee(row)

    async def remove(self, meeting_id: str, participant_id: str) -> Attendee:
        """Take someone out of the meeting; their link stops working."""
        meeting = await self.get(meeting_id)
        async with self.db.session() as session:
            row = await self._guest_row(session, meeting, participant_id)
            if row.removed_at is None:
                now = utcnow()
                row.removed_at = now
                if row.joined_at is not None and row.left_at is None:
                    row.left_at = now
            return _attendee(row)

    async def _guest_row(
        self, session: AsyncSession, meeting: MeetingInfo, participant_id: str
    ) -> RoomParticipant:
        if meeting.ended:
            raise Conflict("The meeting has ended.")
        row = await session.get(RoomParticipant, participant_id)
        if row is None or row.room_id != meeting.room_id:
            raise NotFound("This person is not in the meeting.")
        if row.role == HOST_ROLE:
            raise NotAllowed("A host cannot be let in or removed.")
        return row

    async def _lock(self, session: AsyncSession, meeting_id: str) -> None:
        """Serialise changes to who is in a meeting (PostgreSQL; SQLite writes one at a time)."""
        await session.scalar(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update())

    # -- staff ----------------------------------------------------------------------------

    async def host_seat(self, meeting_id: str, user: Any) -> str:
        """The host's participant id in the meeting's room; a coordinator who opens another
        caseworker's meeting joins it as a second host."""
        meeting = await self.owned(meeting_id, user)
        if meeting.ended:
            raise MeetingEnded("This meeting has ended.")
        async with self.db.session() as session:
            found = await session.scalar(
                select(RoomParticipant.id)
                .where(RoomParticipant.room_id == meeting.room_id)
                .where(RoomParticipant.user_id == user.id)
            )
            if found is not None:
                return found
            seat = RoomParticipant(
                id=new_id(),
                room_id=meeting.room_id,
                role=HOST_ROLE,
                display_name=user.display_name,
                language_code=None,
                user_id=user.id,
                admitted_at=utcnow(),
            )
            session.add(seat)
            return seat.id

    async def mark_started(self, meeting_id: str) -> bool:
        """The host has arrived: the meeting has begun (True the first time only)."""
        return await self._stamp(meeting_id, Meeting.started_at, "started_at")

    async def mark_interpreter_joined(self, meeting_id: str) -> bool:
        return await self._stamp(meeting_id, Meeting.interpreter_joined_at, "interpreter_joined_at")

    async def end(self, meeting_id: str) -> bool:
        """End the meeting for everyone; False if it had already ended."""
        return await self._stamp(meeting_id, Meeting.ended_at, "ended_at")

    async def _stamp(self, meeting_id: str, column: Any, name: str) -> bool:
        async with self.db.session() as session:
            done = await session.execute(
                update(Meeting)
                .where(Meeting.id == meeting_id, column.is_(None))
                .values({name: utcnow()})
            )
            return rowcount(done) == 1
