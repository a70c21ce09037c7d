"""A meeting's caption-view page: open to anyone with the link, no sign-in, never cached;
a wrong link or one of a meeting that has ended gets a plain message."""

from __future__ import annotations

import re

import httpx

from interp.domain.meetings import Meetings
from interp.keys import secret_key
from interp.store.database import Database
from tests.helpers.meetings import create_meeting
from tests.live_server import LiveServer


async def end_meeting(server: LiveServer, meeting_id: str) -> None:
    db = Database(server.settings.effective_database_url)
    try:
        meetings = Meetings(db, secret_key(server.settings), 6)
        assert await meetings.end(meeting_id)
    finally:
        await db.close()


def options(html: str) -> list[tuple[str, bool]]:
    """The caption language picker's choices: (value, selected)."""
    picker = re.search(r'<select id="view-language">(.*?)</select>', html, re.S)
    assert picker, "no language picker"
    return [
        (value, bool(selected))
        for value, selected in re.findall(r'<option value="([^"]+)"[^>]*?( selected)?>', picker[1])
    ]


async def test_anyone_with_the_link_sees_the_caption_view(live_server: LiveServer) -> None:
    made = await create_meeting(live_server, "Rent arrears & you", ("es", "bfi", "ar"))
    token = made.view_token
    async with httpx.AsyncClient(base_url=live_server.url) as anonymous:
        page = await anonymous.get(f"/v/{token}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "<h1 dir=\"auto\">Rent arrears &amp; you</h1>" in page.text
    assert 'role="status"' in page.text and 'id="fullscreen-button"' in page.text
    # The meeting's spoken languages first (a sign language cannot be read), then the
    # staff's, the organisation's offer, and the speakers' own words; the meeting's first
    # language until the reader's browser says otherwise.
    choices = options(page.text)
    values = [value for value, _ in choices]
    assert values[:3] == ["es", "ar", "en"] and values[-1] == "original"
    assert "bfi" not in values and len(values) == len(set(values))
    assert [value for value, selected in choices if selected] == ["es"]
    assert f'"token": "{token}"' in page.text


async def test_a_wrong_or_ended_link_gets_a_plain_message(live_server: LiveServer) -> None:
    made = await create_meeting(live_server)
    token = made.view_token
    async with httpx.AsyncClient(base_url=live_server.url) as anonymous:
        for path in ("/v/" + "A" * 43, f"/v/{token[:-1]}"):
            page = await anonymous.get(path)
            assert page.status_code == 404, path
            assert "This caption link is not valid. The meeting may have ended." in page.text
            assert 'id="view-language"' not in page.text
        await end_meeting(live_server, made.info.id)
        page = await anonymous.get(f"/v/{token}")
    assert page.status_code == 410
    assert "The meeting has ended." in page.text and 'id="view-language"' not in page.text


async def test_a_link_with_a_language_opens_in_it(live_server: LiveServer) -> None:
    made = await create_meeting(live_server, "Housing advice", ("es", "ar"))
    async with httpx.AsyncClient(base_url=live_server.url) as anonymous:
        arabic = await anonymous.get(f"/v/{made.view_token}", params={"lang": "ar"})
        unknown = await anonymous.get(f"/v/{made.view_token}", params={"lang": "xx"})
    # The page speaks Arabic, right to left, and reads the captions in Arabic first.
    assert 'lang="ar"' in arabic.text and 'dir="rtl"' in arabic.text
    assert [value for value, selected in options(arabic.text) if selected] == ["ar"]
    assert '"askedLanguage": "ar"' in arabic.text
    # A language the meeting cannot be read in changes nothing.
    assert [value for value, selected in options(unknown.text) if selected] == ["es"]
    assert '"askedLanguage": ""' in unknown.text
