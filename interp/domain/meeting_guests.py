"""Guests of a meeting: residents who come by its invite link, wait until the host lets
them in, and may be removed. At most ``max_participants`` people are in at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.kinds import ParticipantRole
from interp.domain.meeting_lookups import MeetingLookups
from interp.domain.meeting_records import (
    HOST_ROLE,
    Attendee,
    Guest,
    MeetingEnded,
    MeetingFull,
    MeetingInfo,
    Removed,
    attendee_view,
    clean_name,
    meeting_view,
)
from interp.domain.tokens import hash_token, new_id, new_token, utcnow
from interp.store.models import Meeting, RoomParticipant


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


async def _lock(session: AsyncSession, meeting_id: str) -> None:
    """Serialise changes to who is in a meeting (PostgreSQL; SQLite writes one at a time)."""
    await session.scalar(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update())


class MeetingGuests(MeetingLookups):
    async def join(
        self, invite_token: str, name: str, language: str, earlier_seat: str | None = None
    ) -> Guest:
        """A resident arrives by the invite link: they wait until the host lets them in.

        ``earlier_seat`` is the participant this browser was when it last joined the
        meeting, if it was: someone the host removed does not come back by the invite."""
        meeting = await self.by_invite_token(invite_token)
        await self.check_not_removed(meeting, earlier_seat)
        name = clean_name(name)
        if not await self.organisation.is_offered(language):
            raise InvalidInput(
                f"{language!r} is not one of the languages offered here.", "language"
            )
        token, token_hash = new_token()
        row = RoomParticipant(
            id=new_id(),
            room_id=meeting.room_id,
            role=ParticipantRole.RESIDENT,
            display_name=name,
            language_code=language,
            token_hash=token_hash,
        )
        async with self.db.session() as session:
            await _lock(session, meeting.id)
            if (await session.scalar(_present(meeting.room_id)) or 0) >= meeting.max_participants:
                raise MeetingFull(meeting.max_participants)
            session.add(row)
        return Guest(attendee_view(row), token)

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
        return meeting_view(meeting), attendee_view(row)

    async def check_not_removed(self, meeting: MeetingInfo, seat: str | None) -> None:
        """Refuse ``seat`` (a participant id) if the host removed it from this meeting."""
        if seat is None:
            return
        async with self.db.session() as session:
            row = await session.get(RoomParticipant, seat)
        if row is not None and row.room_id == meeting.room_id and row.removed_at is not None:
            raise Removed("The host removed you from this meeting.")

    async def has_room(self, meeting_id: str) -> bool:
        """Whether one more person fits in the meeting now (e.g. an interpreter)."""
        meeting = await self.get(meeting_id)
        async with self.db.session() as session:
            present = await session.scalar(_present(meeting.room_id)) or 0
        return present < meeting.max_participants

    async def admit(self, meeting_id: str, participant_id: str) -> Attendee:
        """Let a waiting guest in, if the meeting has room for one more."""
        meeting = await self.get(meeting_id)
        async with self.db.session() as session:
            await _lock(session, meeting_id)
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
            return attendee_view(row)

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
            return attendee_view(row)

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
