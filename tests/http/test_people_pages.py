"""The coordinator's people over HTTP: invitations (role kept, pending list, revoking),
what a spent invite link opens, volunteers' languages and availability, and the CSV
records of volunteering."""

from __future__ import annotations

import csv
import io
from contextlib import aclosing
from datetime import UTC, datetime, timedelta

import httpx

from interp.domain.kinds import ParticipantRole, RoomKind
from interp.domain.tokens import new_id
from interp.store.database import Database
from interp.store.models import Room, RoomParticipant
from tests.helpers.queue import volunteer_socket
from tests.live_server import PASSWORD, LiveServer, csrf_from, sign_in

RESIDENT_PAGE = "Ask for an interpreter"


async def signed_in(
    server: LiveServer, email: str, role: str, *languages: str
) -> httpx.AsyncClient:
    await server.create_account(email, role, languages)
    client = httpx.AsyncClient(base_url=server.url)
    await sign_in(client, email)
    return client


async def post(client: httpx.AsyncClient, path: str, **data: object) -> httpx.Response:
    csrf = csrf_from((await client.get(path)).text)
    return await client.post(path, data={**data, "csrf_token": csrf})


def invite_token(html: str) -> str:
    return html.split("/invite/", 1)[1].split('"', 1)[0]


async def test_invite_keeps_the_role_and_says_whom_the_link_is_for(
    live_server: LiveServer,
) -> None:
    boss = await signed_in(live_server, "boss@example.org", "coordinator")
    async with aclosing(boss):
        made = await post(boss, "/coordinator", action="invite", role="caseworker", email="")
        assert made.status_code == 200
        assert "Invite link for a caseworker" in made.text
        assert '<option value="caseworker" selected>' in made.text
        assert '<option value="volunteer" selected>' not in made.text
        listed = (await boss.get("/coordinator")).text
        assert 'id="pending-invites"' in listed and "Caseworker" in listed


async def test_a_revoked_used_or_expired_invite_opens_the_staff_sign_in(
    live_server: LiveServer,
) -> None:
    boss = await signed_in(live_server, "boss@example.org", "coordinator")
    async with aclosing(boss), httpx.AsyncClient(base_url=live_server.url) as stranger:
        made = await post(boss, "/coordinator", action="invite", role="volunteer", email="")
        token = invite_token(made.text)
        assert (await stranger.get(f"/invite/{token}")).status_code == 200
        pending = await live_server.services.accounts.pending_invites()
        revoked = await post(boss, "/coordinator", action="revoke_invite", invite=pending[0].id)
        assert revoked.status_code == 303
        listed = (await boss.get(revoked.headers["location"])).text
        assert "no longer works" in listed and 'id="pending-invites"' not in listed
        page = await stranger.get(f"/invite/{token}")
        assert page.status_code == 410
        assert "withdrawn" in page.text and 'action="/login"' in page.text
        assert RESIDENT_PAGE not in page.text
        # Revoking again is refused with a clear error, and nothing else changes.
        again = await post(boss, "/coordinator", action="revoke_invite", invite=pending[0].id)
        assert again.status_code == 400 and "already used, revoked" in again.text

        used = invite_token(
            (await post(boss, "/coordinator", action="invite", role="volunteer", email="")).text
        )
        csrf = csrf_from((await stranger.get(f"/invite/{used}")).text)
        await stranger.post(
            f"/invite/{used}",
            data={
                "email": "new@example.org",
                "display_name": "New",
                "password": PASSWORD,
                "csrf_token": csrf,
            },
        )
    async with httpx.AsyncClient(base_url=live_server.url) as later:
        page = await later.get(f"/invite/{used}")
        assert page.status_code == 410
        assert "This invite link has already been used. If you have an account, sign in." in (
            page.text
        )
        assert RESIDENT_PAGE not in page.text
        unknown = await later.get("/invite/not-a-token")
        assert unknown.status_code == 404


async def test_expired_invite_opens_the_staff_sign_in(live_server: LiveServer) -> None:
    boss = await live_server.create_account("boss@example.org", "coordinator")
    accounts = live_server.services.accounts
    accounts.invite_ttl = timedelta(seconds=-1)
    invite = await accounts.invite("caseworker", boss.id)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        page = await client.get(f"/invite/{invite.token}")
    assert page.status_code == 410 and "has expired" in page.text
    assert RESIDENT_PAGE not in page.text


async def test_coordinator_sees_language_names_and_availability(live_server: LiveServer) -> None:
    socket, volunteer = await volunteer_socket(live_server, "v@example.org", ("es",))
    boss = await signed_in(live_server, "boss@example.org", "coordinator")
    async with aclosing(boss), aclosing(volunteer):
        people = (await boss.get("/coordinator")).text
        row = people.split("v@example.org", 1)[1].split("</tr>", 1)[0]
        assert "Spanish" in row and ">es<" not in row
        assert "Volunteer interpreter" in row and "Available" in row
        in_arabic = (await boss.get("/coordinator?lang=ar")).text
        assert "الإسبانية" in in_arabic.split("v@example.org", 1)[1].split("</tr>", 1)[0]
    await socket.close()


async def test_account_offers_only_the_organisations_languages(live_server: LiveServer) -> None:
    volunteer = await signed_in(live_server, "v@example.org", "volunteer", "es")
    async with aclosing(volunteer):
        refused = await post(volunteer, "/account", action="languages", languages=["es", "tlh"])
        assert refused.status_code == 400
        offered = {
            lang.code for lang in await live_server.services.organisation.offered_languages()
        }
        not_offered = next(c for c in ("cy", "gd", "eu", "is") if c not in offered)
        refused = await post(
            volunteer, "/account", action="languages", languages=["es", not_offered]
        )
        assert refused.status_code == 400 and "languages the organisation offers" in refused.text
        account = await live_server.services.accounts.by_email("v@example.org")
        assert account is not None and account.languages == ("es",)
        page = (await volunteer.get("/account")).text
        assert f'value="{not_offered}"' not in page


async def test_going_available_without_a_language_is_refused_on_the_socket(
    live_server: LiveServer,
) -> None:
    socket, client = await volunteer_socket(live_server, "v@example.org", (), available=False)
    try:
        await socket.send({"type": "availability", "available": True})
        refused = await socket.expect("error", code="no_languages")
        assert "at least one language" in refused["message"]
        account = await live_server.services.accounts.by_email("v@example.org")
        assert account is not None and not account.available
        page = (await client.get("/volunteer")).text
        assert 'id="availability-refused"' in page and 'href="/account#languages-heading"' in page
    finally:
        await socket.close()
        await client.aclose()


async def _finished_call(server: LiveServer, email: str, minutes: int) -> None:
    account = await server.services.accounts.by_email(email)
    assert account is not None
    joined = datetime.now(UTC) - timedelta(days=3)
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            room_id = new_id()
            session.add(
                Room(
                    id=room_id,
                    media="audio",
                    kind=RoomKind.CALL,
                    created_at=joined,
                    started_at=joined,
                    closed_at=joined + timedelta(minutes=minutes),
                )
            )
            await session.flush()
            session.add(
                RoomParticipant(
                    id=new_id(),
                    room_id=room_id,
                    role=ParticipantRole.INTERPRETER,
                    display_name="V",
                    language_code="es",
                    user_id=account.id,
                    joined_at=joined,
                    left_at=joined + timedelta(minutes=minutes),
                )
            )
    finally:
        await db.close()


async def test_volunteer_and_coordinator_download_hours_as_csv(live_server: LiveServer) -> None:
    volunteer = await signed_in(live_server, "v@example.org", "volunteer", "es")
    await live_server.create_account("w@example.org", "volunteer", ("es",), name="=cmd")
    await _finished_call(live_server, "v@example.org", 90)
    boss = await signed_in(live_server, "boss@example.org", "coordinator")
    async with aclosing(volunteer), aclosing(boss):
        history = await volunteer.get("/volunteer/history")
        assert history.status_code == 200 and "Spanish" in history.text
        assert "90 minutes" in history.text
        summary = await volunteer.get("/volunteer/history/summary")
        assert summary.status_code == 200 and "Record of volunteering" in summary.text
        mine = await volunteer.get("/volunteer/history.csv")
        assert mine.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(mine.text)))
        assert ["name", "v"] in rows and ["total_hours", "1.50"] in rows
        assert ["es", "1"] in rows
        bad = await volunteer.get("/volunteer/history.csv?from=2026-05-01&to=2026-01-01")
        assert bad.status_code == 400 and "two dates" in bad.text
        assert (await volunteer.get("/coordinator/hours.csv")).status_code == 403

        hours = await boss.get("/coordinator/hours.csv")
        table = list(csv.DictReader(io.StringIO(hours.text)))
        by_name = {row["name"]: row for row in table}
        assert by_name["v"]["hours"] == "1.50" and by_name["v"]["calls"] == "1"
        assert "'=cmd" in by_name  # a name a spreadsheet would run as a formula
        old = await boss.get("/coordinator/hours.csv?from=2020-01-01&to=2020-03-31")
        assert {r["name"]: r["calls"] for r in csv.DictReader(io.StringIO(old.text))}["v"] == "0"
        assert (await boss.get("/coordinator/hours.csv?from=x&to=y")).status_code == 400
