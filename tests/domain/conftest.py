"""Domain services over a migrated database on each backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from interp.domain.accounts import Account, Accounts
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue, ResidentLinks
from interp.domain.rooms import Rooms
from interp.store.database import Database

PASSWORD = "correct horse battery"


@dataclass
class Services:
    accounts: Accounts
    organisation: Organisation
    queue: RequestQueue
    rooms: Rooms
    links: ResidentLinks

    async def volunteer(self, n: int, languages: tuple[str, ...] = ("es",)) -> Account:
        return await self.accounts.create(
            f"volunteer{n}@example.org", f"Volunteer {n}", "volunteer", PASSWORD, list(languages)
        )


@pytest.fixture
async def services(database: Database) -> Services:
    organisation = Organisation(database)
    await organisation.set_offered_languages(["es", "ar", "bfi"])
    return Services(
        accounts=Accounts(database, invite_ttl=timedelta(hours=1)),
        organisation=organisation,
        queue=RequestQueue(
            database, organisation, request_ttl=timedelta(hours=1), fallback_wait=timedelta(0)
        ),
        rooms=Rooms(database),
        links=ResidentLinks(database, ttl=timedelta(hours=1)),
    )
