"""Feedback after a call with an interpreter, and safeguarding concerns.

After a call the resident is asked one thing, whether they understood each other, with an
optional comment; the interpreter says how the call went, with an optional note. Only
someone who was in that call may answer, and only once it has started (the interpreter
joined and so did they). Each participant has one answer per call: answering again
replaces it, so a resident who tapped the wrong button can put it right.

An interpreter who fears someone may be at risk files a safeguarding report. Reports are
for coordinators only; marking one as seen is written to the audit log with the
coordinator's name. Every input is checked whole first: a refused one changes nothing.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.accounts import Account
from interp.domain.errors import InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.kinds import ParticipantRole, RoomKind
from interp.domain.tokens import hash_token, new_id, utcnow
from interp.i18n import N_
from interp.store.database import Database, rowcount
from interp.store.models import (
    AuditEntry,
    CallFeedback,
    RoomParticipant,
    SafeguardingReport,
    User,
)
from interp.store.models import Room as RoomRow

MAX_COMMENT = 500  # the resident's
MAX_NOTE = 1000  # the interpreter's
MAX_CONCERN = 4000
# How far back the volunteer's dashboard lists calls to give feedback on or report.
RECENT_CALL_DAYS = 14
LATEST_COMMENTS = 20
SEEN_EVENT = "safeguarding.seen"


class Understood(StrEnum):
    YES = "yes"
    NO = "no"


class CallQuality(StrEnum):
    GOOD = "good"
    SOME_PROBLEMS = "some_problems"
    COULD_NOT_INTERPRET = "could_not_interpret"


# Messages a form shows in the reader's language (``N_`` puts them in the catalogs).
CHOOSE_UNDERSTOOD = N_("Choose Yes or No.")
COMMENT_TOO_LONG = N_("The comment may be at most 500 characters long.")
CHOOSE_QUALITY = N_("Choose how the call went.")
FEEDBACK_NOTE_TOO_LONG = N_("The note may be at most 1000 characters long.")
WRITE_CONCERN = N_("Describe the concern.")
CONCERN_TOO_LONG = N_("The concern may be at most 4000 characters long.")
UNREADABLE = N_("The text contains characters that cannot be stored.")
NOT_IN_CALL = N_("Only someone who took part in this call can give feedback on it.")
NOT_STARTED = N_("Feedback can be given once the call has started.")
NO_SUCH_REPORT = N_("That safeguarding report does not exist.")
NO_SUCH_CALL = N_("That call does not exist.")


@dataclass(frozen=True)
class Seat:
    """A participant of a call that feedback may be given on, and whether it started."""

    participant_id: str
    room_id: str
    request_id: str | None
    role: str  # a ParticipantRole
    language_code: str
    volunteer_id: str | None
    started: bool


@dataclass(frozen=True)
class Answer:
    room_id: str
    author_role: str
    language_code: str
    understood: bool | None
    quality: str | None
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class Report:
    id: str
    room_id: str
    reporter_name: str
    language_code: str
    text: str
    created_at: datetime
    seen_at: datetime | None
    seen_by_name: str | None


@dataclass
class Tally:
    """Counts for one language or one volunteer."""

    understood: int = 0
    not_understood: int = 0
    quality: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Comment:
    author_role: str
    language_code: str
    volunteer_name: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Summary:
    by_language: dict[str, Tally]
    # Volunteer's display name -> their calls' feedback (the resident's and their own).
    by_volunteer: dict[str, Tally]
    latest_comments: list[Comment]


@dataclass(frozen=True)
class RecentCall:
    room_id: str
    language_code: str
    started_at: datetime
    answered: bool


def _text(value: str, limit: int, too_long: str, name: str) -> str:
    """Trimmed text with its line breaks kept, or InvalidInput saying what is wrong."""
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t" for c in value):
        raise InvalidInput(UNREADABLE, name)
    text = value.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InvalidInput(too_long, name)
    return text


def check_understood(value: str) -> bool:
    if value not in tuple(Understood):
        raise InvalidInput(CHOOSE_UNDERSTOOD, "understood")
    return value == Understood.YES


def check_comment(value: str) -> str:
    return _text(value, MAX_COMMENT, COMMENT_TOO_LONG, "comment")


def check_quality(value: str) -> str:
    if value not in tuple(CallQuality):
        raise InvalidInput(CHOOSE_QUALITY, "quality")
    return value


def check_note(value: str) -> str:
    return _text(value, MAX_NOTE, FEEDBACK_NOTE_TOO_LONG, "note")


def check_concern(value: str) -> str:
    text = _text(value, MAX_CONCERN, CONCERN_TOO_LONG, "concern")
    if not text:
        raise InvalidInput(WRITE_CONCERN, "concern")
    return text


def _answer(row: CallFeedback) -> Answer:
    return Answer(
        row.room_id, row.author_role, row.language_code, row.understood, row.quality,
        row.comment, row.created_at,
    )


class Feedback:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- whose call it is ---------------------------------------------------------------

    async def _seat(self, session: AsyncSession, row: RoomParticipant | None) -> Seat | None:
        """The seat ``row`` holds in a call with an interpreter (not a meeting), or None."""
        if row is None:
            return None
        room = await session.get(RoomRow, row.room_id)
        if room is None or room.kind == RoomKind.MEETING:
            return None
        interpreter = await session.scalar(
            select(RoomParticipant)
            .where(RoomParticipant.room_id == room.id)
            .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
            .order_by(RoomParticipant.joined_at.desc().nulls_last())
            .limit(1)
        )
        resident = await session.scalar(
            select(RoomParticipant.language_code)
            .where(RoomParticipant.room_id == room.id)
            .where(RoomParticipant.role == ParticipantRole.RESIDENT)
            .limit(1)
        )
        started = (
            interpreter is not None
            and interpreter.joined_at is not None
            and row.joined_at is not None
        )
        return Seat(
            row.id,
            room.id,
            room.request_id,
            row.role,
            resident or row.language_code or "",
            interpreter.user_id if interpreter is not None else None,
            started,
        )

    async def resident_seat(self, token: str) -> Seat:
        """The resident seat the call link ``token`` opened, open or ended; InvalidToken if
        none (a wrong token, or a meeting's guest: meetings are not asked)."""
        async with self.db.session() as session:
            row = await session.scalar(
                select(RoomParticipant)
                .where(RoomParticipant.token_hash == hash_token(token))
                .where(RoomParticipant.role == ParticipantRole.RESIDENT)
            )
            seat = await self._seat(session, row)
        if seat is None:
            raise InvalidToken("This call link is not valid.")
        return seat

    async def interpreter_seat(self, room_id: str, user_id: str) -> Seat:
        """The seat of the interpreter ``user_id`` in ``room_id``; NotFound for no such
        call, NotAllowed for a call they did not interpret."""
        async with self.db.session() as session:
            room = await session.get(RoomRow, room_id)
            if room is None or room.kind == RoomKind.MEETING:
                raise NotFound(NO_SUCH_CALL)
            row = await session.scalar(
                select(RoomParticipant)
                .where(RoomParticipant.room_id == room_id)
                .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
                .where(RoomParticipant.user_id == user_id)
                .order_by(RoomParticipant.joined_at.desc().nulls_last())
                .limit(1)
            )
            seat = await self._seat(session, row)
        if seat is None:
            raise NotAllowed(NOT_IN_CALL)
        return seat

    # -- answers --------------------------------------------------------------------------

    async def answer_as_resident(self, token: str, understood: str, comment: str = "") -> Answer:
        """The resident's answer; it replaces any earlier one of theirs."""
        seat = await self.resident_seat(token)  # a stranger learns nothing of the rules
        yes = check_understood(understood)
        text = check_comment(comment)
        return await self._keep(seat, understood=yes, quality=None, comment=text)

    async def answer_as_interpreter(
        self, room_id: str, user_id: str, quality: str, note: str = ""
    ) -> Answer:
        """The interpreter's answer; it replaces any earlier one of theirs."""
        seat = await self.interpreter_seat(room_id, user_id)
        chosen = check_quality(quality)
        text = check_note(note)
        return await self._keep(seat, understood=None, quality=chosen, comment=text)

    async def _keep(
        self, seat: Seat, understood: bool | None, quality: str | None, comment: str
    ) -> Answer:
        if not seat.started:
            raise NotAllowed(NOT_STARTED)
        values = {"understood": understood, "quality": quality, "comment": comment,
                  "created_at": utcnow()}
        for _ in range(2):  # a second try updates the row an answer at the same moment made
            try:
                async with self.db.session() as session:
                    done = await session.execute(
                        update(CallFeedback)
                        .where(CallFeedback.participant_id == seat.participant_id)
                        .values(**values)
                    )
                    if rowcount(done) == 0:
                        session.add(
                            CallFeedback(
                                id=new_id(),
                                room_id=seat.room_id,
                                request_id=seat.request_id,
                                participant_id=seat.participant_id,
                                author_role=seat.role,
                                volunteer_id=seat.volunteer_id,
                                language_code=seat.language_code,
                                **values,
                            )
                        )
                break
            except IntegrityError:
                continue
        answer = await self._answer_of(seat.participant_id)
        assert answer is not None
        return answer

    async def _answer_of(self, participant_id: str) -> Answer | None:
        async with self.db.session() as session:
            row = await session.scalar(
                select(CallFeedback).where(CallFeedback.participant_id == participant_id)
            )
        return _answer(row) if row is not None else None

    async def answer_of(self, seat: Seat) -> Answer | None:
        """What this seat answered, if anything."""
        return await self._answer_of(seat.participant_id)

    async def recent_calls(self, user_id: str, days: int = RECENT_CALL_DAYS) -> list[RecentCall]:
        """The interpreter's calls of the last ``days`` days that started, newest first."""
        since = utcnow() - timedelta(days=days)
        async with self.db.session() as session:
            rows = await session.execute(
                select(
                    RoomParticipant.room_id,
                    RoomParticipant.language_code,
                    RoomParticipant.joined_at,
                    CallFeedback.id,
                )
                .join(RoomRow, RoomRow.id == RoomParticipant.room_id)
                .outerjoin(CallFeedback, CallFeedback.participant_id == RoomParticipant.id)
                .where(RoomParticipant.user_id == user_id)
                .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
                .where(RoomParticipant.joined_at >= since)
                .where(RoomRow.kind != RoomKind.MEETING)
                .order_by(RoomParticipant.joined_at.desc())
                .limit(20)
            )
            return [
                RecentCall(room_id, language or "", joined, answered is not None)
                for room_id, language, joined, answered in rows
                if joined is not None
            ]

    # -- safeguarding ---------------------------------------------------------------------

    async def report_concern(self, room_id: str, user_id: str, concern: str) -> Report:
        """An interpreter's safeguarding report on a call they interpreted (started or not:
        a concern may arise while connecting)."""
        text = check_concern(concern)
        async with self.db.session() as session:
            room = await session.get(RoomRow, room_id)
            if room is None or room.kind == RoomKind.MEETING:
                raise NotFound(NO_SUCH_CALL)
            interpreted = await session.scalar(
                select(func.count())
                .select_from(RoomParticipant)
                .where(RoomParticipant.room_id == room_id)
                .where(RoomParticipant.role == ParticipantRole.INTERPRETER)
                .where(RoomParticipant.user_id == user_id)
            )
            if not interpreted:
                raise NotAllowed(NOT_IN_CALL)
            language = await session.scalar(
                select(RoomParticipant.language_code)
                .where(RoomParticipant.room_id == room_id)
                .where(RoomParticipant.role == ParticipantRole.RESIDENT)
                .limit(1)
            )
            row = SafeguardingReport(
                id=new_id(),
                room_id=room_id,
                request_id=room.request_id,
                reporter_id=user_id,
                language_code=language or "",
                text=text,
                created_at=utcnow(),
            )
            session.add(row)
            report_id = row.id
        return await self.report(report_id)

    async def report(self, report_id: str) -> Report:
        reports = await self._reports(SafeguardingReport.id == report_id)
        if not reports:
            raise NotFound(NO_SUCH_REPORT)
        return reports[0]

    async def reports(self) -> list[Report]:
        """Every safeguarding report: unseen ones first, newest first within each."""
        return await self._reports(None)

    async def _reports(self, where: object | None) -> list[Report]:
        reporter = User.__table__.alias("reporter")
        seer = User.__table__.alias("seer")
        query = (
            select(SafeguardingReport, reporter.c.display_name, seer.c.display_name)
            .join(reporter, reporter.c.id == SafeguardingReport.reporter_id)
            .outerjoin(seer, seer.c.id == SafeguardingReport.seen_by)
            .order_by(
                SafeguardingReport.seen_at.is_not(None),
                SafeguardingReport.created_at.desc(),
            )
        )
        if where is not None:
            query = query.where(where)  # type: ignore[arg-type]
        async with self.db.session() as session:
            rows = await session.execute(query)
            return [
                Report(
                    r.id, r.room_id, reporter_name, r.language_code, r.text, r.created_at,
                    r.seen_at, seen_by_name,
                )
                for r, reporter_name, seen_by_name in rows
            ]

    async def unseen_count(self) -> int:
        async with self.db.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(SafeguardingReport)
                .where(SafeguardingReport.seen_at.is_(None))
            )
        return count or 0

    async def mark_seen(self, report_id: str, coordinator: Account) -> Report:
        """The coordinator has read the report: who and when go into it and the audit log.
        Marking a report seen again changes nothing."""
        now = utcnow()
        async with self.db.session() as session:
            if await session.get(SafeguardingReport, report_id) is None:
                raise NotFound(NO_SUCH_REPORT)
            done = await session.execute(
                update(SafeguardingReport)
                .where(SafeguardingReport.id == report_id)
                .where(SafeguardingReport.seen_at.is_(None))
                .values(seen_at=now, seen_by=coordinator.id)
            )
            if rowcount(done) == 1:
                session.add(
                    AuditEntry(
                        at=now,
                        event=SEEN_EVENT,
                        detail=(
                            f"safeguarding report {report_id} marked as seen by "
                            f"{coordinator.display_name} ({coordinator.id})"
                        ),
                    )
                )
        return await self.report(report_id)

    # -- for the coordinator ----------------------------------------------------------------

    async def summary(self) -> Summary:
        """Counts by language and by volunteer, and the latest comments."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(
                    CallFeedback.language_code,
                    User.display_name,
                    CallFeedback.understood,
                    CallFeedback.quality,
                    func.count(),
                )
                .outerjoin(User, User.id == CallFeedback.volunteer_id)
                .group_by(
                    CallFeedback.language_code,
                    User.display_name,
                    CallFeedback.understood,
                    CallFeedback.quality,
                )
            )
            by_language: dict[str, Tally] = {}
            by_volunteer: dict[str, Tally] = {}
            for language, volunteer, understood, quality, count in rows:
                tallies = [by_language.setdefault(language, Tally())]
                if volunteer is not None:
                    tallies.append(by_volunteer.setdefault(volunteer, Tally()))
                for tally in tallies:
                    if understood is True:
                        tally.understood += count
                    elif understood is False:
                        tally.not_understood += count
                    if quality is not None:
                        tally.quality[quality] += count
            comments = await session.execute(
                select(
                    CallFeedback.author_role,
                    CallFeedback.language_code,
                    User.display_name,
                    CallFeedback.comment,
                    CallFeedback.created_at,
                )
                .outerjoin(User, User.id == CallFeedback.volunteer_id)
                .where(CallFeedback.comment != "")
                .order_by(CallFeedback.created_at.desc())
                .limit(LATEST_COMMENTS)
            )
            latest = [Comment(*row) for row in comments]
        return Summary(
            dict(sorted(by_language.items())), dict(sorted(by_volunteer.items())), latest
        )
