"""Finding meetings, by id, room or link, and who took part in them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from interp.domain.accounts import may_manage
from interp.domain.errors import InvalidToken, NotAllowed, NotFound
from interp.domain.meeting_records import (
    NAMED_SPEAKER_ROLE,
    Attendee,
    MeetingEnded,
    MeetingInfo,
    MeetingSummary,
    attendee_view,
    meeting_view,
)
from interp.domain.organisation import Organisation
from interp.domain.tokens import hash_token
from interp.store.database import Database
from interp.store.models import Meeting, RoomParticipant


class MeetingLookups:
    """The meetings' settings and their read-only questions; ``Meetings`` adds the changes."""

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

    async def get(self, meeting_id: str) -> MeetingInfo:
        async with self.db.session() as session:
            row = await session.get(Meeting, meeting_id)
        if row is None:
            raise NotFound("No such meeting.")
        return meeting_view(row)

    async def for_room(self, room_id: str) -> MeetingInfo | None:
        async with self.db.session() as session:
            row = await session.scalar(select(Meeting).where(Meeting.room_id == room_id))
        return meeting_view(row) if row is not None else None

    async def owned(self, meeting_id: str, user: Any) -> MeetingInfo:
        """The meeting, if this account may manage it: its caseworker or a coordinator."""
        meeting = await self.get(meeting_id)
        if not may_manage(user, meeting.owner_id):
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
        return meeting_view(row)

    async def history(self, owner_id: str) -> list[MeetingInfo]:
        """The caseworker's meetings, newest first."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Meeting)
                .where(Meeting.owner_id == owner_id)
                .order_by(Meeting.created_at.desc())
            )
            return [meeting_view(row) for row in rows]

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
                    people[row.room_id].append(attendee_view(row))
        return [MeetingSummary(m, tuple(people[m.room_id])) for m in meetings]

    async def seated(self, meeting: MeetingInfo, user_id: str) -> bool:
        """Whether this account has a place in the meeting's room (``host_seat`` makes one
        for a coordinator who joins another caseworker's meeting)."""
        async with self.db.session() as session:
            found = await session.scalar(
                select(RoomParticipant.id)
                .where(RoomParticipant.room_id == meeting.room_id)
                .where(RoomParticipant.user_id == user_id)
            )
        return found is not None

    async def attendee(self, participant_id: str) -> Attendee:
        async with self.db.session() as session:
            row = await session.get(RoomParticipant, participant_id)
        if row is None:
            raise NotFound("No such participant.")
        return attendee_view(row)

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
            return [attendee_view(row) for row in rows]

    async def waiting(self, meeting_id: str) -> list[Attendee]:
        """Guests whose page is open, waiting to be let in, first come first."""
        return [a for a in await self.attendees(meeting_id) if a.waiting]
