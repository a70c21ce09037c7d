"""Domain services over a migrated database on each backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interp.domain.accounts import Accounts
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue, ResidentLinks
from interp.domain.rooms import Rooms
from interp.domain.sessions import Sessions
from interp.store.database import Database
from tests.domain.services import Services


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
        sessions=Sessions(database),
    )
