"""Web Push to a push service the test runs on 127.0.0.1: what arrives is encrypted to
the volunteer's browser keys and signed with the server's VAPID key, and only the
volunteers who should hear of a request do."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from py_vapid import Vapid02
from sqlalchemy import select

from interp.config import Settings
from interp.domain.accounts import Account, Accounts
from interp.domain.bookings import Bookings, RecordedNotices
from interp.domain.errors import InvalidInput
from interp.domain.organisation import Organisation
from interp.domain.resident_links import ResidentLinks
from interp.notify import Notifier
from interp.notify.bookings import BookingNotices
from interp.notify.preferences import Preferences
from interp.notify.schedule import checked_hours
from interp.notify.subscriptions import checked_subscription
from interp.store.database import Database
from interp.store.models import ResidentLink
from tests.notify.browser_keys import BrowserKeys
from tests.notify.receiver import PushReceiver, push_receiver

PASSWORD = "correct horse battery"
# A Wednesday, 10:00 in London (BST): inside office hours.
WEDNESDAY_MORNING = datetime(2026, 7, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[PushReceiver]:
    with push_receiver() as running:
        yield running


@pytest.fixture
async def accounts(database: Database) -> Accounts:
    await Organisation(database).set_offered_languages(["es", "ar"])
    return Accounts(database, invite_ttl=timedelta(hours=1))


@pytest.fixture
async def notifier(database: Database, tmp_path: Path) -> Notifier:
    settings = Settings(data_dir=tmp_path, host="127.0.0.1", port=8000)
    notifier = Notifier(database, settings)
    await notifier.settings.set_push_enabled(True)
    return notifier


async def volunteer(
    accounts: Accounts, name: str, languages: list[str], available: bool = True
) -> Account:
    account = await accounts.create(
        f"{name}@example.org", name.title(), "volunteer", PASSWORD, languages
    )
    await accounts.set_available(account.id, available)
    return account


async def subscribe(notifier: Notifier, account: Account, receiver: PushReceiver) -> BrowserKeys:
    keys = BrowserKeys()
    subscription = checked_subscription(
        keys.subscription(receiver.endpoint(account.id)), allow_loopback=True
    )
    await notifier.subscriptions.add(account.id, subscription)
    return keys


def jwt_claims(authorization: str) -> dict[str, object]:
    token = authorization.split("t=", 1)[1].split(",", 1)[0]
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


async def test_a_subscribed_volunteer_receives_an_encrypted_signed_message(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"])
    keys = await subscribe(notifier, maria, receiver)

    await notifier.tell_of_request("es", now=WEDNESDAY_MORNING)

    [delivery] = receiver.to(maria.id)
    assert delivery.headers["content-encoding"] == "aes128gcm"
    assert b'"language"' not in delivery.body  # the push service reads nothing of it
    assert keys.read(delivery.body) == {"kind": "request", "language": "es", "url": "/volunteer"}
    # RFC 8292: "vapid t=<JWT>, k=<the server's public key>", and the JWT verifies.
    authorization = delivery.headers["authorization"]
    assert authorization.startswith("vapid ")
    assert f"k={notifier.keys.public_key}" in authorization
    assert Vapid02.verify(authorization)
    assert jwt_claims(authorization)["aud"] == receiver.url
    assert int(delivery.headers["ttl"]) > 0
    assert delivery.headers["urgency"] == "high"


async def test_only_available_volunteers_of_the_language_within_their_hours_hear(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"])
    away = await volunteer(accounts, "away", ["es"], available=False)
    arabic = await volunteer(accounts, "arabic", ["ar"])
    asleep = await volunteer(accounts, "asleep", ["es"])
    unsubscribed = await volunteer(accounts, "unsubscribed", ["es"])
    for account in (maria, away, arabic, asleep):
        await subscribe(notifier, account, receiver)
    # Evenings only, in London: not on a Wednesday morning.
    evenings = checked_hours({2: ("18:00", "22:00")}, "Europe/London")
    await notifier.settings.save(asleep.id, Preferences(hours=evenings))

    await notifier.tell_of_request("es", now=WEDNESDAY_MORNING)

    assert len(receiver.to(maria.id)) == 1
    for nobody in (away, arabic, asleep, unsubscribed):
        assert receiver.to(nobody.id) == []
    assert len(receiver.deliveries) == 1

    # The same hours let the message through in the evening.
    await notifier.tell_of_request("es", now=WEDNESDAY_MORNING.replace(hour=18))
    assert len(receiver.to(asleep.id)) == 1


async def test_nothing_is_sent_while_the_coordinator_has_push_off(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"])
    await subscribe(notifier, maria, receiver)
    await notifier.settings.set_push_enabled(False)

    await notifier.tell_of_request("es", now=WEDNESDAY_MORNING)

    assert receiver.deliveries == []


@pytest.mark.parametrize("status", [404, 410])
async def test_a_subscription_its_push_service_no_longer_knows_is_removed(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver, status: int
) -> None:
    maria = await volunteer(accounts, "maria", ["es"])
    gone = await volunteer(accounts, "gone", ["es"])
    await subscribe(notifier, maria, receiver)
    await subscribe(notifier, gone, receiver)
    receiver.status_by_path[f"/push/{gone.id}"] = status

    await notifier.tell_of_request("es", now=WEDNESDAY_MORNING)

    assert len(receiver.to(gone.id)) == 1
    assert await notifier.subscriptions.count(gone.id) == 0
    assert await notifier.subscriptions.count(maria.id) == 1


async def test_a_failing_push_service_keeps_the_subscription(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"])
    await subscribe(notifier, maria, receiver)
    receiver.status_by_path[f"/push/{maria.id}"] = 500

    await notifier.tell_of_request("es", now=WEDNESDAY_MORNING)

    assert len(receiver.to(maria.id)) == 1
    assert await notifier.subscriptions.count(maria.id) == 1


async def test_one_volunteer_is_told_through_notify_volunteer(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"], available=False)
    keys = await subscribe(notifier, maria, receiver)
    payload = {"kind": "booking", "event": "reminder", "url": "/volunteer"}

    notifier.notify_volunteer(maria.id, payload)
    await notifier.drain()

    [delivery] = receiver.to(maria.id)
    assert keys.read(delivery.body) == payload


async def test_notify_volunteer_refuses_a_payload_with_a_name_or_note(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"])
    await subscribe(notifier, maria, receiver)

    with pytest.raises(InvalidInput):
        notifier.notify_volunteer(maria.id, {"kind": "booking", "note": "Flat 3, Mr Smith"})
    with pytest.raises(InvalidInput):
        notifier.notify_volunteer(maria.id, {"kind": "booking", "url": "https://elsewhere.example"})
    await notifier.drain()
    assert receiver.deliveries == []


async def test_an_open_booking_reaches_its_languages_volunteers_available_or_not(
    accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"])
    away = await volunteer(accounts, "away", ["es"], available=False)
    arabic = await volunteer(accounts, "arabic", ["ar"])
    for account in (maria, away, arabic):
        await subscribe(notifier, account, receiver)

    await notifier.tell_of_booking("es", now=WEDNESDAY_MORNING)

    assert len(receiver.to(maria.id)) == len(receiver.to(away.id)) == 1
    assert receiver.to(arabic.id) == []


async def test_the_booked_volunteer_is_reminded_and_told_of_a_cancellation(
    database: Database, accounts: Accounts, notifier: Notifier, receiver: PushReceiver
) -> None:
    maria = await volunteer(accounts, "maria", ["es"], available=False)
    keys = await subscribe(notifier, maria, receiver)
    owner = await accounts.create("case@example.org", "Case", "caseworker", PASSWORD, [])
    await ResidentLinks(database, ttl=timedelta(hours=72)).create(owner, "Ms A, housing")
    async with database.session() as session:
        link = await session.scalar(select(ResidentLink.id))
    bookings = Bookings(
        database, Organisation(database), BookingNotices(RecordedNotices(database), notifier)
    )
    # Within the hour: the late reminder is due as soon as it is claimed.
    booking = await bookings.create(
        owner, "es", datetime.now(UTC) + timedelta(minutes=30), 60, resident_link_id=link
    )
    await bookings.claim(booking.id, maria)

    assert [b.id for b in await bookings.send_due_reminders()] == [booking.id]
    await notifier.drain()
    [reminder] = receiver.to(maria.id)
    # The event and the language; never the caseworker, the resident or the note.
    assert keys.read(reminder.body) == {
        "kind": "booking", "event": "reminder", "language": "es", "url": "/volunteer"
    }

    await bookings.cancel(booking.id, owner)
    await notifier.drain()
    assert keys.read(receiver.to(maria.id)[1].body)["event"] == "cancelled"
    assert len(receiver.deliveries) == 2  # the caseworker reads theirs on their page
