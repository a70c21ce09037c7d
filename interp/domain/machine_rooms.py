"""Rooms that open before an interpreter is found, which the accepting interpreter joins:
machine interpretation while a resident waits, and caseworkers' meetings."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.errors import Conflict
from interp.domain.kinds import ParticipantRole, RequestStatus, RoomKind
from interp.domain.queue_lookups import QueueLookups
from interp.domain.tokens import new_id, utcnow
from interp.store.database import rowcount
from interp.store.models import InterpretationRequest, ResidentLink, Room, RoomParticipant, User

JOINABLE_ROOMS = (RoomKind.MACHINE, RoomKind.MEETING)


def resident_seat(room_id: str, row: InterpretationRequest) -> RoomParticipant:
    """The resident's place in the room of their request; their request link admits them."""
    return RoomParticipant(
        id=new_id(),
        room_id=room_id,
        role=ParticipantRole.RESIDENT,
        display_name="",
        language_code=row.language_code,
        token_hash=row.token_hash,
    )


async def _link_owner(session: AsyncSession, row: InterpretationRequest) -> User | None:
    if row.resident_link_id is None:
        return None
    link = await session.get(ResidentLink, row.resident_link_id)
    owner = await session.get(User, link.created_by) if link is not None else None
    return owner if owner is not None and owner.active else None


class MachineRooms(QueueLookups):
    async def start_machine_room(self, token: str, desk_language: str) -> str:
        """Open machine interpretation for a waiting request; returns its room.

        The request stays in the queue: an interpreter who accepts it later joins this
        room. Asking again returns the same room while it is open.
        """
        request = await self.by_token(token)
        if request.status != RequestStatus.OPEN:
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
            if current.status != RequestStatus.OPEN or existing is None:
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
                .where(InterpretationRequest.status == RequestStatus.OPEN)
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
                Room(id=room_id, request_id=request_id, media=row.media, kind=RoomKind.MACHINE,
                     desk_language=desk_language, captions_for_all=row.needs_captions,
                     created_at=now, started_at=now)
            )
            await session.flush()
            session.add(resident_seat(room_id, row))
            caseworker = await _link_owner(session, row)
            if caseworker is not None:
                # The caseworker who sent the link is with the resident: they may join too.
                session.add(
                    RoomParticipant(
                        id=new_id(), room_id=room_id, role=ParticipantRole.CASEWORKER,
                        display_name=caseworker.display_name, language_code=desk_language,
                        user_id=caseworker.id,
                    )
                )
        return room_id

    async def _open_machine_room(self, room_id: str | None) -> str | None:
        room = await self.joinable_room(room_id)
        return room.id if room is not None and room.kind == RoomKind.MACHINE else None

    async def joinable_room(self, room_id: str | None) -> Room | None:
        """The open room an accepting interpreter would join, if the request has one."""
        if room_id is None:
            return None
        async with self.db.session() as session:
            room = await session.get(Room, room_id)
        if room is None or room.kind not in JOINABLE_ROOMS or room.closed_at is not None:
            return None
        return room
