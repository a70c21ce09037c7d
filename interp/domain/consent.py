"""Consent in meetings: who has agreed that a transcript may be kept.

Everyone in a meeting is told that their speech is shown as captions, and asked whether
a written record may be kept. A transcript is kept only while every speaker present has
agreed: every participant let into the meeting who joined and has not left or been
removed, and every speaker the host labelled in the room (they have no device of their
own, so they answer out loud and the host records it). Captions show live either way.
Answers can change until the meeting ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.accounts import may_manage
from interp.domain.errors import Conflict, NotAllowed, NotFound
from interp.domain.kinds import ParticipantRole
from interp.domain.tokens import new_id, utcnow
from interp.store.database import Database
from interp.store.models import Meeting, Room, RoomParticipant

AGREED = "agreed"
DECLINED = "declined"
# The role of a speaker the host labelled in the room (RoomParticipant with no token and
# no account: they speak through the host's device or a room microphone).
IN_ROOM_SPEAKER = ParticipantRole.SPEAKER


def in_room_speaker() -> Any:
    return and_(
        RoomParticipant.role == IN_ROOM_SPEAKER,
        RoomParticipant.token_hash.is_(None),
        RoomParticipant.user_id.is_(None),
    )


def speakers_present(room_id: str) -> Any:
    """The participants whose agreement a transcript needs now."""
    # Guests in the waiting room are not in the meeting yet: nobody hears them.
    here = and_(
        RoomParticipant.admitted_at.is_not(None),
        RoomParticipant.joined_at.is_not(None),
        RoomParticipant.left_at.is_(None),
    )
    return (
        select(RoomParticipant)
        .where(RoomParticipant.room_id == room_id)
        .where(RoomParticipant.removed_at.is_(None))
        .where(or_(here, in_room_speaker()))
        .order_by(RoomParticipant.display_name, RoomParticipant.id)
    )


async def speaker_named(session: AsyncSession, room_id: str, name: str) -> RoomParticipant:
    """The speaker of this name in the room, added (not asked yet) if there is none."""
    row = await session.scalar(
        select(RoomParticipant)
        .where(RoomParticipant.room_id == room_id)
        .where(in_room_speaker())
        .where(RoomParticipant.removed_at.is_(None))
        .where(RoomParticipant.display_name == name)
    )
    if row is None:
        row = RoomParticipant(
            id=new_id(),
            room_id=room_id,
            role=IN_ROOM_SPEAKER,
            display_name=name,
            language_code=None,
            admitted_at=utcnow(),
        )
        session.add(row)
        await session.flush()
    return row


@dataclass(frozen=True)
class SpeakerConsent:
    participant_id: str
    name: str
    role: str
    consent: str | None  # AGREED, DECLINED, or None: not answered yet
    consent_at: datetime | None
    # Labelled by the host in the room: the host records their answer.
    in_room: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.participant_id,
            "name": self.name,
            "role": self.role,
            "consent": self.consent,
            "in_room": self.in_room,
        }


def _speaker(row: RoomParticipant) -> SpeakerConsent:
    in_room = row.role == IN_ROOM_SPEAKER and row.token_hash is None and row.user_id is None
    return SpeakerConsent(
        row.id, row.display_name, row.role, row.consent, row.consent_at, in_room
    )


@dataclass(frozen=True)
class ConsentState:
    meeting_id: str
    room_id: str
    ended: bool
    speakers: tuple[SpeakerConsent, ...]

    @property
    def everyone_agreed(self) -> bool:
        return bool(self.speakers) and all(s.consent == AGREED for s in self.speakers)

    @property
    def keeping(self) -> bool:
        """Whether what is said now goes into the transcript."""
        return not self.ended and self.everyone_agreed

    def as_dict(self) -> dict[str, Any]:
        return {
            "meeting": self.meeting_id,
            "ended": self.ended,
            "keeping": self.keeping,
            "participants": [s.as_dict() for s in self.speakers],
        }


async def _meeting_of_room(session: AsyncSession, room_id: str) -> tuple[Meeting, bool]:
    """The room's meeting and whether it has ended (closed rooms count as ended)."""
    meeting = await session.scalar(select(Meeting).where(Meeting.room_id == room_id))
    if meeting is None:
        raise NotFound("Consent is asked only in meetings.")
    room = await session.get(Room, room_id)
    ended = meeting.ended_at is not None or (room is not None and room.closed_at is not None)
    return meeting, ended


async def consent_state(session: AsyncSession, room_id: str) -> ConsentState:
    meeting, ended = await _meeting_of_room(session, room_id)
    rows = await session.scalars(speakers_present(room_id))
    return ConsentState(meeting.id, room_id, ended, tuple(_speaker(r) for r in rows))


class Consent:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def state(self, meeting_id: str) -> ConsentState:
        async with self.db.session() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound("No such meeting.")
            return await consent_state(session, meeting.room_id)

    async def label_speaker(self, room_id: str, name: str) -> SpeakerConsent:
        """The speaker in the room whom the host names (added the first time the name is
        used), so that they are asked too; the host records their answer."""
        async with self.db.session() as session:
            _, ended = await _meeting_of_room(session, room_id)
            if ended:
                raise Conflict("The meeting has ended.")
            return _speaker(await speaker_named(session, room_id, name))

    async def answer_of(self, participant_id: str) -> str | None:
        """What this participant answered (present or not): AGREED, DECLINED or None."""
        async with self.db.session() as session:
            row = await session.get(RoomParticipant, participant_id)
        return row.consent if row is not None else None

    async def record(self, participant_id: str, agreed: bool) -> ConsentState:
        """A participant's own answer (from their page)."""
        return await self._record(participant_id, agreed, None)

    async def record_for(self, participant_id: str, agreed: bool, by: Any) -> ConsentState:
        """The host's record of what a speaker in the room said out loud.

        ``by`` is the account doing it: the meeting's caseworker or a coordinator. Only
        speakers labelled in the room qualify; everyone with a page answers there.
        """
        return await self._record(participant_id, agreed, by)

    async def _record(self, participant_id: str, agreed: bool, by: Any) -> ConsentState:
        async with self.db.session() as session:
            row = await session.get(RoomParticipant, participant_id)
            if row is None:
                raise NotFound("No such participant.")
            meeting, ended = await _meeting_of_room(session, row.room_id)
            if by is not None:
                if not may_manage(by, meeting.owner_id):
                    raise NotAllowed("Only the meeting's host can record someone's answer.")
                if not _speaker(row).in_room:
                    raise NotAllowed("People with their own device answer on their own page.")
            if ended:
                raise Conflict("The meeting has ended: answers cannot change any more.")
            if row.removed_at is not None:
                raise NotAllowed("You were removed from this meeting.")
            row.consent = AGREED if agreed else DECLINED
            row.consent_at = utcnow()
            await session.flush()
            return await consent_state(session, row.room_id)
