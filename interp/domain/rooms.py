"""Rooms: who may join a call, who has joined, and when it started and ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from interp.domain.errors import InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.kinds import ParticipantRole, RequestStatus, RoomKind
from interp.domain.tokens import hash_token, utcnow
from interp.languages import get_language, is_signed
from interp.store.database import Database, rowcount
from interp.store.models import InterpretationRequest, Room, RoomParticipant

# Reading captions in the speakers' own words, whatever their language.
ORIGINAL = "original"
# A page reads captions in at most this many languages at once (both sides of a desk).
MAX_CAPTION_LANGUAGES = 2


@dataclass(frozen=True)
class Participant:
    id: str
    room_id: str
    role: str  # a ParticipantRole
    display_name: str
    language_code: str | None
    user_id: str | None
    # What they chose to read captions in; None until they choose.
    caption_languages: tuple[str, ...] | None = None
    # What they have read aloud (speech output); none until they ask.
    speech_languages: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "name": self.display_name,
            "language": self.language_code,
        }


@dataclass(frozen=True)
class RoomInfo:
    id: str
    request_id: str | None
    media: str
    created_at: datetime
    started_at: datetime | None
    closed_at: datetime | None
    participants: tuple[Participant, ...]
    kind: str = RoomKind.CALL  # a RoomKind
    desk_language: str | None = None
    # Every speaker's page sends its audio for captioning, not only those who chose to.
    captions_for_all: bool = False
    # The resident asked for captions (deaf, hard of hearing): the call started with them on.
    captions_asked: bool = False

    @property
    def machine(self) -> bool:
        return self.kind == RoomKind.MACHINE

    def spoken_languages(self, local_language: str) -> tuple[str, ...]:
        """The spoken languages of this room: its people's, the desk's, the organisation's."""
        found = [p.language_code for p in self.participants if p.role == ParticipantRole.RESIDENT]
        found += [self.desk_language, local_language]
        spoken = [code for code in found if code and not is_signed(code)]
        return tuple(dict.fromkeys(spoken))

    def default_reading(self, participant: Participant, local_language: str) -> tuple[str, ...]:
        """What a participant reads captions in until they choose."""
        own = participant.language_code
        if participant.role == ParticipantRole.RESIDENT and own and not is_signed(own):
            if self.machine and self.desk_language and self.desk_language != own:
                return (own, self.desk_language)  # one device, both sides of the desk
            return (own,)
        if participant.role == ParticipantRole.INTERPRETER:
            return (ORIGINAL,)  # they understand both sides
        return (local_language,)


def _participant(row: RoomParticipant) -> Participant:
    chosen = tuple(row.caption_languages.split(",")) if row.caption_languages else None
    spoken = tuple(row.speech_languages.split(",")) if row.speech_languages else ()
    return Participant(
        row.id, row.room_id, row.role, row.display_name, row.language_code, row.user_id, chosen,
        spoken,
    )


def check_caption_languages(languages: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validated reading languages: one or two spoken language codes, or ``original``."""
    chosen = tuple(dict.fromkeys(languages))
    if not 1 <= len(chosen) <= MAX_CAPTION_LANGUAGES:
        raise InvalidInput(f"Choose one or {MAX_CAPTION_LANGUAGES} caption languages.")
    for code in chosen:
        language = get_language(code) if code != ORIGINAL else None
        if code != ORIGINAL and (language is None or language.signed):
            raise InvalidInput(f"Captions cannot be shown in {code!r}.")
    return chosen


def check_speech_languages(languages: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validated languages to read aloud: none (off), or one or two spoken language codes."""
    chosen = tuple(dict.fromkeys(languages))
    if len(chosen) > MAX_CAPTION_LANGUAGES:
        raise InvalidInput(f"Choose at most {MAX_CAPTION_LANGUAGES} languages to hear.")
    for code in chosen:
        language = get_language(code)
        if language is None or language.signed:
            raise InvalidInput(f"Captions cannot be read aloud in {code!r}.")
    return chosen


class Rooms:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, room_id: str) -> RoomInfo:
        async with self.db.session() as session:
            room = await session.get(Room, room_id)
            if room is None:
                raise NotFound("No such room.")
            rows = await session.scalars(
                select(RoomParticipant)
                .where(RoomParticipant.room_id == room_id)
                .order_by(RoomParticipant.role)
            )
            asked = room.request_id is not None and bool(
                await session.scalar(
                    select(InterpretationRequest.needs_captions).where(
                        InterpretationRequest.id == room.request_id
                    )
                )
            )
            return RoomInfo(
                room.id,
                room.request_id,
                room.media,
                room.created_at,
                room.started_at,
                room.closed_at,
                tuple(_participant(r) for r in rows),
                room.kind,
                room.desk_language,
                room.captions_for_all,
                asked,
            )

    async def set_captions_for_all(self, room_id: str, on: bool) -> bool:
        """Switch captions on or off for everyone in an open room; True when it changed."""
        async with self.db.session() as session:
            done = await session.execute(
                update(Room)
                .where(Room.id == room_id, Room.closed_at.is_(None))
                .where(Room.captions_for_all != on)
                .values(captions_for_all=on)
            )
        return rowcount(done) == 1

    async def participant_by_token(self, token: str) -> Participant:
        """The participant this token admits, in a room that is still open."""
        async with self.db.session() as session:
            row = await session.scalar(
                select(RoomParticipant)
                .join(Room, Room.id == RoomParticipant.room_id)
                .where(RoomParticipant.token_hash == hash_token(token))
                .where(Room.closed_at.is_(None))
            )
        if row is None:
            raise InvalidToken("This call link is not valid: the call may have ended.")
        return _participant(row)

    async def participant_for_user(self, room_id: str, user_id: str) -> Participant:
        async with self.db.session() as session:
            room = await session.get(Room, room_id)
            if room is None or room.closed_at is not None:
                raise NotFound("This call has ended or never existed.")
            row = await session.scalar(
                select(RoomParticipant)
                .where(RoomParticipant.room_id == room_id)
                .where(RoomParticipant.user_id == user_id)
            )
        if row is None:
            raise NotAllowed("You are not a participant in this call.")
        return _participant(row)

    async def set_caption_languages(
        self, participant_id: str, languages: list[str] | tuple[str, ...]
    ) -> tuple[str, ...]:
        chosen = check_caption_languages(languages)
        await self._update_participant(participant_id, caption_languages=",".join(chosen))
        return chosen

    async def set_speech_languages(
        self, participant_id: str, languages: list[str] | tuple[str, ...]
    ) -> tuple[str, ...]:
        chosen = check_speech_languages(languages)
        await self._update_participant(participant_id, speech_languages=",".join(chosen) or None)
        return chosen

    async def _update_participant(self, participant_id: str, **values: Any) -> None:
        async with self.db.session() as session:
            done = await session.execute(
                update(RoomParticipant).where(RoomParticipant.id == participant_id).values(**values)
            )
        if rowcount(done) != 1:
            raise NotFound("No such participant.")

    async def speech_listeners(self, room_id: str) -> set[str]:
        """The languages someone in the room has captions read aloud in now."""
        async with self.db.session() as session:
            chosen = await session.scalars(
                select(RoomParticipant.speech_languages)
                .where(RoomParticipant.room_id == room_id)
                .where(RoomParticipant.joined_at.is_not(None))
                .where(RoomParticipant.left_at.is_(None))
                .where(RoomParticipant.speech_languages.is_not(None))
            )
            return {code for row in chosen if row for code in row.split(",")}

    async def caption_readers(self, room_id: str, local_language: str) -> set[str]:
        """The languages someone in the room reads captions in now (each counted once)."""
        room = await self.get(room_id)
        async with self.db.session() as session:
            present = set(
                await session.scalars(
                    select(RoomParticipant.id)
                    .where(RoomParticipant.room_id == room_id)
                    .where(RoomParticipant.joined_at.is_not(None))
                    .where(RoomParticipant.left_at.is_(None))
                )
            )
        wanted: set[str] = set()
        for participant in room.participants:
            if participant.id in present:
                reading = participant.caption_languages
                wanted.update(reading or room.default_reading(participant, local_language))
        if room.machine and room.desk_language:
            wanted.add(room.desk_language)  # the desk's side of a shared device
        return wanted

    async def mark_joined(self, participant_id: str) -> bool:
        """Record a join; returns True when this join made the call start (everyone arrived)."""
        now = utcnow()
        async with self.db.session() as session:
            row = await session.get(RoomParticipant, participant_id)
            if row is None:
                raise NotFound("No such participant.")
            if row.joined_at is None:
                row.joined_at = now
            row.left_at = None
            row.seen_at = now
            await session.flush()
            waiting = await session.scalar(
                select(RoomParticipant.id)
                .where(RoomParticipant.room_id == row.room_id)
                .where(RoomParticipant.joined_at.is_(None))
                .limit(1)
            )
            if waiting is not None:
                return False
            started = await session.execute(
                update(Room)
                .where(Room.id == row.room_id, Room.started_at.is_(None))
                .values(started_at=now)
            )
            return rowcount(started) == 1

    async def mark_left(
        self, participant_id: str, unseen_since: datetime | None = None
    ) -> bool | None:
        """Record a departure; returns True when nobody who joined is still in the room.

        None when someone else recorded it first (another node's sweeper and this node's
        grace-period watcher may both see the same departure), or, with ``unseen_since``,
        when the participant was seen since then: only one of them applies its effects.
        """
        gone = (RoomParticipant.id == participant_id) & RoomParticipant.left_at.is_(None)
        if unseen_since is not None:
            gone &= RoomParticipant.seen_at.is_(None) | (RoomParticipant.seen_at < unseen_since)
        async with self.db.session() as session:
            room_id = await session.scalar(
                select(RoomParticipant.room_id).where(RoomParticipant.id == participant_id)
            )
            if room_id is None:
                raise NotFound("No such participant.")
            done = await session.execute(
                update(RoomParticipant).where(gone).values(left_at=utcnow(), seen_at=None)
            )
            if rowcount(done) != 1:
                return None
            staying = await session.scalar(
                select(RoomParticipant.id)
                .where(RoomParticipant.room_id == room_id)
                .where(RoomParticipant.joined_at.is_not(None))
                .where(RoomParticipant.left_at.is_(None))
                .limit(1)
            )
            return staying is None

    async def mark_seen(self, participant_ids: list[str]) -> None:
        """The node holding these participants' sockets still sees them connected."""
        if not participant_ids:
            return
        async with self.db.session() as session:
            await session.execute(
                update(RoomParticipant)
                .where(RoomParticipant.id.in_(participant_ids))
                .where(RoomParticipant.left_at.is_(None))
                .values(seen_at=utcnow())
            )

    async def unseen_participants(self, since: datetime) -> list[Participant]:
        """Participants of open rooms still counted in but seen by no node since ``since``:
        their node stopped (or lost them) and nobody is watching for their return."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(RoomParticipant)
                .join(Room, Room.id == RoomParticipant.room_id)
                .where(Room.closed_at.is_(None))
                .where(RoomParticipant.joined_at.is_not(None))
                .where(RoomParticipant.left_at.is_(None))
                .where(RoomParticipant.seen_at.is_(None) | (RoomParticipant.seen_at < since))
            )
            return [_participant(row) for row in rows]

    async def abandoned(self) -> list[tuple[str, str]]:
        """(id, kind) of open rooms that started and that everyone has left: a departure
        whose effects were cut short (its node died, or the hub failed) leaves one."""
        present = (
            select(RoomParticipant.id)
            .where(RoomParticipant.room_id == Room.id)
            .where(RoomParticipant.joined_at.is_not(None))
            .where(RoomParticipant.left_at.is_(None))
            .exists()
        )
        # Someone must have come: a machine room starts when it is made, before its
        # resident's page has joined, and is not abandoned in between.
        came = (
            select(RoomParticipant.id)
            .where(RoomParticipant.room_id == Room.id)
            .where(RoomParticipant.joined_at.is_not(None))
            .exists()
        )
        async with self.db.session() as session:
            rows = await session.execute(
                select(Room.id, Room.kind)
                .where(Room.closed_at.is_(None), Room.started_at.is_not(None))
                .where(came, ~present)
            )
            return [(room_id, kind) for room_id, kind in rows]

    async def close(self, room_id: str) -> bool:
        """End the call and its request; returns False if it had already ended."""
        now = utcnow()
        async with self.db.session() as session:
            done = await session.execute(
                update(Room)
                .where(Room.id == room_id, Room.closed_at.is_(None))
                .values(closed_at=now)
            )
            if rowcount(done) != 1:
                return False
            # A request still waiting in machine interpretation ends with its room too.
            await session.execute(
                update(InterpretationRequest)
                .where(InterpretationRequest.room_id == room_id)
                .where(
                    InterpretationRequest.status.in_((RequestStatus.MATCHED, RequestStatus.OPEN))
                )
                .values(status=RequestStatus.CLOSED, closed_at=now)
            )
            return True

    async def unstarted_matches(self, older_than: timedelta) -> list[tuple[str, str]]:
        """(request id, volunteer id) of matches whose interpreter never joined in time."""
        cutoff = utcnow() - older_than
        async with self.db.session() as session:
            rows = await session.execute(
                select(InterpretationRequest.id, InterpretationRequest.volunteer_id)
                .join(Room, Room.id == InterpretationRequest.room_id)
                .join(RoomParticipant, RoomParticipant.room_id == Room.id)
                .where(InterpretationRequest.status == RequestStatus.MATCHED)
                .where(Room.closed_at.is_(None))
                .where(InterpretationRequest.matched_at <= cutoff)
                .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
                .where(RoomParticipant.joined_at.is_(None))
            )
            return [(rid, vid) for rid, vid in rows if vid is not None]

    async def open_room_for_user(self, user_id: str) -> str | None:
        """The open room this account takes part in, if any (to bring them back after a reload).

        Not a meeting the account hosts: its own page leads there.
        """
        hosting = (Room.kind == RoomKind.MEETING) & (
            RoomParticipant.role == ParticipantRole.CASEWORKER
        )
        async with self.db.session() as session:
            return await session.scalar(
                select(Room.id)
                .join(RoomParticipant, RoomParticipant.room_id == Room.id)
                .where(RoomParticipant.user_id == user_id, Room.closed_at.is_(None))
                .where(~hosting)
                .order_by(Room.created_at.desc())
                .limit(1)
            )
