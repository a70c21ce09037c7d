"""Booking notices: kept for each reader's page, and the volunteer whose booking it is told
on their devices and by email too, as they chose (interp.notify.notifier). The message
names the event and the language, never the caseworker, the resident or the note."""

from __future__ import annotations

from interp.domain.booking_records import BookingView
from interp.domain.bookings import RecordedNotices
from interp.notify.messages import DASHBOARD
from interp.notify.notifier import Notifier


class BookingNotices:
    """A ``BookingNotifier``: the page notice always, the volunteer's devices for what
    concerns them. Caseworkers read their notices on their pages."""

    def __init__(self, recorded: RecordedNotices, notifier: Notifier) -> None:
        self.recorded = recorded
        self.notifier = notifier

    def _tell(self, booking: BookingView, user_id: str, event: str, within_hours: bool) -> None:
        payload = {
            "kind": "booking", "event": event, "language": booking.language_code,
            "url": DASHBOARD,
        }
        self.notifier.notify_volunteer(user_id, payload, within_hours)

    async def claimed(self, booking: BookingView, caseworker_id: str) -> None:
        await self.recorded.claimed(booking, caseworker_id)

    async def cancelled(self, booking: BookingView, volunteer_id: str) -> None:
        await self.recorded.cancelled(booking, volunteer_id)
        self._tell(booking, volunteer_id, "cancelled", within_hours=True)

    async def released(self, booking: BookingView, caseworker_id: str) -> None:
        await self.recorded.released(booking, caseworker_id)

    async def reminder(self, booking: BookingView, user_id: str) -> None:
        await self.recorded.reminder(booking, user_id)
        if user_id == booking.volunteer_id:
            # A booking they took: the reminder is wanted whatever their weekly hours say.
            self._tell(booking, user_id, "reminder", within_hours=False)
