"""Caseworkers' meetings: each is a room, with an invite link for residents and a
caption-view link for anyone in the room to read the captions on their own phone.

The caseworker is the host. Residents who open the invite link give their name and
language and wait until the host lets them in (``interp.domain.meeting_guests``); the
host may remove anyone and end the meeting for everyone. An online meeting holds at
most ``max_participants`` people at once: every browser sends its media to every other
(a mesh), and past a handful of people a weak laptop cannot keep up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from interp.domain.accounts import is_staff
from interp.domain.errors import InvalidInput, NotAllowed, NotFound
from interp.domain.kinds import Media, MeetingMode, RoomKind
from interp.domain.meeting_guests import MeetingGuests
from interp.domain.meeting_records import (
    HOST_ROLE,
    MAX_NAME,
    MAX_TITLE,
    MODES,
    NAMED_SPEAKER_ROLE,
    Attendee,
    Guest,
    MeetingEnded,
    MeetingFull,
    MeetingHasEnded,
    MeetingInfo,
    MeetingLinks,
    MeetingSummary,
    Removed,
    check_languages,
    check_scheduled,
    clean_name,
    meeting_view,
)
from interp.domain.tokens import derived_token, new_id, utcnow
from interp.store.database import rowcount
from interp.store.models import Meeting, Room, RoomParticipant, User

__all__ = [
    "HOST_ROLE",
    "MAX_NAME",
    "MAX_TITLE",
    "NAMED_SPEAKER_ROLE",
    "Attendee",
    "Guest",
    "MeetingEnded",
    "MeetingFull",
    "MeetingHasEnded",
    "MeetingInfo",
    "MeetingLinks",
    "MeetingSummary",
    "Meetings",
    "Removed",
    "clean_name",
]

INVITE_PURPOSE = "meeting-invite"
VIEW_PURPOSE = "meeting-view"


def _checked_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput("Give the meeting a title.", "title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The title must be at most {MAX_TITLE} characters.", "title")
    return title


class Meetings(MeetingGuests):
    def links(self, meeting: MeetingInfo) -> MeetingLinks:
        return self._links(meeting.id, meeting.link_version)[0]

    def _links(self, meeting_id: str, version: int) -> tuple[MeetingLinks, tuple[str, str]]:
        """The meeting's links at this version, and the hashes of their tokens."""
        # Version 0 is the meeting id alone, as before versions: links already shared work.
        subject = meeting_id if version == 0 else f"{meeting_id}:{version}"
        invite, invite_hash = derived_token(self.secret, INVITE_PURPOSE, subject)
        view_token, view_hash = derived_token(self.secret, VIEW_PURPOSE, subject)
        return MeetingLinks(invite, view_token), (invite_hash, view_hash)

    async def new_links(self, meeting_id: str, user: Any) -> MeetingInfo:
        """Replace the invite and caption-view links (one was shared too widely, say): the
        old ones stop working. Guests already given a call link keep it."""
        meeting = await self.owned(meeting_id, user)
        if meeting.ended:
            raise MeetingHasEnded("This meeting has ended.")
        async with self.db.session() as session:
            row = await session.get(Meeting, meeting.id, with_for_update=True)
            if row is None:
                raise NotFound("No such meeting.")
            row.link_version += 1
            _, (row.invite_token_hash, row.view_token_hash) = self._links(
                row.id, row.link_version
            )
            await session.flush()
            return meeting_view(row)

    async def create(
        self,
        owner: User | Any,
        title: str,
        mode: str,
        languages: list[str] | tuple[str, ...] = (),
        scheduled_at: datetime | None = None,
    ) -> MeetingInfo:
        """A new meeting and its room, with the caseworker as its host."""
        if not is_staff(owner):
            raise NotAllowed("Only caseworkers hold meetings.")
        title = _checked_title(title)
        if mode not in MODES:
            raise InvalidInput("Choose an online meeting or a meeting in a room.", "mode")
        scheduled_at = check_scheduled(scheduled_at)
        chosen = check_languages(languages)
        meeting_id = new_id()
        _, (invite_hash, view_hash) = self._links(meeting_id, 0)
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
            link_version=0,
            max_participants=self.default_max_participants,
            created_at=now,
        )
        # In a room, everyone sees everyone: the call carries only sound (an interpreter
        # joining from elsewhere, or someone dialled in).
        media = Media.VIDEO if mode == MeetingMode.ONLINE else Media.AUDIO
        async with self.db.session() as session:
            session.add(Room(id=room_id, media=media, kind=RoomKind.MEETING, created_at=now))
            await session.flush()
            session.add(row)
            session.add(self._host(room_id, owner, now))
        return meeting_view(row)

    @staticmethod
    def _host(room_id: str, user: User | Any, now: datetime) -> RoomParticipant:
        return RoomParticipant(
            id=new_id(),
            room_id=room_id,
            role=HOST_ROLE,
            display_name=user.display_name,
            language_code=None,
            user_id=user.id,
            admitted_at=now,
        )

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
            seat = self._host(meeting.room_id, user, utcnow())
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
