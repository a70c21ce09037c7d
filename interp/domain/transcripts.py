"""Meeting transcripts: final captions kept while everyone agrees, and their deletion.

A final caption of a meeting is kept only while every speaker present has agreed
(``interp.domain.consent``); otherwise it is shown live and forgotten. Kept segments
are deleted by the purge once the organisation's retention has run out: at the end of
the meeting (the default, 0 days) or a number of days after it. Each purge is written
to the audit log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from interp.domain.consent import AGREED, IN_ROOM_SPEAKER, speaker_named, speakers_present
from interp.domain.errors import InvalidInput, NotFound
from interp.domain.organisation_settings import change_settings
from interp.domain.tokens import utcnow
from interp.store.database import Database, rowcount
from interp.store.models import (
    AuditEntry,
    Meeting,
    OrganisationSetting,
    Room,
    RoomParticipant,
    TranscriptSegment,
)

log = logging.getLogger(__name__)

RETENTION_KEY = "transcript_retention_days"
MAX_RETENTION_DAYS = 365
PURGED_EVENT = "transcripts.purged"
RETENTION_EVENT = "settings.transcript_retention"


@dataclass(frozen=True)
class SpokenSegment:
    """A final caption as it was said, in the speaker's language."""

    room_id: str
    speaker_id: str  # the participant whose microphone it came from
    speaker_name: str
    speaker_role: str
    language: str
    text: str
    started_at: datetime  # when the utterance began
    duration_s: float


@dataclass(frozen=True)
class KeptSegment:
    speaker_name: str
    speaker_role: str
    offset_s: float  # from the start of the meeting
    duration_s: float
    language: str
    text: str


@dataclass(frozen=True)
class Purged:
    meeting_id: str
    segments: int


class Transcripts:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def keep(self, spoken: SpokenSegment) -> bool:
        """Keep a final caption if it was said in a meeting where every speaker present
        agreed; returns whether it was kept."""
        text = spoken.text.strip()
        if not text:
            return False
        async with self.db.session() as session:
            meeting = await session.scalar(
                select(Meeting).where(Meeting.room_id == spoken.room_id)
            )
            room = await session.get(Room, spoken.room_id)
            if meeting is None or room is None:
                return False
            if meeting.ended_at is not None or room.closed_at is not None:
                return False
            if spoken.speaker_role == IN_ROOM_SPEAKER:
                # Someone the host named at the room microphone: one nobody asked yet joins
                # those asked (and what they said is not kept until they agree).
                await speaker_named(session, spoken.room_id, spoken.speaker_name)
            speakers = list(await session.scalars(speakers_present(spoken.room_id)))
            # The one speaking counts too, even if not (or no longer) counted as present.
            source = await session.get(RoomParticipant, spoken.speaker_id)
            if source is not None and source.room_id == spoken.room_id:
                speakers.append(source)
            if not speakers or any(s.consent != AGREED for s in speakers):
                return False
            start = meeting.started_at or await session.scalar(
                select(func.min(RoomParticipant.joined_at)).where(
                    RoomParticipant.room_id == spoken.room_id
                )
            )
            offset = (spoken.started_at - (start or spoken.started_at)).total_seconds()
            session.add(
                TranscriptSegment(
                    room_id=spoken.room_id,
                    speaker_name=spoken.speaker_name[:100],
                    speaker_role=spoken.speaker_role[:20],
                    offset_s=max(0.0, offset),
                    duration_s=max(0.0, spoken.duration_s),
                    language=spoken.language[:8],
                    text=text,
                    created_at=utcnow(),
                )
            )
        return True

    async def segments(self, meeting_id: str) -> list[KeptSegment]:
        """The kept transcript of a meeting, in the order it was said."""
        async with self.db.session() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound("No such meeting.")
            rows = await session.scalars(
                select(TranscriptSegment)
                .where(TranscriptSegment.room_id == meeting.room_id)
                .order_by(TranscriptSegment.offset_s, TranscriptSegment.id)
            )
            return [
                KeptSegment(
                    r.speaker_name, r.speaker_role, r.offset_s, r.duration_s, r.language, r.text
                )
                for r in rows
            ]

    async def count(self, meeting_id: str) -> int:
        async with self.db.session() as session:
            kept = await session.scalar(
                select(func.count(TranscriptSegment.id))
                .join(Meeting, Meeting.room_id == TranscriptSegment.room_id)
                .where(Meeting.id == meeting_id)
            )
        return int(kept or 0)

    async def retention_days(self) -> int:
        """Days a transcript is kept after its meeting ends (0: deleted when it ends)."""
        async with self.db.session() as session:
            row = await session.get(OrganisationSetting, RETENTION_KEY)
        if row is None:
            return 0
        try:
            days = int(row.value)
        except ValueError:
            days = -1
        if not 0 <= days <= MAX_RETENTION_DAYS:
            log.warning("transcript retention %r is not valid: deleting at the end", row.value)
            return 0
        return days

    async def set_retention_days(self, days: int, actor_id: str = "") -> int:
        if not 0 <= days <= MAX_RETENTION_DAYS:
            raise InvalidInput(f"Keep transcripts for 0 to {MAX_RETENTION_DAYS} days.")
        await change_settings(
            self.db, {RETENTION_KEY: str(days)}, RETENTION_EVENT, actor_id, {"days": days}
        )
        log.info("transcripts are now kept %d days after their meeting ends", days)
        return days

    async def purge(self, now: datetime | None = None) -> list[Purged]:
        """Delete the transcripts whose retention has run out, each with an audit entry."""
        days = await self.retention_days()
        now = now or utcnow()
        cutoff = now - timedelta(days=days)
        # A meeting's room closes when the meeting ends; either marks the end.
        ended = func.coalesce(Meeting.ended_at, Room.closed_at)
        async with self.db.session() as session:
            expired = list(
                await session.execute(
                    select(Meeting.id, Meeting.room_id)
                    .join(Room, Room.id == Meeting.room_id)
                    .where(Meeting.room_id.in_(select(TranscriptSegment.room_id).distinct()))
                    .where(ended.is_not(None))
                    .where(ended <= cutoff)
                )
            )
        purged = []
        for meeting_id, room_id in expired:
            # One transaction per meeting: the deletion and its audit entry go together.
            async with self.db.session() as session:
                done = await session.execute(
                    delete(TranscriptSegment).where(TranscriptSegment.room_id == room_id)
                )
                count = rowcount(done)
                if not count:
                    continue  # another node purged it first
                detail = {"meeting": meeting_id, "segments": count, "retention_days": days}
                session.add(AuditEntry(at=now, event=PURGED_EVENT, detail=json.dumps(detail)))
            log.info(
                "purged the transcript of meeting %s (%d segments, retention %d days)",
                meeting_id, count, days,
            )
            purged.append(Purged(meeting_id, count))
        return purged


async def purge_periodically(transcripts: Transcripts, interval_s: float = 60.0) -> None:
    """Run the purge now and then for as long as the service runs."""
    while True:
        try:
            await transcripts.purge()
        except Exception:
            # A passing database fault must not stop the purge for good.
            log.exception("transcript purge failed")
        await asyncio.sleep(interval_s)
