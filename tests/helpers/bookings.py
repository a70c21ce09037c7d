"""A caseworker's booking through the /bookings form, over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.live_server import csrf_from


def local(moment: datetime) -> str:
    """A moment as a datetime-local field holds it."""
    return moment.strftime("%Y-%m-%dT%H:%M")


async def add_meeting(client: httpx.AsyncClient, title: str = "Housing") -> None:
    """An online meeting of the signed-in caseworker, for a booking to be for."""
    meetings = await client.get("/meetings")
    made = await client.post(
        "/meetings", data={"csrf_token": csrf_from(meetings.text), "title": title, "mode": "online"}
    )
    assert made.status_code == 303, made.text


async def booking_form(client: httpx.AsyncClient) -> dict[str, str]:
    """The booking form filled in: the caseworker's first meeting, the first language
    offered, two days from now, an hour, a note."""
    page = await client.get("/bookings")
    assert page.status_code == 200
    subject = re.search(r'<option value="(meeting:[0-9a-f]+)"', page.text)
    language = re.search(r'id="booking-language"[^>]*>\s*<option value="([^"]+)"', page.text)
    assert subject and language, page.text
    return {
        "csrf_token": csrf_from(page.text),
        "subject": subject.group(1),
        "language": language.group(1),
        "timezone": "UTC",
        "when": local(datetime.now(UTC) + timedelta(days=2)),
        "length": "60",
        "note": "Housing review",
    }
