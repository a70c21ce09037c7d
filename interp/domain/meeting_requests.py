"""Asking for an interpreter into a caseworker's meeting: a request in the same queue,
whose room is the meeting's."""

from __future__ import annotations

from sqlalchemy import select

from interp.domain.errors import Conflict, InvalidInput, NotFound
from interp.domain.kinds import RequestStatus
from interp.domain.meetings import MeetingHasEnded
from interp.domain.queue_lookups import QueueLookups
from interp.domain.request_records import (
    QueuedRequest,
    checked_request,
    open_request_row,
    request_view,
)
from interp.domain.tokens import new_token
from interp.store.models import InterpretationRequest, Meeting, Room


class AlreadyAsked(Conflict):
    """The meeting's earlier request for an interpreter is still waiting."""

    code = "already_asked"


class MeetingRequests(QueueLookups):
    async def create_for_meeting(
        self, meeting_id: str, language: str, note: str = ""
    ) -> QueuedRequest:
        """Ask for an interpreter into a meeting. Its volunteer joins the meeting on
        accepting. One request of a meeting waits at a time."""
        language, note = await checked_request(self.organisation, language, note)
        async with self.db.session() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound("No such meeting.")
            if meeting.ended_at is not None:
                raise MeetingHasEnded("The meeting has ended.")
            if language not in meeting.languages.split(","):
                raise InvalidInput(
                    "Ask for an interpreter in one of the meeting's languages.", "language"
                )
            waiting = await session.scalar(
                select(InterpretationRequest.id)
                .where(InterpretationRequest.room_id == meeting.room_id)
                .where(InterpretationRequest.status == RequestStatus.OPEN)
                .limit(1)
            )
            if waiting is not None:
                raise AlreadyAsked(
                    "This meeting's request for an interpreter is still waiting."
                )
            room = await session.get(Room, meeting.room_id)
            assert room is not None
            # Nobody follows this request with a link: the meeting is where it leads.
            _, token_hash = new_token()
            row = open_request_row(
                token_hash, language, room.media, note, self.request_ttl, room.id
            )
            session.add(row)
            await session.flush()
            meeting.request_id = room.request_id = row.id
        return request_view(row)
