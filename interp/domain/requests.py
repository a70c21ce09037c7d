"""The interpreter request queue: residents ask, volunteers accept, first to accept wins."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.accounts import Account
from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.organisation import Organisation
from interp.domain.tokens import hash_token, new_id, new_token, utcnow
from interp.store.database import Database, rowcount
from interp.store.models import (
    InterpretationRequest,
    Meeting,
    ResidentLink,
    Room,
    RoomParticipant,
    User,
    UserLanguage,
)

MEDIA = ("video", "audio")
MAX_NOTE = 500
# How many recent matches of a language the wait estimate looks at, and how far back.
ESTIMATE_SAMPLE = 20
ESTIMATE_WINDOW = timedelta(days=30)
# Rooms that exist before an interpreter is found, which the accepting interpreter joins:
# machine interpretation while a resident waits, and caseworkers' meetings.
JOINABLE_ROOMS = ("machine", "meeting")


@dataclass(frozen=True)
class QueuedRequest:
    id: str
    language_code: str
    media: str
    note: str
    status: str  # open | matched | closed | cancelled | expired
    created_at: datetime
    long_wait: bool
    volunteer_id: str | None
    room_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "language": self.language_code,
            "media": self.media,
            "note": self.note,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "long_wait": self.long_wait,
        }


@dataclass(frozen=True)
class NewRequest:
    request: QueuedRequest
    token: str  # the resident's capability; shown once, only its hash is stored


@dataclass(frozen=True)
class Match:
    request: QueuedRequest
    room_id: str


def _view(row: InterpretationRequest) -> QueuedRequest:
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
    )


def _queue_order(language: str) -> Any:
    return (
        select(InterpretationRequest)
        .where(InterpretationRequest.status == "open")
        .where(InterpretationRequest.language_code == language)
        .order_by(
            InterpretationRequest.priority.desc(),
            InterpretationRequest.created_at,
            InterpretationRequest.id,
        )
    )


class RequestQueue:
    def __init__(
        self,
        db: Database,
        organisation: Organisation,
        request_ttl: timedelta,
        fallback_wait: timedelta,
    ) -> None:
        self.db = db
        self.organisation = organisation
        self.request_ttl = request_ttl
        self.fallback_wait = fallback_wait

    async def create(
        self, language: str, media: str, note: str = "", link_token: str | None = None
    ) -> NewRequest:
        if not await self.organisation.is_offered(language):
            raise InvalidInput(f"Interpretation into {language!r} is not offered here.")
        if media not in MEDIA:
            raise InvalidInput("Choose video or audio only.")
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"The note must be at most {MAX_NOTE} characters.")
        token, token_hash = new_token()
        now = utcnow()
        row = InterpretationRequest(
            id=new_id(),
            token_hash=token_hash,
            language_code=language,
            media=media,
            note=note,
            status="open",
            priority=0,
            created_at=now,
            expires_at=now + self.request_ttl,
        )
        async with self.db.session() as session:
            if link_token is not None:
                row.resident_link_id = await self._spend_link(session, link_token)
            session.add(row)
        return NewRequest(_view(row), token)

    async def _spend_link(self, session: AsyncSession, token: str) -> str:
        link_id = await session.scalar(
            select(ResidentLink.id).where(ResidentLink.token_hash == hash_token(token))
        )
        now = utcnow()
        spent = await session.execute(
            update(ResidentLink)
            .where(ResidentLink.id == link_id)
            .where(ResidentLink.used_at.is_(None), ResidentLink.expires_at > now)
            .values(used_at=now)
        )
        if link_id is None or rowcount(spent) != 1:
            raise InvalidToken("This link is not valid: it may have expired or been used.")
        return link_id

    async def create_for_meeting(
        self, meeting_id: str, language: str, note: str = ""
    ) -> QueuedRequest:
        """Ask for an interpreter into a meeting: a request in the same queue, whose room is
        the meeting's. Its volunteer joins the meeting on accepting. One request of a meeting
        waits at a time."""
        if not await self.organisation.is_offered(language):
            raise InvalidInput(f"Interpretation into {language!r} is not offered here.")
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"The note must be at most {MAX_NOTE} characters.")
        now = utcnow()
        async with self.db.session() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound("No such meeting.")
            if meeting.ended_at is not None:
                raise Conflict("The meeting has ended.")
            if language not in meeting.languages.split(","):
                raise InvalidInput("Ask for an interpreter in one of the meeting's languages.")
            waiting = await session.scalar(
                select(InterpretationRequest.id)
                .where(InterpretationRequest.room_id == meeting.room_id)
                .where(InterpretationRequest.status == "open")
                .limit(1)
            )
            if waiting is not None:
                raise Conflict("This meeting's request for an interpreter is still waiting.")
            room = await session.get(Room, meeting.room_id)
            assert room is not None
            # Nobody follows this request with a link: the meeting is where it leads.
            _, token_hash = new_token()
            row = InterpretationRequest(
                id=new_id(),
                token_hash=token_hash,
                language_code=language,
                media=room.media,
                note=note,
                status="open",
                priority=0,
                created_at=now,
                expires_at=now + self.request_ttl,
                room_id=room.id,
            )
            session.add(row)
            await session.flush()
            meeting.request_id = room.request_id = row.id
        return _view(row)

    async def withdraw(self, request_id: str) -> QueuedRequest:
        """Cancel an open request by its id (the caseworker who asked into a meeting)."""
        async with self.db.session() as session:
            done = await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.id == request_id)
                .where(InterpretationRequest.status == "open")
                .values(status="cancelled", closed_at=utcnow())
            )
        if rowcount(done) != 1:
            current = await self.get(request_id)
            raise Conflict(f"The request is {current.status} and can no longer be cancelled.")
        return await self.get(request_id)

    async def by_token(self, token: str) -> QueuedRequest:
        async with self.db.session() as session:
            row = await session.scalar(
                select(InterpretationRequest).where(
                    InterpretationRequest.token_hash == hash_token(token)
                )
            )
        if row is None or row.expires_at <= utcnow():
            raise InvalidToken("This link is not valid: it may have expired.")
        return _view(row)

    async def get(self, request_id: str) -> QueuedRequest:
        async with self.db.session() as session:
            row = await session.get(InterpretationRequest, request_id)
        if row is None:
            raise NotFound("No such request.")
        return _view(row)

    async def cancel(self, token: str) -> QueuedRequest:
        request = await self.by_token(token)
        async with self.db.session() as session:
            done = await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.id == request.id)
                .where(InterpretationRequest.status == "open")
                .values(status="cancelled", closed_at=utcnow())
            )
        if rowcount(done) != 1:
            current = await self.get(request.id)
            raise Conflict(f"The request is {current.status} and can no longer be cancelled.")
        return await self.get(request.id)

    async def queue(self, language: str) -> list[QueuedRequest]:
        """Open requests for one language, head of the queue first."""
        async with self.db.session() as session:
            return [_view(row) for row in await session.scalars(_queue_order(language))]

    async def open_for(self, languages: tuple[str, ...] | list[str]) -> list[QueuedRequest]:
        """Open requests a volunteer with these languages could take, oldest first."""
        if not languages:
            return []
        async with self.db.session() as session:
            rows = await session.scalars(
                select(InterpretationRequest)
                .where(InterpretationRequest.status == "open")
                .where(InterpretationRequest.language_code.in_(languages))
                .order_by(InterpretationRequest.priority.desc(), InterpretationRequest.created_at)
            )
            return [_view(row) for row in rows]

    async def open_languages(self) -> list[str]:
        async with self.db.session() as session:
            codes = await session.scalars(
                select(InterpretationRequest.language_code)
                .where(InterpretationRequest.status == "open")
                .distinct()
            )
            return list(codes)

    async def estimated_wait_s(self, language: str) -> float | None:
        """Median time to a match over recent matches in this language; None without history."""
        since = utcnow() - ESTIMATE_WINDOW
        async with self.db.session() as session:
            rows = await session.execute(
                select(InterpretationRequest.created_at, InterpretationRequest.matched_at)
                .where(InterpretationRequest.language_code == language)
                .where(InterpretationRequest.matched_at.is_not(None))
                .where(InterpretationRequest.created_at >= since)
                .order_by(InterpretationRequest.matched_at.desc())
                .limit(ESTIMATE_SAMPLE)
            )
            waits = [(matched - created).total_seconds() for created, matched in rows if matched]
        return statistics.median(waits) if waits else None

    async def volunteers_for(self, language: str) -> list[str]:
        """Ids of active volunteers who interpret this language."""
        async with self.db.session() as session:
            ids = await session.scalars(
                select(User.id)
                .join(UserLanguage, UserLanguage.user_id == User.id)
                .where(UserLanguage.language_code == language, User.active.is_(True))
            )
            return list(ids)

    async def start_machine_room(self, token: str, desk_language: str) -> str:
        """Open machine interpretation for a waiting request; returns its room.

        The request stays in the queue: an interpreter who accepts it later joins this
        room. Asking again returns the same room while it is open.
        """
        request = await self.by_token(token)
        if request.status != "open":
            raise Conflict(
                f"The request is {request.status}: machine interpretation is for waiting requests."
            )
        existing = await self._open_machine_room(request.room_id)
        if existing is not None:
            return existing
        room_id = await self._claim_machine_room(request.id, desk_language)
        if room_id is None:
            # Changed meanwhile: a second ask at the same moment (its room is the answer)
            # or an accepting volunteer (the request is no longer waiting).
            current = await self.get(request.id)
            existing = await self._open_machine_room(current.room_id)
            if current.status != "open" or existing is None:
                raise Conflict("The request changed meanwhile; try again.")
            return existing
        return room_id

    async def _claim_machine_room(self, request_id: str, desk_language: str) -> str | None:
        """Open a machine room for the request, unless it got a room meanwhile."""
        now = utcnow()
        room_id = new_id()
        async with self.db.session() as session:
            taken = await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.id == request_id)
                .where(InterpretationRequest.status == "open")
                .where(InterpretationRequest.room_id.is_(None))
                .values(room_id=room_id)
            )
            if rowcount(taken) != 1:
                return None
            row = await session.get(InterpretationRequest, request_id)
            assert row is not None
            await session.refresh(row)
            session.add(
                # Started at once: nobody else has to arrive for it to begin.
                Room(id=room_id, request_id=request_id, media=row.media, kind="machine",
                     desk_language=desk_language, created_at=now, started_at=now)
            )
            await session.flush()
            session.add(self._resident(room_id, row))
            caseworker = await self._link_owner(session, row)
            if caseworker is not None:
                # The caseworker who sent the link is with the resident: they may join too.
                session.add(
                    RoomParticipant(
                        id=new_id(), room_id=room_id, role="caseworker",
                        display_name=caseworker.display_name, language_code=desk_language,
                        user_id=caseworker.id,
                    )
                )
        return room_id

    @staticmethod
    def _resident(room_id: str, row: InterpretationRequest) -> RoomParticipant:
        return RoomParticipant(
            id=new_id(),
            room_id=room_id,
            role="resident",
            display_name="",
            language_code=row.language_code,
            token_hash=row.token_hash,
        )

    @staticmethod
    async def _link_owner(session: AsyncSession, row: InterpretationRequest) -> User | None:
        if row.resident_link_id is None:
            return None
        link = await session.get(ResidentLink, row.resident_link_id)
        owner = await session.get(User, link.created_by) if link is not None else None
        return owner if owner is not None and owner.active else None

    async def accept(self, request_id: str, volunteer: Account) -> Match:
        """Give the request to this volunteer and open their room, unless someone was faster.

        The conditional UPDATE is the whole of the race: the database lets exactly one
        transaction move the row from open to matched; everyone else sees rowcount 0.
        A request in machine interpretation, or made into a meeting, keeps its room: the
        interpreter joins it.
        """
        if not volunteer.active or volunteer.role != "volunteer":
            raise NotAllowed("Only volunteer interpreters accept requests.")
        request = await self.get(request_id)
        if request.language_code not in volunteer.languages:
            raise NotAllowed("You do not interpret this request's language.")
        now = utcnow()
        joinable = await self._joinable_room(request.room_id)
        room_id = joinable.id if joinable is not None else new_id()
        async with self.db.session() as session:
            won = await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.id == request_id)
                .where(InterpretationRequest.status == "open")
                .where(InterpretationRequest.expires_at > now)
                # A machine room opened meanwhile would be left behind: lose the race instead.
                .where(
                    InterpretationRequest.room_id == joinable.id
                    if joinable
                    else InterpretationRequest.room_id.is_(None)
                )
                .values(
                    status="matched", volunteer_id=volunteer.id, matched_at=now, room_id=room_id
                )
            )
            if rowcount(won) == 1:
                row = await session.get(InterpretationRequest, request_id)
                assert row is not None
                await session.refresh(row)
                if joinable is None:
                    session.add(
                        Room(id=room_id, request_id=request_id, media=row.media, created_at=now)
                    )
                    await session.flush()
                    session.add(self._resident(room_id, row))
                session.add(
                    RoomParticipant(
                        id=new_id(),
                        room_id=room_id,
                        role="interpreter",
                        display_name=volunteer.display_name,
                        language_code=row.language_code,
                        user_id=volunteer.id,
                        # The meeting's host asked for them: no waiting room.
                        admitted_at=now if joinable and joinable.kind == "meeting" else None,
                    )
                )
                return Match(_view(row), room_id)
        current = await self.get(request_id)
        if current.status == "matched":
            raise Conflict("Another interpreter has already taken this request.")
        if current.status == "open":  # it went into machine interpretation meanwhile
            raise Conflict("The request changed meanwhile; try again.")
        raise Conflict(f"The request is {current.status} and can no longer be accepted.")

    async def _open_machine_room(self, room_id: str | None) -> str | None:
        room = await self._joinable_room(room_id)
        return room.id if room is not None and room.kind == "machine" else None

    async def _joinable_room(self, room_id: str | None) -> Room | None:
        """The open room an accepting interpreter would join, if the request has one."""
        if room_id is None:
            return None
        async with self.db.session() as session:
            room = await session.get(Room, room_id)
        if room is None or room.kind not in JOINABLE_ROOMS or room.closed_at is not None:
            return None
        return room

    async def release(self, request_id: str, volunteer_id: str) -> QueuedRequest:
        """The volunteer hands the request back before the call starts: it goes to the head.

        In machine interpretation or a meeting the room stays open; only the interpreter goes.
        """
        now = utcnow()
        async with self.db.session() as session:
            row = await session.get(InterpretationRequest, request_id)
            if row is None:
                raise NotFound("No such request.")
            room = await session.get(Room, row.room_id) if row.room_id else None
            shared = (
                room is not None and room.kind in JOINABLE_ROOMS and room.closed_at is None
            )
            interpreter = await session.scalar(
                select(RoomParticipant)
                .where(RoomParticipant.room_id == row.room_id)
                .where(RoomParticipant.role == "interpreter")
                .where(RoomParticipant.user_id == volunteer_id)
            )
            started = (
                interpreter is not None and interpreter.joined_at is not None
                if shared
                else room is not None and room.started_at is not None
            )
            if started:
                raise Conflict("The call has started; leave the call instead.")
            done = await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.id == request_id)
                .where(InterpretationRequest.status == "matched")
                .where(InterpretationRequest.volunteer_id == volunteer_id)
                .values(
                    status="open",
                    priority=1,
                    volunteer_id=None,
                    matched_at=None,
                    room_id=row.room_id if shared else None,
                )
            )
            if rowcount(done) != 1:
                raise Conflict("This request is not yours to hand back.")
            if shared and interpreter is not None:
                await session.delete(interpreter)
            elif room is not None:
                room.closed_at = now
        return await self.get(request_id)

    async def mark_long_waits(self) -> list[QueuedRequest]:
        """Flag open requests that have waited past the fallback time; each is flagged once."""
        cutoff = utcnow() - self.fallback_wait
        flagged = []
        async with self.db.session() as session:
            ids = list(
                await session.scalars(
                    select(InterpretationRequest.id)
                    .where(InterpretationRequest.status == "open")
                    .where(InterpretationRequest.long_wait_at.is_(None))
                    .where(InterpretationRequest.created_at <= cutoff)
                )
            )
        for request_id in ids:
            async with self.db.session() as session:
                done = await session.execute(
                    update(InterpretationRequest)
                    .where(InterpretationRequest.id == request_id)
                    .where(InterpretationRequest.long_wait_at.is_(None))
                    .values(long_wait_at=utcnow())
                )
            if rowcount(done) == 1:
                flagged.append(await self.get(request_id))
        return flagged

    async def expire_stale(self) -> list[QueuedRequest]:
        """Close open requests whose link has expired, so nobody accepts a ghost."""
        now = utcnow()
        async with self.db.session() as session:
            rows = list(
                await session.scalars(
                    select(InterpretationRequest)
                    .where(InterpretationRequest.status == "open")
                    .where(InterpretationRequest.expires_at <= now)
                )
            )
            for row in rows:
                row.status, row.closed_at = "expired", now
        return [_view(row) for row in rows]


class ResidentLinks:
    """Personal request links a caseworker sends one resident."""

    def __init__(self, db: Database, ttl: timedelta) -> None:
        self.db = db
        self.ttl = ttl

    async def create(self, created_by: Account, label: str = "") -> str:
        if created_by.role not in ("caseworker", "coordinator"):
            raise NotAllowed("Only caseworkers and coordinators send resident links.")
        token, token_hash = new_token()
        now = utcnow()
        async with self.db.session() as session:
            session.add(
                ResidentLink(
                    id=new_id(),
                    token_hash=token_hash,
                    created_by=created_by.id,
                    label=label.strip()[:100],
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
        return token

    async def check(self, token: str) -> None:
        async with self.db.session() as session:
            link = await session.scalar(
                select(ResidentLink).where(ResidentLink.token_hash == hash_token(token))
            )
        if link is None or link.used_at is not None or link.expires_at <= utcnow():
            raise InvalidToken("This link is not valid: it may have expired or been used.")
