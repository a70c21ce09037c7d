"""An open socket keeps only the rights its account has now: a deactivated volunteer's
dashboard closes and accepts nothing, a language the volunteer gave up brings no requests,
a deactivated interpreter's call socket closes, and nobody holds two calls at once."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from interp.domain.accounts import Accounts
from interp.domain.errors import NotAllowed
from interp.domain.organisation import Organisation
from interp.domain.requests import Match, RequestQueue, StillInCall
from interp.realtime.close_codes import CloseCode
from interp.store.database import Database
from tests.helpers.queue import new_request, request_status, volunteer_socket
from tests.helpers.sockets import closed_with
from tests.live_server import PASSWORD, JsonSocket, LiveServer, csrf_from, sign_in


async def coordinator(server: LiveServer) -> httpx.AsyncClient:
    await server.create_account("boss@example.org", "coordinator")
    client = httpx.AsyncClient(base_url=server.url)
    await sign_in(client, "boss@example.org")
    return client


async def deactivate(client: httpx.AsyncClient, user_id: str) -> None:
    csrf = csrf_from((await client.get("/coordinator")).text)
    done = await client.post(
        "/coordinator", data={"action": "deactivate", "user": user_id, "csrf_token": csrf}
    )
    assert done.status_code in (200, 303), done.text


async def keep_languages(client: httpx.AsyncClient, languages: list[str]) -> None:
    csrf = csrf_from((await client.get("/account")).text)
    done = await client.post(
        "/account", data={"action": "languages", "languages": languages, "csrf_token": csrf}
    )
    assert done.status_code == 200, done.text


async def change_in_database(server: LiveServer, email: str, **change: object) -> None:
    """Change an account the way ``interp users`` does: in the database, with no event
    for the running server, so only the server's own re-checks can notice."""
    db = Database(server.settings.effective_database_url)
    try:
        accounts = Accounts(db, timedelta(hours=1))
        account = await accounts.by_email(email)
        assert account is not None
        if "active" in change:
            await accounts.set_active(account.id, bool(change["active"]))
        if "languages" in change:
            languages = change["languages"]
            assert isinstance(languages, list)
            await accounts.set_languages(account.id, languages)
    finally:
        await db.close()


async def account_id(server: LiveServer, email: str) -> str:
    account = await server.services.accounts.by_email(email)
    assert account is not None
    return account.id


async def test_deactivated_volunteer_socket_closes(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org")
    boss = await coordinator(live_server)
    try:
        await deactivate(boss, await account_id(live_server, "v@example.org"))
        assert await closed_with(volunteer) == CloseCode.UNAUTHORISED
    finally:
        await volunteer.close()
        await client.aclose()
        await boss.aclose()


async def test_volunteer_deactivated_without_notice_is_told_nothing_and_accepts_nothing(
    live_server: LiveServer,
) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org")
    try:
        await change_in_database(live_server, "v@example.org", active=False)
        made = await new_request(live_server)
        request_id = made["request"]["id"]
        with contextlib.suppress(ConnectionClosed):  # it may have closed already
            await volunteer.send({"type": "accept", "request": request_id})
        assert await closed_with(volunteer) == CloseCode.UNAUTHORISED
        assert not any(m["type"] in ("request.new", "accepted") for m in volunteer.seen)
        assert await request_status(live_server, request_id) == "open"
    finally:
        await volunteer.close()
        await client.aclose()


async def test_removed_language_brings_no_requests_and_cannot_be_accepted(
    live_server: LiveServer,
) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org", ("ar", "es"))
    try:
        await keep_languages(client, ["es"])
        await volunteer.expect("queue")  # the dashboard starts again from its languages
        arabic = await new_request(live_server, "ar")
        spanish = await new_request(live_server, "es")
        shown = await volunteer.expect("request.new")
        assert shown["request"]["id"] == spanish["request"]["id"]
        assert arabic["request"]["id"] not in str(volunteer.seen)
        await volunteer.send({"type": "accept", "request": arabic["request"]["id"]})
        refused = await volunteer.expect("error")
        assert refused["code"] == "forbidden"
        assert await request_status(live_server, arabic["request"]["id"]) == "open"
    finally:
        await volunteer.close()
        await client.aclose()


async def test_language_removed_without_notice_brings_no_requests(
    live_server: LiveServer,
) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org", ("ar", "es"))
    try:
        await change_in_database(live_server, "v@example.org", languages=["es"])
        arabic = await new_request(live_server, "ar")
        spanish = await new_request(live_server, "es")
        shown = await volunteer.expect("request.new")
        assert shown["request"]["id"] == spanish["request"]["id"]
        assert arabic["request"]["id"] not in str(volunteer.seen)
        await volunteer.send({"type": "accept", "request": arabic["request"]["id"]})
        assert (await volunteer.expect("error"))["code"] == "forbidden"
        assert await request_status(live_server, arabic["request"]["id"]) == "open"
    finally:
        await volunteer.close()
        await client.aclose()


async def test_deactivated_interpreter_call_socket_closes(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org")
    boss = await coordinator(live_server)
    try:
        made = await new_request(live_server)
        await volunteer.send({"type": "accept", "request": made["request"]["id"]})
        room = (await volunteer.expect("accepted"))["room"]
        call = await JsonSocket.open(live_server, "/ws/room", client)
        await call.send({"type": "hello", "room": room, "session": "interpreter"})
        await call.expect("joined")
        await deactivate(boss, await account_id(live_server, "v@example.org"))
        assert await closed_with(call) == CloseCode.UNAUTHORISED
    finally:
        await volunteer.close()
        await client.aclose()
        await boss.aclose()


async def test_second_accept_while_holding_a_call_is_refused(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org")
    try:
        first = await new_request(live_server)
        second = await new_request(live_server)
        await volunteer.send({"type": "accept", "request": first["request"]["id"]})
        await volunteer.expect("accepted")
        await volunteer.send({"type": "accept", "request": second["request"]["id"]})
        refused = await volunteer.expect("error")
        assert refused["code"] == "conflict"
        assert refused["message"] == "Finish your current call first."
        assert await request_status(live_server, second["request"]["id"]) == "open"
    finally:
        await volunteer.close()
        await client.aclose()


async def test_concurrent_accepts_by_one_volunteer_win_one_call(live_server: LiveServer) -> None:
    volunteer, client = await volunteer_socket(live_server, "v@example.org")
    try:
        made = [await new_request(live_server) for _ in range(4)]
        csrf = csrf_from((await client.get("/volunteer")).text)
        answers = await asyncio.gather(
            *(
                client.post(
                    f"/api/requests/{m['request']['id']}/accept", headers={"x-csrf-token": csrf}
                )
                for m in made
            )
        )
        assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
        statuses = [await request_status(live_server, m["request"]["id"]) for m in made]
        assert sorted(statuses) == ["matched", "open", "open", "open"]
    finally:
        await volunteer.close()
        await client.aclose()


async def test_accept_reads_the_account_and_allows_one_call_on_each_database(
    database: Database,
) -> None:
    organisation = Organisation(database)
    await organisation.set_offered_languages(["es", "ar"])
    accounts = Accounts(database, timedelta(hours=1))
    queue = RequestQueue(database, organisation, timedelta(hours=1), timedelta(0))
    # Read once, as a socket reads it when it opens; the rows change after.
    stale = await accounts.create("v@example.org", "Vera", "volunteer", PASSWORD, ["es", "ar"])
    arabic = await queue.create("ar", "audio")
    await accounts.set_languages(stale.id, ["es"])
    with pytest.raises(NotAllowed):
        await queue.accept(arabic.request.id, stale)

    made = [await queue.create("es", "video") for _ in range(6)]
    results = await asyncio.gather(
        *(queue.accept(m.request.id, stale) for m in made), return_exceptions=True
    )
    assert sum(isinstance(r, Match) for r in results) == 1, results
    refused = [r for r in results if not isinstance(r, Match)]
    assert all(isinstance(r, StillInCall) for r in refused), refused
    assert {str(r) for r in refused} == {"Finish your current call first."}

    await accounts.set_active(stale.id, False)
    with pytest.raises(NotAllowed):
        await queue.accept(made[0].request.id, stale)
