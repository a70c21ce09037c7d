"""Email through an SMTP server the test runs on 127.0.0.1 (aiosmtpd): a volunteer who
asked for email receives a short plain-text message in their language, with no name or
note in it; one who did not, or is outside their hours, receives nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from interp.config import Settings
from interp.domain.accounts import Accounts
from interp.domain.organisation import Organisation
from interp.notify import Notifier
from interp.notify.preferences import Preferences
from interp.notify.schedule import checked_hours
from interp.store.database import Database
from tests.live_server import free_port

PASSWORD = "correct horse battery"
WEDNESDAY_MORNING = datetime(2026, 7, 8, 9, 0, tzinfo=UTC)


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(content)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
async def setup(
    database: Database, tmp_path: Path, smtp_server: tuple[Inbox, int]
) -> tuple[Notifier, Accounts]:
    _, port = smtp_server
    await Organisation(database).set_offered_languages(["es", "ar"])
    settings = Settings(
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="interp@charity.example",
        public_url="https://interp.charity.example",
    )
    return Notifier(database, settings), Accounts(database, invite_ttl=timedelta(hours=1))


async def test_a_volunteer_who_asked_for_email_receives_one_in_their_language(
    setup: tuple[Notifier, Accounts], smtp_server: tuple[Inbox, int]
) -> None:
    notifier, accounts = setup
    inbox, _ = smtp_server
    maria = await accounts.create("maria@example.org", "María", "volunteer", PASSWORD, ["es"])
    quiet = await accounts.create("quiet@example.org", "Quiet", "volunteer", PASSWORD, ["es"])
    asleep = await accounts.create("asleep@example.org", "Asleep", "volunteer", PASSWORD, ["es"])
    for account in (maria, quiet, asleep):
        await accounts.set_available(account.id, True)
    await notifier.settings.save(maria.id, Preferences(email=True, locale="ar"))
    night = checked_hours({2: ("20:00", "23:00")}, "Europe/London")
    await notifier.settings.save(asleep.id, Preferences(email=True, hours=night))

    await notifier.tell_of_request("es", now=WEDNESDAY_MORNING)
    for _ in range(200):  # aiosmtpd hands the message over on its own thread
        if inbox.received:
            break
        await asyncio.sleep(0.02)

    [(recipients, message)] = inbox.received
    assert recipients == ["maria@example.org"]
    assert message["From"] == "interp@charity.example"
    assert message.get_content_type() == "text/plain"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    # The language's name in the volunteer's language (Arabic), and the link to accept.
    assert "الإسبانية" in message["Subject"] or "الإسبانية" in body
    assert "https://interp.charity.example/volunteer" in body
    assert "María" not in body


async def test_no_email_without_a_mail_server(database: Database, tmp_path: Path) -> None:
    notifier = Notifier(database, Settings(data_dir=tmp_path))
    assert not notifier.email.configured
    assert await notifier.email.send("maria@example.org", "subject", "body") is False
