"""Consent in meetings: who has agreed that a transcript may be kept.

Everyone in a meeting is told that their speech is shown as captions, and asked whether
a written record may be kept. A transcript is kept only while every speaker present has
agreed: every participant let into the meeting who joined and has not left or been
removed, and every speaker the host labelled in the room (they have no device of their
own, so they answer out loud and the host records it). Captions show live either way.
Answers can change until the meeting ends.

Who may answer for whom is one rule, here: a participant answers only for themself, on
their own page; a host (the meeting's caseworker or a coordinator) records the answer
of a speaker in the room who said it out loud, and the record keeps who recorded it. A
participant the host removed may neither read the answers nor give one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.accounts import may_manage
from interp.domain.errors import Conflict, InvalidToken, NotAllowed, NotFound
from interp.domain.kinds import ParticipantRole
from interp.domain.meeting_records import Removed
from interp.domain.tokens import hash_token, new_id, utcnow
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
    # The answer is one the host heard out loud and recorded, not one given on a page.
    recorded_by_host: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.participant_id,
            "name": self.name,
            "role": self.role,
            "consent": self.consent,
            "in_room": self.in_room,
            "recorded_by_host": self.recorded_by_host,
        }


def _in_room(row: RoomParticipant) -> bool:
    return row.role == IN_ROOM_SPEAKER and row.token_hash is None and row.user_id is None


def _speaker(row: RoomParticipant) -> SpeakerConsent:
    return SpeakerConsent(
        row.id, row.display_name, row.role, row.consent, row.consent_at, _in_room(row),
        row.consent is not None and row.consent_recorded_by is not None,
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


@dataclass(frozen=True)
class Asker:
    """Who asks about a meeting's consent, as ``Consent.asker`` found them from their call
    link or their account."""

    meeting_id: str
    participant_id: str | None  # their own place in the meeting; None: a host not in it
    host_id: str | None  # a host's account: they record answers said out loud in the room

    @property
    def host(self) -> bool:
        return self.host_id is not None


@dataclass(frozen=True)
class ConsentView:
    """The meeting's consent as one asker sees it: everyone's answers, and their own."""

    state: ConsentState
    asker: Asker
    your_answer: str | None  # AGREED, DECLINED or None, present or not


class Consent:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def state(self, meeting_id: str) -> ConsentState:
        async with self.db.session() as session:
            meeting = await _meeting(session, meeting_id)
            return await consent_state(session, meeting.room_id)

    async def label_speaker(self, room_id: str, name: str) -> SpeakerConsent:
        """The speaker in the room whom the host names (added the first time the name is
        used), so that they are asked too; the host records their answer."""
        async with self.db.session() as session:
            _, ended = await _meeting_of_room(session, room_id)
            if ended:
                raise Conflict("The meeting has ended.")
            return _speaker(await speaker_named(session, room_id, name))

    async def asker(
        self, meeting_id: str, *, token: str | None = None, account: Any = None
    ) -> Asker:
        """Who asks: the guest whose call link ``token`` is, or the holder of ``account``
        (a participant of the meeting, or its host). Removed participants are refused."""
        async with self.db.session() as session:
            meeting = await _meeting(session, meeting_id)
            if token is not None:
                row = await session.scalar(
                    select(RoomParticipant).where(RoomParticipant.token_hash == hash_token(token))
                )
                if row is None or row.room_id != meeting.room_id:
                    raise InvalidToken("This call link is not for this meeting.")
                _check_not_removed(row)
                return Asker(meeting.id, row.id, None)
            if account is None:
                raise NotAllowed("Sign in, or send your call link token.")
            host = may_manage(account, meeting.owner_id)
            row = await session.scalar(
                select(RoomParticipant)
                .where(RoomParticipant.room_id == meeting.room_id)
                .where(RoomParticipant.user_id == account.id)
            )
            if row is not None and not host:
                _check_not_removed(row)
            if row is None and not host:
                raise NotAllowed("You are not in this meeting.")
            return Asker(meeting.id, row.id if row else None, account.id if host else None)

    async def view(self, asker: Asker) -> ConsentView:
        async with self.db.session() as session:
            meeting = await _meeting(session, asker.meeting_id)
            mine = await _own_row(session, asker)
            state = await consent_state(session, meeting.room_id)
            return ConsentView(state, asker, mine.consent if mine else None)

    async def answer(
        self, asker: Asker, agreed: bool, speaker_id: str | None = None
    ) -> ConsentView:
        """The asker's own answer; or, with ``speaker_id``, a host's record of what a
        speaker in the room said out loud (only they qualify: everyone with a page of
        their own answers there, and nobody answers for anyone else)."""
        async with self.db.session() as session:
            meeting = await _meeting(session, asker.meeting_id)
            mine = await _own_row(session, asker)
            if speaker_id is None or (mine is not None and speaker_id == mine.id):
                if mine is None:
                    raise NotAllowed("Join the meeting to answer.")
                row, recorded_by = mine, None
            else:
                if not asker.host:
                    raise NotAllowed("You can answer only for yourself.")
                speaker = await session.get(RoomParticipant, speaker_id)
                if (
                    speaker is None
                    or speaker.room_id != meeting.room_id
                    or speaker.removed_at is not None
                ):
                    raise NotFound("No such speaker in this meeting.")
                if not _in_room(speaker):
                    raise NotAllowed("People with their own device answer on their own page.")
                row, recorded_by = speaker, asker.host_id
            _, ended = await _meeting_of_room(session, meeting.room_id)
            if ended:
                raise Conflict("The meeting has ended: answers cannot change any more.")
            row.consent = AGREED if agreed else DECLINED
            row.consent_at = utcnow()
            row.consent_recorded_by = recorded_by
            await session.flush()
            state = await consent_state(session, meeting.room_id)
            return ConsentView(state, asker, mine.consent if mine else None)


def _check_not_removed(row: RoomParticipant) -> None:
    if row.removed_at is not None:
        raise Removed("The host removed you from this meeting.")


async def _meeting(session: AsyncSession, meeting_id: str) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("No such meeting.")
    return meeting


async def _own_row(session: AsyncSession, asker: Asker) -> RoomParticipant | None:
    """The asker's own participant row, looked at again: the host may have removed them
    since they were found."""
    if asker.participant_id is None:
        return None
    row = await session.get(RoomParticipant, asker.participant_id)
    if row is None:
        raise NotFound("No such participant.")
    if asker.host:
        return None if row.removed_at is not None else row
    _check_not_removed(row)
    return row
