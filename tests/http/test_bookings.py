"""Booking pages over real HTTP: the caseworker books, a volunteer claims and hands
back, the caseworker cancels; bad input and a missing CSRF token change nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.helpers.bookings import add_meeting, booking_form, local
from tests.live_server import LiveServer, csrf_from, sign_in


async def test_book_claim_release_and_cancel(live_server: LiveServer) -> None:
    await live_server.create_account("case@example.org", "caseworker")
    async with httpx.AsyncClient(base_url=live_server.url) as caseworker:
        await sign_in(caseworker, "case@example.org")
        await add_meeting(caseworker)
        form = await booking_form(caseworker)
        await live_server.create_account("v@example.org", "volunteer", (form["language"],))

        # Bad input: a time in the past, a length not offered, no CSRF token.
        past = form | {"when": local(datetime.now(UTC) - timedelta(hours=1))}
        refused = await caseworker.post("/bookings", data=past)
        assert refused.status_code == 400
        assert "Choose a date and time in the future, within a year." in refused.text
        too_long = await caseworker.post("/bookings", data=form | {"length": "600"})
        assert too_long.status_code == 400
        forged = await caseworker.post("/bookings", data=form | {"csrf_token": "x"})
        assert forged.status_code == 403
        assert "You have no bookings coming up." in (await caseworker.get("/bookings")).text

        booked = await caseworker.post("/bookings", data=form)
        assert booked.status_code == 303
        listing = (await caseworker.get("/bookings")).text
        assert "Waiting for an interpreter" in listing and "Housing review" in listing
        booking_id = re.search(r'class="card stack booking" data-id="([0-9a-f]+)"', listing)
        assert booking_id
        bid = booking_id.group(1)

        async with httpx.AsyncClient(base_url=live_server.url) as volunteer:
            await sign_in(volunteer, "v@example.org")
            dashboard = (await volunteer.get("/volunteer")).text
            assert f'action="/bookings/{bid}/claim"' in dashboard
            forged_claim = await volunteer.post(f"/bookings/{bid}/claim", data={})
            assert "booking=expired" in forged_claim.headers["location"]
            claimed = await volunteer.post(
                f"/bookings/{bid}/claim", data={"csrf_token": csrf_from(dashboard)}
            )
            assert "booking=claimed" in claimed.headers["location"]
            dashboard = (await volunteer.get("/volunteer")).text
            assert f'action="/bookings/{bid}/release"' in dashboard

            listing = (await caseworker.get("/bookings")).text
            assert "Claimed" in listing and "An interpreter claimed your booking" in listing

            released = await volunteer.post(
                f"/bookings/{bid}/release", data={"csrf_token": csrf_from(dashboard)}
            )
            assert "booking=released" in released.headers["location"]
            listing = (await caseworker.get("/bookings")).text
            assert "The interpreter handed your booking back" in listing

            dashboard = (await volunteer.get("/volunteer")).text
            await volunteer.post(
                f"/bookings/{bid}/claim", data={"csrf_token": csrf_from(dashboard)}
            )
            cancelled = await caseworker.post(
                f"/bookings/{bid}/cancel", data={"csrf_token": csrf_from(listing)}
            )
            assert cancelled.status_code == 303
            dashboard = (await volunteer.get("/volunteer")).text
            assert "The caseworker cancelled this booking" in dashboard
            assert f'action="/bookings/{bid}/release"' not in dashboard
