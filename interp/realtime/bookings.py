"""Booking changes, made through the domain and announced on the hub, so that every
volunteer's dashboard on every node shows the open bookings of their languages live."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from interp.domain.accounts import Account
from interp.domain.booking_records import BookingView
from interp.domain.bookings import Bookings
from interp.hub import Hub, HubDown
from interp.hub.channels import bookings_channel

log = logging.getLogger(__name__)


class BookingDesk:
    def __init__(
        self,
        hub: Hub,
        bookings: Bookings,
        on_open: Callable[[str], None] = lambda language: None,
    ) -> None:
        self.hub = hub
        self.bookings = bookings
        # Told the language of each booking that opens (volunteers away from their dashboard).
        self.on_open = on_open

    async def _announce(self, event: str, booking: BookingView, by: str | None = None) -> None:
        message: dict[str, Any] = {
            "event": event,
            "language": booking.language_code,
            "booking": booking.as_dict(),
            "by": by,
        }
        try:
            await self.hub.publish(bookings_channel(booking.language_code), message)
        except HubDown:
            # The change is made; dashboards show it when they next load.
            log.warning("booking %s changed but dashboards were not told", booking.id)

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
        booking = await self.bookings.create(
            caseworker, language, starts_at, length_min, meeting_id, resident_link_id, note
        )
        await self._announce("booking.new", booking)
        self.on_open(booking.language_code)
        return booking

    async def claim(self, booking_id: str, volunteer: Account) -> BookingView:
        booking = await self.bookings.claim(booking_id, volunteer)
        await self._announce("booking.gone", booking, by=volunteer.id)
        return booking

    async def release(self, booking_id: str, volunteer: Account) -> BookingView:
        booking = await self.bookings.release(booking_id, volunteer)
        await self._announce("booking.new", booking)
        self.on_open(booking.language_code)
        return booking

    async def cancel(self, booking_id: str, caseworker: Account) -> BookingView:
        booking = await self.bookings.cancel(booking_id, caseworker)
        await self._announce("booking.gone", booking)
        return booking
