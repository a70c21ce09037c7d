"""The domain services a test works with, over one database, and the password of the
accounts they make."""

from __future__ import annotations

from dataclasses import dataclass

from interp.domain.accounts import Account, Accounts
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue, ResidentLinks
from interp.domain.rooms import Rooms
from interp.domain.sessions import Sessions

PASSWORD = "correct horse battery"


@dataclass
class Services:
    accounts: Accounts
    organisation: Organisation
    queue: RequestQueue
    rooms: Rooms
    links: ResidentLinks
    sessions: Sessions

    async def volunteer(self, n: int, languages: tuple[str, ...] = ("es",)) -> Account:
        return await self.accounts.create(
            f"volunteer{n}@example.org", f"Volunteer {n}", "volunteer", PASSWORD, list(languages)
        )
