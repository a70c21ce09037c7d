"""Feedback after a call and safeguarding reports, over real HTTP and WebSockets against a
running server: the resident's call link answers (once, replaced by a second answer),
bad input changes nothing, and safeguarding reports reach coordinators, at once, and
nobody else."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from interp.realtime.close_codes import CloseCode
from interp.store.database import Database
from interp.store.models import AuditEntry, CallFeedback, SafeguardingReport
from tests.helpers.calls import join, matched_room
from tests.helpers.sockets import closed_with
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in

CONCERN = "The resident said someone at home hurts them."


@dataclass
class Call:
    token: str
    room_id: str
    resident: httpx.AsyncClient
    volunteer: httpx.AsyncClient


@pytest.fixture
async def call(live_server: LiveServer) -> AsyncIterator[Call]:
    """A call both sides have joined (it has started), left open."""
    made, room_id, volunteer = await matched_room(live_server)
    resident = httpx.AsyncClient(base_url=live_server.url)
    sockets = [
        await join(live_server, {"token": made["token"]}),
        await join(live_server, {"room": room_id}, volunteer),
    ]
    try:
        yield Call(made["token"], room_id, resident, volunteer)
    finally:
        for socket in sockets:
            await socket.close()
        await resident.aclose()
        await volunteer.aclose()


async def stored(server: LiveServer) -> tuple[list[CallFeedback], list[SafeguardingReport]]:
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            answers = list(await session.scalars(select(CallFeedback)))
            reports = list(await session.scalars(select(SafeguardingReport)))
    finally:
        await db.close()
    return answers, reports


async def answer(
    client: httpx.AsyncClient, token: str, **fields: str
) -> httpx.Response:
    csrf = csrf_from((await client.get(f"/call/{token}/feedback")).text)
    return await client.post(f"/call/{token}/feedback", data={"csrf_token": csrf, **fields})


async def test_the_resident_answers_with_their_call_link(
    live_server: LiveServer, call: Call
) -> None:
    form = await call.resident.get(f"/call/{call.token}/feedback")
    assert form.status_code == 200 and "Did you understand each other?" in form.text
    # The call page carries the same form, shown when the call ends.
    page = await call.resident.get(f"/call/{call.token}")
    assert f'action="/call/{call.token}/feedback"' in page.text

    sent = await answer(call.resident, call.token, understood="no", comment="Bad line")
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/call/{call.token}/feedback#thanks"
    thanks = await call.resident.get(f"/call/{call.token}/feedback")
    assert "Thank you for your answer." in thanks.text and "Bad line" in thanks.text

    # One answer per call: a second replaces the first.
    await answer(call.resident, call.token, understood="yes", comment="")
    answers, _ = await stored(live_server)
    assert [(a.author_role, a.understood, a.comment, a.language_code) for a in answers] == [
        ("resident", True, "", "es")
    ]
    # A script may ask for JSON.
    csrf = csrf_from(thanks.text)
    as_json = await call.resident.post(
        f"/call/{call.token}/feedback",
        data={"csrf_token": csrf, "understood": "no"},
        headers={"accept": "application/json"},
    )
    assert as_json.json() == {"understood": False, "comment": ""}


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"understood": "maybe"}, 400),
        ({}, 400),
        ({"understood": "yes", "comment": "x" * 501}, 400),
        ({"understood": "yes", "comment": "nul\x00"}, 400),
        ({"understood": "yes", "csrf_token": "forged"}, 403),
    ],
)
async def test_bad_answers_are_refused_and_nothing_is_stored(
    live_server: LiveServer, call: Call, fields: dict[str, str], status: int
) -> None:
    csrf = csrf_from((await call.resident.get(f"/call/{call.token}/feedback")).text)
    refused = await call.resident.post(
        f"/call/{call.token}/feedback", data={"csrf_token": csrf, **fields}
    )
    assert refused.status_code == status
    if status == 400:
        assert 'role="alert"' in refused.text
    assert await stored(live_server) == ([], [])


async def test_a_wrong_token_is_refused(live_server: LiveServer, call: Call) -> None:
    stranger = secrets.token_urlsafe(32)
    assert (await call.resident.get(f"/call/{stranger}/feedback")).status_code == 404
    csrf = csrf_from((await call.resident.get(f"/call/{call.token}/feedback")).text)
    refused = await call.resident.post(
        f"/call/{stranger}/feedback", data={"csrf_token": csrf, "understood": "yes"}
    )
    assert refused.status_code == 404
    assert await stored(live_server) == ([], [])


async def test_no_feedback_before_the_call_starts(live_server: LiveServer) -> None:
    made, room_id, volunteer = await matched_room(live_server)
    async with httpx.AsyncClient(base_url=live_server.url) as resident:
        assert (await resident.get(f"/call/{made['token']}/feedback")).status_code == 409
    page = await volunteer.get(f"/calls/{room_id}/feedback")
    assert "once the call has started" in page.text and 'name="quality"' not in page.text
    await volunteer.aclose()


async def test_the_interpreter_says_how_the_call_went(live_server: LiveServer, call: Call) -> None:
    dashboard = await call.volunteer.get("/volunteer")
    assert f"/calls/{call.room_id}/feedback" in dashboard.text
    assert f"/calls/{call.room_id}/safeguarding" in dashboard.text
    form = await call.volunteer.get(f"/calls/{call.room_id}/feedback")
    csrf = csrf_from(form.text)
    refused = await call.volunteer.post(
        f"/calls/{call.room_id}/feedback",
        data={"csrf_token": csrf, "quality": "good", "note": "y" * 1001},
    )
    assert refused.status_code == 400
    assert await stored(live_server) == ([], [])
    sent = await call.volunteer.post(
        f"/calls/{call.room_id}/feedback",
        data={"csrf_token": csrf, "quality": "some_problems", "note": "Echo"},
    )
    assert sent.status_code == 303
    answers, _ = await stored(live_server)
    assert [(a.author_role, a.quality, a.comment) for a in answers] == [
        ("interpreter", "some_problems", "Echo")
    ]
    # Another volunteer's call is not theirs to answer on.
    await live_server.create_account("w@example.org", "volunteer", ("es",))
    async with httpx.AsyncClient(base_url=live_server.url) as other:
        await sign_in(other, "w@example.org")
        assert (await other.get(f"/calls/{call.room_id}/feedback")).status_code == 404
        assert (await other.get(f"/calls/{call.room_id}/safeguarding")).status_code == 404


async def signed_in(server: LiveServer, email: str, role: str) -> httpx.AsyncClient:
    await server.create_account(email, role, ("es",) if role == "volunteer" else ())
    client = httpx.AsyncClient(base_url=server.url)
    await sign_in(client, email)
    return client


async def report(call: Call, text: str = CONCERN) -> httpx.Response:
    form = await call.volunteer.get(f"/calls/{call.room_id}/safeguarding")
    return await call.volunteer.post(
        f"/calls/{call.room_id}/safeguarding",
        data={"csrf_token": csrf_from(form.text), "concern": text},
    )


async def test_a_safeguarding_report_is_read_by_coordinators_and_nobody_else(
    live_server: LiveServer, call: Call
) -> None:
    assert (await report(call, "")).status_code == 400
    assert (await report(call, "z" * 4001)).status_code == 400
    assert await stored(live_server) == ([], [])
    sent = await report(call)
    assert sent.status_code == 303
    confirmed = await call.volunteer.get(sent.headers["location"])
    assert "reached the coordinator" in confirmed.text and CONCERN not in confirmed.text

    coordinator = await signed_in(live_server, "c@example.org", "coordinator")
    caseworker = await signed_in(live_server, "k@example.org", "caseworker")
    other_volunteer = await signed_in(live_server, "o@example.org", "volunteer")
    anonymous = httpx.AsyncClient(base_url=live_server.url)
    try:
        page = await coordinator.get("/coordinator/feedback")
        assert page.status_code == 200 and CONCERN in page.text
        assert "Not seen yet" in page.text
        # The count in the staff navigation, on any coordinator page.
        assert "Unseen safeguarding reports: 1" in (await coordinator.get("/coordinator")).text

        for client, expected in (
            (call.volunteer, 403),
            (other_volunteer, 403),
            (caseworker, 403),
            (anonymous, 303),
            (call.resident, 303),
        ):
            refused = await client.get("/coordinator/feedback")
            assert refused.status_code == expected
            assert CONCERN not in refused.text
        # Nor do the pages each of them can open show it.
        for client, path in (
            (call.volunteer, "/volunteer"),
            (call.volunteer, f"/calls/{call.room_id}/feedback"),
            (call.volunteer, f"/calls/{call.room_id}/safeguarding"),
            (caseworker, "/caseworker"),
            (call.resident, f"/call/{call.token}/feedback"),
            (call.resident, f"/call/{call.token}"),
        ):
            shown = await client.get(path)
            assert shown.status_code == 200, path
            assert CONCERN not in shown.text, path
            assert "Unseen safeguarding reports" not in shown.text, path
    finally:
        for client in (coordinator, caseworker, other_volunteer, anonymous):
            await client.aclose()


async def test_the_coordinator_marks_a_report_as_seen(live_server: LiveServer, call: Call) -> None:
    await report(call)
    _, (kept,) = await stored(live_server)
    coordinator = await signed_in(live_server, "c@example.org", "coordinator")
    try:
        csrf = csrf_from((await coordinator.get("/coordinator/feedback")).text)
        unknown = await coordinator.post(
            "/coordinator/feedback",
            data={"csrf_token": csrf, "action": "seen", "report": "0" * 32},
        )
        assert unknown.status_code == 400 and 'role="alert"' in unknown.text
        assert (await stored(live_server))[1][0].seen_at is None
        seen = await coordinator.post(
            "/coordinator/feedback",
            data={"csrf_token": csrf, "action": "seen", "report": kept.id},
        )
        assert seen.status_code == 303
        page = await coordinator.get("/coordinator/feedback")
        assert "Seen by c on" in page.text and "Not seen yet" not in page.text
    finally:
        await coordinator.aclose()
    (after,) = (await stored(live_server))[1]
    assert after.seen_at is not None
    db = Database(live_server.settings.effective_database_url)
    try:
        async with db.session() as session:
            audit = list(await session.scalars(
                select(AuditEntry.detail).where(AuditEntry.event == "safeguarding.seen")
            ))
            count = await session.scalar(select(func.count()).select_from(AuditEntry))
    finally:
        await db.close()
    assert len(audit) == 1 and kept.id in audit[0] and "by c (" in audit[0]
    assert count == 1


async def test_an_open_coordinator_page_hears_of_a_new_report_at_once(
    live_server: LiveServer, call: Call
) -> None:
    coordinator = await signed_in(live_server, "c@example.org", "coordinator")
    watching = await JsonSocket.open(live_server, "/ws/coordinator", coordinator)
    try:
        await watching.expect("safeguarding", unseen=0)
        assert (await report(call)).status_code == 303
        news = await watching.expect("safeguarding", unseen=1)
        _, (kept,) = await stored(live_server)
        assert news["report"] == kept.id
        # A volunteer's socket is closed at the door.
        refused = await JsonSocket.open(live_server, "/ws/coordinator", call.volunteer)
        assert await closed_with(refused) == CloseCode.UNAUTHORISED
        assert refused.seen == []
    finally:
        await watching.close()
        await coordinator.aclose()
