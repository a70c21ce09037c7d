"""Regression tests of issue 11, item 1 and part of item 9, against a running server.

Consent has one owner: a guest cannot answer for the host or for anyone else, only a
host records answers, only for the speakers named in the room, and such a record says
it was the host's; a removed guest's call link reads and records nothing. An invitation
sent to one address makes an account only for that address. A removed guest stays
removed (their call link and the meeting's invite say so). Opening a meeting's call page
changes nothing. The host can replace the meeting's links, and the old ones stop working.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from interp.domain.accounts import Accounts
from interp.domain.consent import Consent
from interp.domain.meetings import MeetingInfo, Meetings
from interp.domain.rooms import Rooms
from interp.keys import secret_key
from interp.store.database import Database
from interp.store.models import RoomParticipant, User
from tests.live_server import PASSWORD, LiveServer, csrf_from, sign_in

HOST_EMAIL = "kasia@example.org"
REMOVED = "The host removed you from this meeting."


@dataclass
class Meeting:
    info: MeetingInfo
    host: httpx.AsyncClient  # Kasia, the caseworker holding it, signed in
    host_csrf: str
    host_id: str  # Kasia's participant id
    invite: str  # the invite link's path
    server: LiveServer

    @property
    def consent_url(self) -> str:
        return f"/api/meetings/{self.info.id}/consent"

    async def host_posts(self, body: dict[str, object]) -> httpx.Response:
        return await self.host.post(
            self.consent_url, json=body, headers={"x-csrf-token": self.host_csrf}
        )

    async def guest_posts(self, token: str, body: dict[str, object]) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.server.url) as guest:
            return await guest.post(
                self.consent_url, json=body, headers={"x-participant-token": token}
            )

    async def guest_reads(self, token: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.server.url) as guest:
            return await guest.get(self.consent_url, headers={"x-participant-token": token})

    async def answers(self) -> dict[str, tuple[str | None, bool]]:
        """Everyone's answer, by name, and whether the host recorded it."""
        state = (await self.host.get(self.consent_url)).json()
        return {
            p["name"]: (p["consent"], p.get("recorded_by_host", False))
            for p in state["participants"]
        }


class Server:
    """The server's database, opened from the test's own event loop."""

    def __init__(self, server: LiveServer) -> None:
        self.db = Database(server.settings.effective_database_url)
        self.meetings = Meetings(self.db, secret_key(server.settings), 6)
        self.consent = Consent(self.db)
        self.rooms = Rooms(self.db)

    async def participants(self, meeting: MeetingInfo) -> int:
        async with self.db.session() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(RoomParticipant)
                .where(RoomParticipant.room_id == meeting.room_id)
            )
        return int(found or 0)

    async def close(self) -> None:
        await self.db.close()


@pytest.fixture
async def server(live_server: LiveServer) -> AsyncIterator[Server]:
    opened = Server(live_server)
    try:
        yield opened
    finally:
        await opened.close()


async def hold_meeting(live_server: LiveServer, server: Server, mode: str) -> Meeting:
    """A meeting made through the caseworker's pages, the host arrived in its room."""
    await live_server.create_account(HOST_EMAIL, "caseworker", name="Kasia")
    client = httpx.AsyncClient(base_url=live_server.url)
    await sign_in(client, HOST_EMAIL)
    page = await client.get("/meetings")
    made = await client.post("/meetings", data={
        "csrf_token": csrf_from(page.text), "title": "Housing review", "mode": mode,
        "languages": ["es"],
    })
    assert made.status_code == 303, made.text
    host_page = (await client.get(made.headers["location"])).text
    invite = re.search(r'id="invite-link"[^>]*value="https?://[^/]+(/j/[^"]+)"', host_page)
    assert invite
    info = await server.meetings.get(made.headers["location"].rsplit("/", 1)[1])
    (host,) = await server.meetings.attendees(info.id)
    await server.rooms.mark_joined(host.id)
    return Meeting(info, client, csrf_from(host_page), host.id, invite.group(1), live_server)


@pytest.fixture
async def online(live_server: LiveServer, server: Server) -> AsyncIterator[Meeting]:
    meeting = await hold_meeting(live_server, server, "online")
    try:
        yield meeting
    finally:
        await meeting.host.aclose()


@pytest.fixture
async def in_room(live_server: LiveServer, server: Server) -> AsyncIterator[Meeting]:
    meeting = await hold_meeting(live_server, server, "in_room")
    try:
        yield meeting
    finally:
        await meeting.host.aclose()


async def join(client: httpx.AsyncClient, meeting: Meeting, name: str) -> httpx.Response:
    """Join by the invite link, as a resident's browser does."""
    form = await client.get(meeting.invite)
    return await client.post(meeting.invite, data={
        "csrf_token": csrf_from(form.text), "name": name, "language": "es",
    })


async def guest(server: Server, meeting: Meeting, name: str) -> tuple[str, str]:
    """A guest let in and arrived: (call link token, participant id)."""
    async with httpx.AsyncClient(base_url=meeting.server.url) as browser:
        joined = await join(browser, meeting, name)
    assert joined.status_code == 303, joined.text
    token = joined.headers["location"].removeprefix("/m/")
    participant = await server.rooms.participant_by_token(token)
    await server.meetings.admit(meeting.info.id, participant.id)
    await server.rooms.mark_joined(participant.id)
    return token, participant.id


# -- consent has one owner ---------------------------------------------------------------------


async def test_a_guest_cannot_answer_for_the_host(server: Server, online: Meeting) -> None:
    assert (await online.host_posts({"agreed": False})).status_code == 200
    token, _ = await guest(server, online, "Rosa")

    forged = await online.guest_posts(token, {"agreed": True, "participant": online.host_id})
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "forbidden"
    assert (await online.answers())["Kasia"] == ("declined", False)
    # Their own answer, with or without their own id, is theirs to give.
    mine = await online.guest_posts(token, {"agreed": True})
    assert mine.status_code == 200 and mine.json()["you"]["consent"] == "agreed"


async def test_only_a_host_records_a_speaker_in_the_room_and_the_record_says_so(
    server: Server, in_room: Meeting
) -> None:
    speaker = await server.consent.label_speaker(in_room.info.room_id, "Mr Okafor")
    token, guest_id = await guest(server, in_room, "Rosa")

    # A guest cannot record anyone's answer, not even a speaker in the room's.
    forged = await in_room.guest_posts(
        token, {"agreed": True, "participant": speaker.participant_id}
    )
    assert forged.status_code == 403
    assert (await in_room.answers())["Mr Okafor"] == (None, False)

    # The host records what the speaker said out loud, and the answer says who did.
    heard = await in_room.host_posts({"agreed": True, "participant": speaker.participant_id})
    assert heard.status_code == 200
    assert (await in_room.answers())["Mr Okafor"] == ("agreed", True)
    # ... but not the answer of someone with a page of their own.
    over = await in_room.host_posts({"agreed": True, "participant": guest_id})
    assert over.status_code == 403
    assert (await in_room.answers())["Rosa"] == (None, False)
    # The host's and the guest's own answers are their own.
    await in_room.host_posts({"agreed": True})
    await in_room.guest_posts(token, {"agreed": True})
    assert await in_room.answers() == {
        "Kasia": ("agreed", False), "Mr Okafor": ("agreed", True), "Rosa": ("agreed", False)
    }


async def test_a_removed_guest_neither_reads_nor_records_answers(
    server: Server, online: Meeting
) -> None:
    await online.host_posts({"agreed": False})
    token, guest_id = await guest(server, online, "Rosa")
    await server.meetings.remove(online.info.id, guest_id)

    read = await online.guest_reads(token)
    assert read.status_code == 403 and read.json()["error"]["code"] == "removed"
    assert "Kasia" not in read.text
    for body in ({"agreed": True}, {"agreed": True, "participant": online.host_id}):
        answered = await online.guest_posts(token, body)
        assert answered.status_code == 403, body
        assert answered.json()["error"]["code"] == "removed"
    assert (await online.answers()) == {"Kasia": ("declined", False)}


# -- an invitation is for the address it was sent to ---------------------------------------------


async def test_an_invitation_makes_an_account_only_for_its_address(
    live_server: LiveServer, server: Server
) -> None:
    coordinator = await live_server.create_account("co@example.org", "coordinator")
    accounts = Accounts(server.db, timedelta(hours=1))
    invite = await accounts.invite("caseworker", coordinator.id, "Ana@Example.org")

    async def sign_up(client: httpx.AsyncClient, email: str) -> httpx.Response:
        form = await client.get(f"/invite/{invite.token}")
        return await client.post(f"/invite/{invite.token}", data={
            "csrf_token": csrf_from(form.text), "email": email, "display_name": "Mallory",
            "password": PASSWORD,
        })

    async with httpx.AsyncClient(base_url=live_server.url) as client:
        wrong = await sign_up(client, "mallory@example.org")
        assert wrong.status_code == 400
        assert "Use the email address this invitation was sent to." in wrong.text
        async with server.db.session() as session:
            made = await session.scalar(select(User).where(User.email == "mallory@example.org"))
        assert made is None
        # The form starts with the address; its case does not matter.
        form = await client.get(f"/invite/{invite.token}")
        assert 'value="ana@example.org"' in form.text
        right = await sign_up(client, "ANA@example.ORG")
        assert right.status_code == 303, right.text


# -- removed means removed -----------------------------------------------------------------------


async def test_a_removed_guests_call_link_says_they_were_removed(
    server: Server, online: Meeting
) -> None:
    token, guest_id = await guest(server, online, "Rosa")
    await server.meetings.remove(online.info.id, guest_id)
    async with httpx.AsyncClient(base_url=online.server.url, follow_redirects=True) as rosa:
        for path in (f"/call/{token}", f"/m/{token}"):
            page = await rosa.get(path)
            assert page.status_code == 403, path
            assert REMOVED in page.text


async def test_a_removed_guest_cannot_come_back_through_the_invite(
    server: Server, online: Meeting
) -> None:
    async with httpx.AsyncClient(base_url=online.server.url) as rosa:
        joined = await join(rosa, online, "Rosa")
        token = joined.headers["location"].removeprefix("/m/")
        participant = await server.rooms.participant_by_token(token)
        await server.meetings.remove(online.info.id, participant.id)
        before = await server.participants(online.info)

        form = await rosa.get(online.invite)
        assert form.status_code == 403 and REMOVED in form.text
        again = await rosa.post(online.invite, data={
            "csrf_token": csrf_from((await rosa.get("/request")).text),
            "name": "Rosa again", "language": "es",
        })
        assert again.status_code == 403 and REMOVED in again.text
        assert await server.participants(online.info) == before

    # Someone else with the invite still joins.
    async with httpx.AsyncClient(base_url=online.server.url) as other:
        assert (await join(other, online, "Lena")).status_code == 303


# -- opening the call page changes nothing ---------------------------------------------------------


async def test_opening_the_call_page_gives_nobody_a_seat(
    live_server: LiveServer, server: Server, online: Meeting
) -> None:
    await live_server.create_account("co@example.org", "coordinator", name="Cleo")
    call = f"/meetings/{online.info.id}/call"
    async with httpx.AsyncClient(base_url=live_server.url) as cleo:
        await sign_in(cleo, "co@example.org")
        before = await server.participants(online.info)
        opened = await cleo.get(call)
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/meetings/{online.info.id}"
        assert await server.participants(online.info) == before

        # The meeting page's button takes a place in the room, by a form.
        host_page = await cleo.get(f"/meetings/{online.info.id}")
        assert f'<form method="post" action="{call}">' in host_page.text
        refused = await cleo.post(call, data={"csrf_token": "wrong"})
        assert refused.status_code == 403
        assert await server.participants(online.info) == before
        seated = await cleo.post(call, data={"csrf_token": csrf_from(host_page.text)})
        assert seated.status_code == 303 and seated.headers["location"] == call
        assert await server.participants(online.info) == before + 1
        assert (await cleo.get(call)).status_code == 200


# -- the host can replace the links --------------------------------------------------------------


async def test_new_links_retire_the_old_invite_and_caption_view(
    server: Server, online: Meeting
) -> None:
    old = server.meetings.links(online.info)
    token, _ = await guest(server, online, "Rosa")
    page = await online.host.get(f"/meetings/{online.info.id}")

    renewed = await online.host.post(
        f"/meetings/{online.info.id}/links", data={"csrf_token": csrf_from(page.text)}
    )
    assert renewed.status_code == 303
    page = await online.host.get(renewed.headers["location"])
    assert "the old invite and caption view links no longer work" in page.text
    new = server.meetings.links(await server.meetings.get(online.info.id))
    assert new.invite_token != old.invite_token and new.view_token != old.view_token
    assert f"/j/{new.invite_token}" in page.text and f"/v/{new.view_token}" in page.text
    assert f"/j/{old.invite_token}" not in page.text

    async with httpx.AsyncClient(base_url=online.server.url) as anyone:
        assert (await anyone.get(f"/j/{old.invite_token}")).status_code == 404
        assert (await anyone.get(f"/v/{old.view_token}")).status_code == 404
        assert (await anyone.get(f"/j/{new.invite_token}")).status_code == 200
        assert (await anyone.get(f"/v/{new.view_token}")).status_code == 200
        # A guest already given their own call link keeps it.
        assert (await anyone.get(f"/m/{token}")).status_code == 200
