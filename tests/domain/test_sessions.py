"""Sessions kept on the server: a token opens its account's session until it expires,
is ended, or the account is deactivated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from interp.domain.sessions import Sessions
from interp.store.database import Database
from interp.store.models import AccountSession
from tests.domain.services import PASSWORD, Services


async def stored(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(AccountSession)) or 0)


async def test_a_token_opens_its_session_until_it_is_ended(services: Services) -> None:
    user = await services.accounts.create("a@example.org", "A", "caseworker", PASSWORD)
    token = await services.sessions.start(user.id)
    assert await services.sessions.user_for(token) == user.id
    assert await services.sessions.user_for(token + "x") is None
    await services.sessions.end(token)
    assert await services.sessions.user_for(token) is None


async def test_an_expired_session_opens_nothing_and_is_cleared_away(
    services: Services, database: Database
) -> None:
    user = await services.accounts.create("a@example.org", "A", "caseworker", PASSWORD)
    brief = Sessions(database, lifetime=timedelta(seconds=-1))
    expired = await brief.start(user.id)
    assert await services.sessions.user_for(expired) is None
    await services.sessions.start(user.id)
    assert await stored(database) == 1  # the expired one went as the next one began


async def test_deactivation_ends_every_session(services: Services, database: Database) -> None:
    user = await services.accounts.create("a@example.org", "A", "volunteer", PASSWORD)
    tokens = [await services.sessions.start(user.id) for _ in range(2)]
    await services.accounts.set_active(user.id, False)
    await services.accounts.set_active(user.id, True)
    assert [await services.sessions.user_for(t) for t in tokens] == [None, None]
    assert await stored(database) == 0
