"""Bookings on the volunteer's dashboard socket: a booking in their language arrives as
``booking.new`` (available or not), goes as ``booking.gone`` when claimed or cancelled;
volunteers of other languages hear nothing, and a refused claim announces nothing."""

from __future__ import annotations

import re

import httpx

from tests.helpers.bookings import add_meeting, booking_form
from tests.helpers.queue import volunteer_socket
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in

CASEWORKER = "case@example.org"


async def nothing_more(socket: JsonSocket) -> list[str]:
    """The types of booking messages the socket got, once a ping's answer shows that
    everything sent before it has arrived."""
    await socket.send({"type": "ping"})
    await socket.expect("pong")
    return [m["type"] for m in socket.seen if m["type"].startswith("booking.")]


async def test_volunteers_of_the_language_see_a_booking_come_and_go(
    live_server: LiveServer,
) -> None:
    await live_server.create_account(CASEWORKER, "caseworker")
    caseworker = httpx.AsyncClient(base_url=live_server.url)
    await sign_in(caseworker, CASEWORKER)
    await add_meeting(caseworker)
    form = await booking_form(caseworker)
    language = form["language"]
    other_language = "ar" if language != "ar" else "es"
    # Bookings are planned ahead: shown to a volunteer who is not available now, too.
    watcher, watcher_client = await volunteer_socket(
        live_server, "watcher@example.org", (language,), available=False
    )
    claimer, claimer_client = await volunteer_socket(
        live_server, "claimer@example.org", (language,)
    )
    stranger, stranger_client = await volunteer_socket(
        live_server, "stranger@example.org", (other_language,)
    )
    try:
        booked = await caseworker.post("/bookings", data=form)
        assert booked.status_code == 303
        new = await watcher.expect("booking.new")
        booking = new["booking"]
        assert booking["language"] == language and booking["note"] == "Housing review"
        assert booking["length_min"] == 60 and booking["starts_at"].startswith(form["when"])
        assert (await claimer.expect("booking.new"))["booking"]["id"] == booking["id"]

        # A claim without the form's token is refused: nothing changes, nobody is told.
        forged = await claimer_client.post(f"/bookings/{booking['id']}/claim", data={})
        assert "booking=expired" in forged.headers["location"]
        assert await nothing_more(watcher) == ["booking.new"]

        dashboard = (await claimer_client.get("/volunteer")).text
        assert f'action="/bookings/{booking["id"]}/claim"' in dashboard
        claimed = await claimer_client.post(
            f"/bookings/{booking['id']}/claim", data={"csrf_token": csrf_from(dashboard)}
        )
        assert "booking=claimed" in claimed.headers["location"]
        gone = await watcher.expect("booking.gone")
        assert (gone["booking"]["id"], gone["by_you"]) == (booking["id"], False)
        assert (await claimer.expect("booking.gone"))["by_you"] is True

        # The slower volunteer's claim is refused and announces nothing more.
        page = (await watcher_client.get("/volunteer")).text
        late = await watcher_client.post(
            f"/bookings/{booking['id']}/claim", data={"csrf_token": csrf_from(page)}
        )
        assert "booking=taken" in late.headers["location"]
        assert await nothing_more(watcher) == ["booking.new", "booking.gone"]

        # The caseworker cancels: the claimed volunteer's dashboard hears it.
        listing = (await caseworker.get("/bookings")).text
        assert re.search(rf'data-id="{booking["id"]}"', listing)
        cancelled = await caseworker.post(
            f"/bookings/{booking['id']}/cancel", data={"csrf_token": csrf_from(listing)}
        )
        assert cancelled.status_code == 303
        again = await claimer.expect("booking.gone")
        assert (again["booking"]["id"], again["by_you"]) == (booking["id"], False)

        assert await nothing_more(stranger) == []
    finally:
        for socket in (watcher, claimer, stranger):
            await socket.close()
        for client in (watcher_client, claimer_client, stranger_client, caseworker):
            await client.aclose()
