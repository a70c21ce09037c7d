"""Accounts: creation, login, password change, deactivation, invitations and the setup link."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interp.domain.accounts import Accounts, InviteForAnotherEmail
from interp.domain.errors import InvalidInput, InvalidToken
from tests.domain.services import PASSWORD, Services


async def test_create_and_authenticate(services: Services) -> None:
    created = await services.accounts.create(
        " Ana@Example.org ", "Ana  Lopez", "volunteer", PASSWORD, ["es", "bfi"]
    )
    assert created.email == "ana@example.org"
    assert created.display_name == "Ana Lopez"
    assert created.languages == ("bfi", "es")
    logged_in = await services.accounts.authenticate("ANA@example.org", PASSWORD)
    assert logged_in is not None and logged_in.id == created.id
    assert await services.accounts.authenticate("ana@example.org", "wrong password!") is None
    assert await services.accounts.authenticate("nobody@example.org", PASSWORD) is None


@pytest.mark.parametrize(
    ("email", "name", "role", "password", "languages", "message"),
    [
        ("not-an-email", "A", "volunteer", PASSWORD, [], "valid email"),
        ("a@example.org", "", "volunteer", PASSWORD, [], "name"),
        ("a@example.org", "A", "admin", PASSWORD, [], "Unknown role"),
        ("a@example.org", "A", "volunteer", "short", [], "at least"),
        ("a@example.org", "A", "volunteer", PASSWORD, ["xx"], "Unknown language"),
    ],
)
async def test_bad_account_input_is_refused_and_changes_nothing(
    services: Services,
    email: str,
    name: str,
    role: str,
    password: str,
    languages: list[str],
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await services.accounts.create(email, name, role, password, languages)
    assert await services.accounts.count() == 0


async def test_duplicate_email_is_refused(services: Services) -> None:
    await services.accounts.create("a@example.org", "A", "volunteer", PASSWORD)
    with pytest.raises(InvalidInput, match="already exists"):
        await services.accounts.create("A@example.org", "B", "caseworker", PASSWORD)
    assert await services.accounts.count() == 1


async def test_password_change_ends_other_sessions(services: Services) -> None:
    user = await services.accounts.create("a@example.org", "A", "caseworker", PASSWORD)
    here = await services.sessions.start(user.id)
    elsewhere = await services.sessions.start(user.id)
    with pytest.raises(InvalidInput, match="current password"):
        await services.accounts.change_password(user.id, "not the password", "a new password!")
    assert await services.sessions.user_for(elsewhere) == user.id
    await services.accounts.change_password(user.id, PASSWORD, "a new password!", keep_session=here)
    assert await services.sessions.user_for(here) == user.id
    assert await services.sessions.user_for(elsewhere) is None
    assert await services.accounts.authenticate("a@example.org", PASSWORD) is None
    assert await services.accounts.authenticate("a@example.org", "a new password!") is not None


async def test_deactivated_account_cannot_log_in(services: Services) -> None:
    user = await services.accounts.create("a@example.org", "A", "volunteer", PASSWORD, ["es"])
    await services.accounts.set_available(user.id, True)
    off = await services.accounts.set_active(user.id, False)
    assert not off.active and not off.available
    assert await services.accounts.authenticate("a@example.org", PASSWORD) is None


async def test_setup_link_creates_the_first_coordinator_once(services: Services) -> None:
    first = await services.accounts.setup_invite_if_needed()
    second = await services.accounts.setup_invite_if_needed()
    assert first is not None and second is not None
    assert len(first.token) >= 43  # 32 random bytes, base64url
    with pytest.raises(InvalidToken):  # a newer link retires the older one
        await services.accounts.check_invite(first.token)
    coordinator = await services.accounts.redeem_invite(
        second.token, "boss@example.org", "Boss", PASSWORD
    )
    assert coordinator.role == "coordinator"
    assert await services.accounts.setup_invite_if_needed() is None
    with pytest.raises(InvalidToken):
        await services.accounts.redeem_invite(second.token, "x@example.org", "X", PASSWORD)
    assert await services.accounts.count() == 1


async def test_invite_is_single_use_and_gives_its_role(services: Services) -> None:
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    invite = await services.accounts.invite("volunteer", boss.id)
    made = await services.accounts.redeem_invite(
        invite.token, "v@example.org", "V", PASSWORD, ["ar"]
    )
    assert made.role == "volunteer" and made.languages == ("ar",)
    with pytest.raises(InvalidToken):
        await services.accounts.redeem_invite(invite.token, "w@example.org", "W", PASSWORD)
    assert await services.accounts.by_email("w@example.org") is None


async def test_an_invite_sent_to_an_address_is_for_that_address(services: Services) -> None:
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    invite = await services.accounts.invite("caseworker", boss.id, "Ana@Example.org")
    assert (await services.accounts.check_invite(invite.token)).email == "ana@example.org"
    with pytest.raises(InviteForAnotherEmail):
        await services.accounts.redeem_invite(invite.token, "eve@example.org", "Eve", PASSWORD)
    assert await services.accounts.by_email("eve@example.org") is None
    made = await services.accounts.redeem_invite(
        invite.token, " ANA@example.ORG ", "Ana", PASSWORD
    )
    assert made.email == "ana@example.org"


async def test_expired_or_wrong_invite_is_refused(services: Services) -> None:
    expired = Accounts(services.accounts.db, invite_ttl=timedelta(seconds=-1))
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    invite = await expired.invite("caseworker", boss.id)
    for token in (invite.token, "not-a-token", invite.token + "x"):
        with pytest.raises(InvalidToken):
            await services.accounts.redeem_invite(token, "c@example.org", "C", PASSWORD)
    assert await services.accounts.count() == 1


async def test_bad_signup_input_leaves_the_invite_unspent(services: Services) -> None:
    boss = await services.accounts.create("boss@example.org", "Boss", "coordinator", PASSWORD)
    invite = await services.accounts.invite("volunteer", boss.id)
    with pytest.raises(InvalidInput):
        await services.accounts.redeem_invite(invite.token, "v@example.org", "V", "short")
    with pytest.raises(InvalidInput, match="already exists"):
        await services.accounts.redeem_invite(invite.token, "boss@example.org", "V", PASSWORD)
    await services.accounts.check_invite(invite.token)  # still usable
