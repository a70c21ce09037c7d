"""Notifications over real HTTP against a running server: the coordinator's switch, a
volunteer subscribing a device (checked, CSRF-protected, stored only when right) and
their email and weekly hours, and a resident's request reaching the subscribed
volunteer's push service (one the test runs on 127.0.0.1) encrypted to their device."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from interp.domain.accounts import Accounts
from interp.store.database import Database
from interp.store.models import NotificationPreference, PushSubscription
from tests.live_server import LiveServer, csrf_from, sign_in
from tests.notify.browser_keys import BrowserKeys
from tests.notify.receiver import Delivery, PushReceiver, push_receiver

PUSH = "/account/notifications/push"


@pytest.fixture
def receiver() -> Iterator[PushReceiver]:
    with push_receiver() as running:
        yield running


async def signed_in(
    server: LiveServer, email: str, role: str, languages: tuple[str, ...] = ()
) -> httpx.AsyncClient:
    await server.create_account(email, role, languages)
    client = httpx.AsyncClient(base_url=server.url)
    await sign_in(client, email)
    return client


@pytest.fixture
async def coordinator(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    client = await signed_in(live_server, "coordinator@example.org", "coordinator")
    yield client
    await client.aclose()


@pytest.fixture
async def volunteer(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    client = await signed_in(live_server, "maria@example.org", "volunteer", ("es",))
    db = Database(live_server.settings.effective_database_url)
    try:
        accounts = Accounts(db, timedelta(hours=1))
        maria = await accounts.by_email("maria@example.org")
        assert maria is not None
        await accounts.set_available(maria.id, True)
    finally:
        await db.close()
    yield client
    await client.aclose()


async def switch_push(client: httpx.AsyncClient, choice: str) -> httpx.Response:
    csrf = csrf_from((await client.get("/coordinator")).text)
    return await client.post(
        "/coordinator/notifications", data={"csrf_token": csrf, "web_push": choice}
    )


async def page_csrf(client: httpx.AsyncClient) -> str:
    return csrf_from((await client.get("/account/notifications")).text)


async def subscriptions(server: LiveServer) -> list[PushSubscription]:
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            return list(await session.scalars(select(PushSubscription)))
    finally:
        await db.close()


async def preferences(server: LiveServer) -> list[NotificationPreference]:
    db = Database(server.settings.effective_database_url)
    try:
        async with db.session() as session:
            return list(await session.scalars(select(NotificationPreference)))
    finally:
        await db.close()


async def arrived(receiver: PushReceiver, name: str) -> Delivery:
    """The first message to ``name``'s endpoint, once the server's background send is done."""
    for _ in range(400):
        if deliveries := receiver.to(name):
            return deliveries[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no push message arrived")


async def test_the_coordinator_turns_push_on_and_off(
    live_server: LiveServer, coordinator: httpx.AsyncClient
) -> None:
    page = await coordinator.get("/coordinator")
    assert "push service" in page.text
    assert 'value="off" checked' in page.text

    answer = await switch_push(coordinator, "on")
    assert answer.status_code == 303
    assert 'value="on" checked' in (await coordinator.get("/coordinator")).text

    await switch_push(coordinator, "off")
    assert 'value="off" checked' in (await coordinator.get("/coordinator")).text


async def test_the_switch_refuses_a_wrong_choice_or_a_missing_csrf_token(
    coordinator: httpx.AsyncClient,
) -> None:
    refused = await switch_push(coordinator, "sometimes")
    assert "push_error=choice" in refused.headers["location"]
    page = await coordinator.get(refused.headers["location"])
    assert "Choose whether to turn notifications on devices on or off." in page.text
    forged = await coordinator.post("/coordinator/notifications", data={"web_push": "on"})
    assert "push_error=expired" in forged.headers["location"]
    assert 'value="off" checked' in (await coordinator.get("/coordinator")).text


async def test_a_volunteer_sees_the_device_switch_only_once_push_is_on(
    coordinator: httpx.AsyncClient, volunteer: httpx.AsyncClient
) -> None:
    page = (await volunteer.get("/account/notifications")).text
    assert "turned off by the coordinator" in page
    assert 'id="device-on"' not in page

    await switch_push(coordinator, "on")
    page = (await volunteer.get("/account/notifications")).text
    assert 'id="device-on"' in page
    assert 'data-vapid-key="B' in page  # an uncompressed P-256 point starts with 0x04


async def test_subscribing_is_refused_while_push_is_off(
    live_server: LiveServer, volunteer: httpx.AsyncClient, receiver: PushReceiver
) -> None:
    csrf = await page_csrf(volunteer)
    body = BrowserKeys().subscription(receiver.endpoint("maria"))
    answer = await volunteer.post(PUSH, json=body, headers={"x-csrf-token": csrf})
    assert answer.status_code == 409
    assert await subscriptions(live_server) == []


@pytest.mark.parametrize(
    "change",
    [
        {"endpoint": "http://push.example.com/sub"},  # not https
        {"endpoint": "https://10.0.0.5/sub"},  # the server's own network
        {"endpoint": "https://192.168.1.10/sub"},
        {"endpoint": "https://printer/sub"},  # a bare name of the local network
        {"endpoint": "not a url"},
        {"endpoint": 42},
        {"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},  # not a P-256 point
        {"keys": {"p256dh": None, "auth": None}},
        {"keys": "none"},
    ],
)
async def test_a_subscription_the_server_cannot_use_is_refused_and_nothing_stored(
    live_server: LiveServer,
    coordinator: httpx.AsyncClient,
    volunteer: httpx.AsyncClient,
    receiver: PushReceiver,
    change: dict[str, object],
) -> None:
    await switch_push(coordinator, "on")
    csrf = await page_csrf(volunteer)
    body = {**BrowserKeys().subscription(receiver.endpoint("maria")), **change}
    answer = await volunteer.post(
        PUSH, json=body, headers={"x-csrf-token": csrf, "accept": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "This browser sent a push subscription the server cannot use."
    )
    assert await subscriptions(live_server) == []


async def test_subscribing_needs_the_csrf_token(
    live_server: LiveServer,
    coordinator: httpx.AsyncClient,
    volunteer: httpx.AsyncClient,
    receiver: PushReceiver,
) -> None:
    await switch_push(coordinator, "on")
    body = BrowserKeys().subscription(receiver.endpoint("maria"))
    answer = await volunteer.post(PUSH, json=body, headers={"x-csrf-token": "forged"})
    assert answer.status_code == 403
    assert await subscriptions(live_server) == []


async def test_a_resident_request_reaches_the_subscribed_volunteer_encrypted(
    live_server: LiveServer,
    coordinator: httpx.AsyncClient,
    volunteer: httpx.AsyncClient,
    receiver: PushReceiver,
) -> None:
    await switch_push(coordinator, "on")
    keys = BrowserKeys()
    csrf = await page_csrf(volunteer)
    subscribed = await volunteer.post(
        PUSH, json=keys.subscription(receiver.endpoint("maria")), headers={"x-csrf-token": csrf}
    )
    assert subscribed.status_code == 201

    async with httpx.AsyncClient(base_url=live_server.url) as resident:
        made = await resident.post(
            "/api/requests", json={"language": "es", "media": "audio", "note": "Flat 3, Mr Smith"}
        )
    assert made.status_code == 201

    delivery = await arrived(receiver, "maria")
    message = keys.read(delivery.body)
    assert message == {"kind": "request", "language": "es", "url": "/volunteer"}
    assert b"Smith" not in delivery.body

    # Stopping on this device: gone from the server, and a second stop finds nothing.
    endpoint = {"endpoint": receiver.endpoint("maria")}
    stopped = await volunteer.request("DELETE", PUSH, json=endpoint, headers={"x-csrf-token": csrf})
    assert stopped.status_code == 200
    assert await subscriptions(live_server) == []
    again = await volunteer.request(
        "DELETE", PUSH, json=endpoint, headers={"x-csrf-token": csrf, "accept": "application/json"}
    )
    assert again.status_code == 404


async def test_a_push_service_that_fails_does_not_stop_requests(
    live_server: LiveServer,
    coordinator: httpx.AsyncClient,
    volunteer: httpx.AsyncClient,
    receiver: PushReceiver,
) -> None:
    await switch_push(coordinator, "on")
    receiver.status_by_path["/push/maria"] = 500
    csrf = await page_csrf(volunteer)
    await volunteer.post(
        PUSH,
        json=BrowserKeys().subscription(receiver.endpoint("maria")),
        headers={"x-csrf-token": csrf},
    )
    async with httpx.AsyncClient(base_url=live_server.url) as resident:
        made = await resident.post("/api/requests", json={"language": "es", "media": "audio"})
    assert made.status_code == 201
    await arrived(receiver, "maria")
    assert len(await subscriptions(live_server)) == 1  # a passing fault: kept


async def test_a_volunteer_saves_email_and_weekly_hours(
    live_server: LiveServer, volunteer: httpx.AsyncClient
) -> None:
    csrf = await page_csrf(volunteer)
    form = {"csrf_token": csrf, "time_zone": "Europe/Madrid", "start0": "09:00", "end0": "17:00"}
    answer = await volunteer.post("/account/notifications", data=form)
    assert answer.status_code == 303
    [saved] = await preferences(live_server)
    assert saved.time_zone == "Europe/Madrid"
    assert saved.weekly_hours == '{"0": ["09:00", "17:00"]}'
    page = (await volunteer.get("/account/notifications")).text
    assert 'value="09:00"' in page and 'value="17:00"' in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start1": "17:00", "end1": "09:00"}, "On each day, the start must be before the end."),
        ({"start1": "09:00"}, "Give both a start and an end for a day, or leave both empty."),
        ({"start1": "9 o'clock", "end1": "17:00"}, "Write times as hours and minutes, like 09:00."),
        ({"start1": "25:00", "end1": "26:00"}, "Write times as hours and minutes, like 09:00."),
        ({"time_zone": "Mars/Olympus"}, "Choose a time zone from the list, like Europe/London."),
    ],
)
async def test_wrong_hours_are_refused_clearly_and_nothing_is_saved(
    live_server: LiveServer, volunteer: httpx.AsyncClient, change: dict[str, str], message: str
) -> None:
    csrf = await page_csrf(volunteer)
    form = {"csrf_token": csrf, "time_zone": "Europe/Madrid", **change}
    answer = await volunteer.post("/account/notifications", data=form)
    assert answer.status_code == 400
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert await preferences(live_server) == []


async def test_the_manifest_and_service_worker_are_served(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        manifest = await client.get("/manifest.webmanifest")
        worker = await client.get("/sw.js")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["start_url"] == "/volunteer"
    assert manifest.json()["display"] == "standalone"
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["content-type"].startswith("text/javascript")
    assert 'addEventListener("push"' in worker.text
