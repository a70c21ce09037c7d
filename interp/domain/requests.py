"""The interpreter request queue: residents ask, volunteers accept, first to accept wins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from interp.domain.accounts import Account, lock_interpreter
from interp.domain.bookings import held_for_another
from interp.domain.errors import Conflict, InvalidInput, NotFound
from interp.domain.kinds import Media, ParticipantRole, RequestStatus, RoomKind
from interp.domain.machine_rooms import JOINABLE_ROOMS, MachineRooms, resident_seat
from interp.domain.meeting_requests import MeetingRequests
from interp.domain.request_records import (
    MAX_NOTE,
    Match,
    NewRequest,
    QueuedRequest,
    checked_request,
    open_request_row,
    request_view,
)
from interp.domain.resident_links import ResidentLinks, spend_link
from interp.domain.tokens import new_id, new_token, utcnow
from interp.store.database import rowcount
from interp.store.models import (
    InterpretationRequest,
    Room,
    RoomParticipant,
)

__all__ = [
    "MAX_NOTE",
    "MEDIA",
    "Match",
    "NewRequest",
    "QueuedRequest",
    "RequestQueue",
    "ResidentLinks",
    "StillInCall",
]

MEDIA = tuple(Media)
FINISH_CURRENT_CALL = "Finish your current call first."


class StillInCall(Conflict):
    """The volunteer already holds a call that has not ended: one call at a time."""


def in_a_call(volunteer_id: str) -> Any:
    """Whether the volunteer holds a matched request whose room is open and that they have
    not left for good (a meeting goes on after its interpreter has left)."""
    held = aliased(InterpretationRequest)  # not the row an UPDATE of requests is changing
    return (
        select(held.id)
        .join(Room, Room.id == held.room_id)
        .join(
            RoomParticipant,
            (RoomParticipant.room_id == Room.id) & (RoomParticipant.user_id == volunteer_id),
        )
        .where(held.volunteer_id == volunteer_id, held.status == RequestStatus.MATCHED)
        .where(Room.closed_at.is_(None), RoomParticipant.left_at.is_(None))
        .exists()
    )


class RequestQueue(MachineRooms, MeetingRequests):
    async def create(
        self,
        language: str,
        media: str,
        note: str = "",
        link_token: str | None = None,
        needs_captions: bool = False,
    ) -> NewRequest:
        if media not in MEDIA:
            raise InvalidInput("Choose video or audio only.", "media")
        language, note = await checked_request(self.organisation, language, note)
        token, token_hash = new_token()
        row = open_request_row(
            token_hash, language, media, note, self.request_ttl, needs_captions=needs_captions
        )
        if not await self.waits.open_now():
            # Closed: nobody is expected to answer, so machine interpretation is offered
            # from the start (an interpreter who is about may still take the request).
            row.long_wait_at = row.created_at
        async with self.db.session() as session:
            if link_token is not None:
                row.resident_link_id = await spend_link(session, link_token)
            session.add(row)
        return NewRequest(request_view(row), token)

    async def withdraw(self, request_id: str) -> QueuedRequest:
        """Cancel an open request by its id (the caseworker who asked into a meeting)."""
        async with self.db.session() as session:
            done = await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.id == request_id)
                .where(InterpretationRequest.status == RequestStatus.OPEN)
                .values(status=RequestStatus.CANCELLED, closed_at=utcnow())
            )
        if rowcount(done) != 1:
            current = await self.get(request_id)
            raise Conflict(f"The request is {current.status} and can no longer be cancelled.")
        return await self.get(request_id)

    async def cancel(self, token: str) -> QueuedRequest:
        """The resident takes back their request."""
        return await self.withdraw((await self.by_token(token)).id)

    async def accept(self, request_id: str, volunteer: Account) -> Match:
        """Give the request to this volunteer and open their room, unless someone was faster.

        The conditional UPDATE is the whole of the race: the database lets exactly one
        transaction move the row from open to matched; everyone else sees rowcount 0.
        A request in machine interpretation, or made into a meeting, keeps its room: the
        interpreter joins it.

        The account is read here, not taken from ``volunteer`` (which may have been read
        when a socket opened): it must be active and offer the request's language now.
        A volunteer holds one call at a time (``StillInCall``).
        """
        request = await self.get(request_id)
        now = utcnow()
        joinable = await self.joinable_room(request.room_id)
        room_id = joinable.id if joinable is not None else new_id()
        async with self.db.session() as session:
            # Locked: the second of one volunteer's accepts sees the first's call.
            account = await lock_interpreter(
                session, volunteer.id, request.language_code, "accept requests", "request"
            )
            if request.status == RequestStatus.OPEN and await session.scalar(
                select(in_a_call(volunteer.id))
            ):
                raise StillInCall(FINISH_CURRENT_CALL)
            won = await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.id == request_id)
                .where(InterpretationRequest.status == RequestStatus.OPEN)
                .where(InterpretationRequest.expires_at > now)
                # Checked again in the same statement: SQLite's lock is the write itself.
                .where(~in_a_call(volunteer.id))
                # Held for a booked volunteer for the first moments of their booking.
                .where(~held_for_another(volunteer.id, now))
                # A machine room opened meanwhile would be left behind: lose the race instead.
                .where(
                    InterpretationRequest.room_id == joinable.id
                    if joinable
                    else InterpretationRequest.room_id.is_(None)
                )
                .values(
                    status=RequestStatus.MATCHED,
                    volunteer_id=volunteer.id,
                    matched_at=now,
                    room_id=room_id,
                )
            )
            if rowcount(won) == 1:
                row = await session.get(InterpretationRequest, request_id)
                assert row is not None
                await session.refresh(row)
                if joinable is None:
                    session.add(
                        Room(
                            id=room_id,
                            request_id=request_id,
                            media=row.media,
                            captions_for_all=row.needs_captions,
                            created_at=now,
                        )
                    )
                    await session.flush()
                    session.add(resident_seat(room_id, row))
                session.add(
                    RoomParticipant(
                        id=new_id(),
                        room_id=room_id,
                        role=ParticipantRole.INTERPRETER,
                        display_name=account.display_name,
                        language_code=row.language_code,
                        user_id=volunteer.id,
                        # The meeting's host asked for them: no waiting room.
                        admitted_at=now if joinable and joinable.kind == RoomKind.MEETING else None,
                    )
                )
                return Match(request_view(row), room_id)
        current = await self.get(request_id)
        if current.status == RequestStatus.MATCHED:
            raise Conflict("Another interpreter has already taken this request.")
        if current.status == RequestStatus.OPEN:
            async with self.db.session() as session:
                if await session.scalar(select(in_a_call(volunteer.id))):
                    raise StillInCall(FINISH_CURRENT_CALL)
            async with self.db.session() as session:
                held = await session.scalar(
                    select(held_for_another(volunteer.id, now)).where(
                        InterpretationRequest.id == request_id
                    )
                )
            if held:
                raise Conflict("This request is kept for its booked interpreter for a moment.")
            # It went into machine interpretation meanwhile.
            raise Conflict("The request changed meanwhile; try again.")
        raise Conflict(f"The request is {current.status} and can no longer be accepted.")

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
                .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
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
                .where(InterpretationRequest.status == RequestStatus.MATCHED)
                .where(InterpretationRequest.volunteer_id == volunteer_id)
                .values(
                    status=RequestStatus.OPEN,
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
        cutoff = utcnow() - await self.waits.now()
        flagged = []
        async with self.db.session() as session:
            ids = list(
                await session.scalars(
                    select(InterpretationRequest.id)
                    .where(InterpretationRequest.status == RequestStatus.OPEN)
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
                    .where(InterpretationRequest.status == RequestStatus.OPEN)
                    .where(InterpretationRequest.expires_at <= now)
                )
            )
            for row in rows:
                row.status, row.closed_at = RequestStatus.EXPIRED, now
        return [request_view(row) for row in rows]
