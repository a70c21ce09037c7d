"""Interpreters booked for a planned time: a caseworker books, volunteers who offer the
language claim (the first claim wins), reminders go to both sides once, and at the
booked time the booked volunteer is offered the resident's request first.

Claiming is the same race as accepting a request (``interp.domain.requests``): one
conditional UPDATE moves the booking from open to claimed, and the volunteer's account
row is locked first (PostgreSQL; SQLite has one writer at a time). Each reminder is sent
by whichever node sets its ``reminded_*_at`` column first.

Matched first: a request made by the booked resident link, or into the booked meeting,
from ``EARLY_ARRIVAL`` before the booked time until its end is *held* for the booked
volunteer for ``hold`` (the booking records the request and ``held_until``). Meanwhile
only they see it and only they can accept it; then it is open to everyone as usual.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update

from interp.domain.accounts import Account, is_staff, lock_interpreter, may_manage
from interp.domain.booking_records import (
    EARLY_ARRIVAL,
    MAX_LENGTH_MIN,
    BookingEntry,
    BookingNotifier,
    BookingStatus,
    BookingTaken,
    BookingView,
    Notice,
    NoticeEvent,
    booking_view,
    checked_note,
    checked_time,
)
from interp.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from interp.domain.kinds import RequestStatus
from interp.domain.organisation import Organisation
from interp.domain.tokens import new_id, utcnow
from interp.store.database import Database, rowcount
from interp.store.models import (
    Booking,
    BookingNotice,
    InterpretationRequest,
    Meeting,
    ResidentLink,
    User,
)

log = logging.getLogger(__name__)

# How long the pages show a notice.
NOTICE_DAYS = 14


def held_for_another(volunteer_id: str, now: datetime) -> Any:
    """Whether the request being changed is held for a different, booked volunteer."""
    return (
        select(Booking.id)
        .where(Booking.request_id == InterpretationRequest.id)
        .where(Booking.status == BookingStatus.CLAIMED)
        .where(Booking.volunteer_id != volunteer_id)
        .where(Booking.held_until > now)
        .exists()
    )


def _ends_after(now: datetime) -> Any:
    """Bookings that may not be over yet: a cheap bound in SQL (no interval arithmetic,
    which differs between engines); callers check each booking's own end."""
    return Booking.starts_at > now - timedelta(minutes=MAX_LENGTH_MIN)


class RecordedNotices:
    """The default notifier: keeps each notice for its reader's page."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _record(self, booking: BookingView, user_id: str, event: NoticeEvent) -> None:
        async with self.db.session() as session:
            session.add(
                BookingNotice(
                    id=new_id(),
                    user_id=user_id,
                    booking_id=booking.id,
                    event=event,
                    created_at=utcnow(),
                )
            )

    async def claimed(self, booking: BookingView, caseworker_id: str) -> None:
        await self._record(booking, caseworker_id, NoticeEvent.CLAIMED)

    async def cancelled(self, booking: BookingView, volunteer_id: str) -> None:
        await self._record(booking, volunteer_id, NoticeEvent.CANCELLED)

    async def released(self, booking: BookingView, caseworker_id: str) -> None:
        await self._record(booking, caseworker_id, NoticeEvent.RELEASED)

    async def reminder(self, booking: BookingView, user_id: str) -> None:
        await self._record(booking, user_id, NoticeEvent.REMINDER)

    async def for_user(self, user_id: str, limit: int = 20) -> list[Notice]:
        since = utcnow() - timedelta(days=NOTICE_DAYS)
        async with self.db.session() as session:
            rows = await session.execute(
                select(BookingNotice, Booking)
                .join(Booking, Booking.id == BookingNotice.booking_id)
                .where(BookingNotice.user_id == user_id, BookingNotice.created_at >= since)
                .order_by(BookingNotice.created_at.desc(), BookingNotice.id)
                .limit(limit)
            )
            return [Notice(booking_view(b), n.event, n.created_at) for n, b in rows]


class Bookings:
    def __init__(
        self,
        db: Database,
        organisation: Organisation,
        notifier: BookingNotifier,
        reminders: tuple[timedelta, timedelta] = (timedelta(hours=24), timedelta(hours=1)),
        hold: timedelta = timedelta(minutes=2),
    ) -> None:
        self.db = db
        self.organisation = organisation
        self.notifier = notifier
        # The early and the late reminder, before the booked time; zero turns one off.
        self.early_reminder, self.late_reminder = reminders
        self.hold = hold

    # -- the caseworker ------------------------------------------------------------------

    async def create(
        self,
        caseworker: Account,
        language: str,
        starts_at: datetime,
        length_min: int,
        meeting_id: str | None = None,
        resident_link_id: str | None = None,
        note: str = "",
    ) -> BookingView:
        """Book an interpreter for one of the caseworker's meetings or resident links."""
        if not is_staff(caseworker):
            raise NotAllowed("Only caseworkers book interpreters.")
        if not await self.organisation.is_offered(language):
            raise InvalidInput(f"Interpretation into {language!r} is not offered here.", "language")
        now = utcnow()
        checked_time(starts_at, length_min, now)
        note = checked_note(note)
        if (meeting_id is None) == (resident_link_id is None):
            raise InvalidInput("Choose one of your meetings or resident links.", "subject")
        async with self.db.session() as session:
            if meeting_id is not None:
                meeting = await session.get(Meeting, meeting_id)
                if meeting is None or meeting.owner_id != caseworker.id:
                    raise InvalidInput("Choose one of your meetings.", "subject")
                if meeting.ended_at is not None:
                    raise InvalidInput("That meeting has ended.", "subject")
            else:
                link = await session.get(ResidentLink, resident_link_id)
                if link is None or link.created_by != caseworker.id or link.used_at:
                    raise InvalidInput("Choose one of your unused resident links.", "subject")
                if link.expires_at < starts_at:
                    raise InvalidInput(
                        "The link expires before the booked time; send a new link nearer the "
                        "time, or book for a meeting.",
                        "link_expiry",
                    )
            row = Booking(
                id=new_id(),
                created_by=caseworker.id,
                language_code=language,
                starts_at=starts_at,
                length_min=length_min,
                meeting_id=meeting_id,
                resident_link_id=resident_link_id,
                note=note,
                status=BookingStatus.OPEN,
                created_at=now,
            )
            session.add(row)
        return booking_view(row)

    async def cancel(self, booking_id: str, caseworker: Account) -> BookingView:
        """Cancel an open or claimed booking; its volunteer, if any, is told."""
        now = utcnow()
        async with self.db.session() as session:
            row = await session.get(Booking, booking_id, with_for_update=True)
            if row is None or not may_manage(caseworker, row.created_by):
                raise NotFound("No such booking.")
            volunteer_id = row.volunteer_id
            done = await session.execute(
                update(Booking)
                .where(Booking.id == booking_id, Booking.status == row.status)
                .where(Booking.status != BookingStatus.CANCELLED)
                # A request held for its volunteer is shown to everyone on the next sweep.
                .values(status=BookingStatus.CANCELLED, cancelled_at=utcnow(), held_until=now)
            )
            if rowcount(done) != 1:
                raise Conflict("This booking is already cancelled.")
            await session.refresh(row)
            view = booking_view(row)
        if volunteer_id is not None:
            await self.notifier.cancelled(view, volunteer_id)
        return view

    async def made_by(self, user_id: str, limit: int = 50) -> list[BookingEntry]:
        """The caseworker's bookings not yet over, soonest first, then recent past ones."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(Booking, Meeting.title, ResidentLink.label, User.display_name)
                .outerjoin(Meeting, Meeting.id == Booking.meeting_id)
                .outerjoin(ResidentLink, ResidentLink.id == Booking.resident_link_id)
                .outerjoin(User, User.id == Booking.volunteer_id)
                .where(Booking.created_by == user_id)
                .where(_ends_after(utcnow()))
                .order_by(Booking.starts_at, Booking.id)
                .limit(limit)
            )
            return [
                BookingEntry(booking_view(b), title or label or "", name)
                for b, title, label, name in rows
            ]

    # -- volunteers ----------------------------------------------------------------------

    async def open_for(self, languages: tuple[str, ...] | list[str]) -> list[BookingView]:
        """Open bookings in these languages that have not started, soonest first."""
        if not languages:
            return []
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Booking)
                .where(Booking.status == BookingStatus.OPEN)
                .where(Booking.language_code.in_(languages))
                .where(Booking.starts_at > utcnow())
                .order_by(Booking.starts_at, Booking.id)
            )
            return [booking_view(row) for row in rows]

    async def claimed_by(self, volunteer_id: str) -> list[BookingView]:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Booking)
                .where(Booking.status == BookingStatus.CLAIMED)
                .where(Booking.volunteer_id == volunteer_id)
                .where(_ends_after(utcnow()))
                .order_by(Booking.starts_at, Booking.id)
            )
            views = [booking_view(row) for row in rows]
        now = utcnow()
        return [view for view in views if view.ends_at > now]

    async def get(self, booking_id: str) -> BookingView:
        async with self.db.session() as session:
            row = await session.get(Booking, booking_id)
        if row is None:
            raise NotFound("No such booking.")
        return booking_view(row)

    async def claim(self, booking_id: str, volunteer: Account) -> BookingView:
        """Give the booking to this volunteer unless someone claimed it first."""
        booking = await self.get(booking_id)
        now = utcnow()
        async with self.db.session() as session:
            await lock_interpreter(
                session, volunteer.id, booking.language_code, "claim bookings", "booking"
            )
            won = await session.execute(
                update(Booking)
                .where(Booking.id == booking_id)
                .where(Booking.status == BookingStatus.OPEN)
                .where(Booking.starts_at > now)
                .values(status=BookingStatus.CLAIMED, volunteer_id=volunteer.id, claimed_at=now)
            )
            if rowcount(won) != 1:
                current = await session.get(Booking, booking_id)
                if current is not None and current.status == BookingStatus.CLAIMED:
                    raise BookingTaken("Another interpreter has already claimed this booking.")
                raise Conflict("This booking can no longer be claimed.")
        claimed = await self.get(booking_id)
        await self.notifier.claimed(claimed, claimed.created_by)
        return claimed

    async def release(self, booking_id: str, volunteer: Account) -> BookingView:
        """The volunteer hands the booking back: it is open again, and the caseworker is
        told. Its reminders go again to whoever claims it next."""
        now = utcnow()
        async with self.db.session() as session:
            done = await session.execute(
                update(Booking)
                .where(Booking.id == booking_id)
                .where(Booking.status == BookingStatus.CLAIMED)
                .where(Booking.volunteer_id == volunteer.id)
                .values(
                    status=BookingStatus.OPEN,
                    volunteer_id=None,
                    claimed_at=None,
                    reminded_early_at=None,
                    reminded_late_at=None,
                    # A request held for them is shown to everyone on the next sweep.
                    held_until=case((Booking.held_until.is_not(None), now), else_=None),
                )
            )
            if rowcount(done) != 1:
                raise Conflict("This booking is not yours to hand back.")
        released = await self.get(booking_id)
        await self.notifier.released(released, released.created_by)
        return released

    # -- what time changes ---------------------------------------------------------------

    async def send_due_reminders(self) -> list[BookingView]:
        """Remind both sides of claimed bookings whose reminder time has come. A reminder
        goes once: the node whose conditional UPDATE sets its column sends it. When the
        late one is due, an early one not yet sent is dropped (one reminder is enough)."""
        now = utcnow()
        sent: list[BookingView] = []
        for column, before, also in (
            (Booking.reminded_late_at, self.late_reminder, Booking.reminded_early_at),
            (Booking.reminded_early_at, self.early_reminder, None),
        ):
            if before <= timedelta(0):
                continue
            async with self.db.session() as session:
                due = list(
                    await session.scalars(
                        select(Booking.id)
                        .where(Booking.status == BookingStatus.CLAIMED)
                        .where(Booking.starts_at > now, Booking.starts_at <= now + before)
                        .where(column.is_(None))
                    )
                )
            for booking_id in due:
                values: dict[Any, datetime] = {column: now}
                if also is not None:
                    values[also] = now
                async with self.db.session() as session:
                    done = await session.execute(
                        update(Booking)
                        .where(Booking.id == booking_id, column.is_(None))
                        .where(Booking.status == BookingStatus.CLAIMED)
                        .values(values)
                    )
                if rowcount(done) != 1:
                    continue  # another node sent it
                booking = await self.get(booking_id)
                if booking.volunteer_id is not None:
                    await self.notifier.reminder(booking, booking.volunteer_id)
                await self.notifier.reminder(booking, booking.created_by)
                sent.append(booking)
        return sent

    async def hold_request(self, request_id: str) -> str | None:
        """If this new request is a booked one (its resident link or meeting, its language,
        within the booking's window), hold it for the booked volunteer; their id, or None."""
        now = utcnow()
        async with self.db.session() as session:
            request = await session.get(InterpretationRequest, request_id)
            if request is None or request.status != RequestStatus.OPEN:
                return None
            subject = []
            if request.resident_link_id is not None:
                subject.append(Booking.resident_link_id == request.resident_link_id)
            if request.room_id is not None:
                meeting_id = select(Meeting.id).where(Meeting.room_id == request.room_id)
                subject.append(Booking.meeting_id.in_(meeting_id.scalar_subquery()))
            if not subject:
                return None
            candidates = await session.scalars(
                select(Booking)
                .where(or_(*subject))
                .where(Booking.status == BookingStatus.CLAIMED)
                .where(Booking.language_code == request.language_code)
                .where(Booking.starts_at <= now + EARLY_ARRIVAL)
                .where(_ends_after(now))
                .order_by(Booking.starts_at)
            )
            booking = next((b for b in candidates if booking_view(b).ends_at > now), None)
            if booking is None:
                return None
            done = await session.execute(
                update(Booking)
                .where(Booking.id == booking.id, Booking.status == BookingStatus.CLAIMED)
                .where(Booking.volunteer_id == booking.volunteer_id)
                .where(or_(Booking.request_id.is_(None), Booking.request_id != request_id))
                .values(request_id=request_id, held_until=now + self.hold)
            )
            return booking.volunteer_id if rowcount(done) == 1 else None

    async def end_holds(self) -> list[str]:
        """Requests whose hold for a booked volunteer has run out and that are still open:
        each is returned once (by the node that clears its hold), to be shown to all."""
        now = utcnow()
        async with self.db.session() as session:
            rows = list(
                await session.execute(
                    select(Booking.id, Booking.request_id, Booking.held_until)
                    .where(Booking.held_until.is_not(None), Booking.held_until <= now)
                )
            )
        ended = []
        for booking_id, request_id, held_until in rows:
            async with self.db.session() as session:
                done = await session.execute(
                    update(Booking)
                    .where(and_(Booking.id == booking_id, Booking.held_until == held_until))
                    .values(held_until=None)
                )
                still_open = await session.scalar(
                    select(InterpretationRequest.id).where(
                        InterpretationRequest.id == request_id,
                        InterpretationRequest.status == RequestStatus.OPEN,
                    )
                )
            if rowcount(done) == 1 and still_open is not None:
                ended.append(still_open)
        return ended


async def remind_periodically(bookings: Bookings, interval_s: float = 60.0) -> None:
    """Send due reminders now and then for as long as the service runs."""
    while True:
        try:
            await bookings.send_due_reminders()
        except Exception:
            # A passing database fault must not stop the reminders for good.
            log.exception("booking reminders failed")
        await asyncio.sleep(interval_s)
