"""People with accounts: coordinators, caseworkers and volunteers; invitations and first start."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.errors import InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.kinds import AccountRole
from interp.domain.passwords import check_new_password, hash_password, verify_password
from interp.domain.sessions import end_sessions
from interp.domain.tokens import hash_token, new_id, new_token, utcnow
from interp.i18n import N_
from interp.languages import LANGUAGES
from interp.store.database import Database, rowcount
from interp.store.models import AuditEntry, Invite, OfferedLanguage, User, UserLanguage

ROLES = tuple(AccountRole)
# Those who hold meetings, send residents links and caption recordings.
STAFF_ROLES = (AccountRole.CASEWORKER, AccountRole.COORDINATOR)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# Messages a page or dashboard shows in the reader's language.
NO_LANGUAGES = N_("Add at least one language you interpret before you go available.")
NOT_OFFERED = N_("Choose among the languages the organisation offers.")
INVITE_REVOKED_EVENT = "invite.revoked"


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    display_name: str
    role: str  # an AccountRole
    active: bool
    available: bool
    languages: tuple[str, ...]


@dataclass(frozen=True)
class IssuedInvite:
    id: str
    token: str  # shown once, in the link; only its hash is stored
    role: str
    purpose: str


@dataclass(frozen=True)
class PendingInvite:
    id: str
    role: str
    purpose: str  # setup | invite
    email: str | None = None  # the address it was sent to, if any: it must be used


@dataclass(frozen=True)
class InviteRecord:
    """An invitation nobody has used yet, as the coordinator's list shows it."""

    id: str
    role: str
    email: str | None
    created_at: datetime
    expires_at: datetime


class InviteSpent(InvalidToken):
    """An invitation link that once worked: used, revoked, or expired (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__("This link is not valid: it may have expired or been used.")
        self.reason = reason  # used | revoked | expired


def _spent_reason(invite: Invite, now: datetime) -> str | None:
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return None


class InviteForAnotherEmail(InvalidInput):
    """An invitation sent to one address, used to make an account with another."""

    code = "wrong_email"


def is_staff(account: Any) -> bool:
    """Whether this account may hold meetings, send links and caption recordings."""
    return getattr(account, "role", None) in STAFF_ROLES


def may_manage(account: Any, owner_id: str) -> bool:
    """Whether this account may manage what ``owner_id`` made: its owner, or a coordinator."""
    return account.id == owner_id or getattr(account, "role", None) == AccountRole.COORDINATOR


def _account(user: User, languages: list[str]) -> Account:
    return Account(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        available=user.available,
        languages=tuple(sorted(languages)),
    )


def _clean_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("Enter a valid email address.")
    return email


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise InvalidInput("Enter a name of 1 to 100 characters.")
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")


def _check_languages(codes: list[str]) -> list[str]:
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown:
        raise InvalidInput(f"Unknown language codes: {', '.join(unknown)}.")
    return sorted(set(codes))


async def _check_offered(session: AsyncSession, codes: list[str]) -> None:
    """Refuse languages the organisation does not offer: nobody could ask for them."""
    if not codes:
        return
    offered = set(
        await session.scalars(
            select(OfferedLanguage.language_code).where(OfferedLanguage.language_code.in_(codes))
        )
    )
    if set(codes) - offered:
        raise InvalidInput(NOT_OFFERED, "languages")


class Accounts:
    def __init__(self, db: Database, invite_ttl: timedelta) -> None:
        self.db = db
        self.invite_ttl = invite_ttl

    async def _load(self, session: AsyncSession, user: User) -> Account:
        codes = await session.scalars(
            select(UserLanguage.language_code).where(UserLanguage.user_id == user.id)
        )
        return _account(user, list(codes))

    async def create(
        self,
        email: str,
        display_name: str,
        role: str,
        password: str,
        languages: list[str] | None = None,
    ) -> Account:
        _check_role(role)
        check_new_password(password)
        codes = _check_languages(languages or [])
        user = User(
            id=new_id(),
            email=_clean_email(email),
            display_name=_clean_name(display_name),
            role=role,
            password_hash=await hash_password(password),
            active=True,
            available=False,
            created_at=utcnow(),
        )
        try:
            async with self.db.session() as session:
                session.add(user)
                await session.flush()
                session.add_all(UserLanguage(user_id=user.id, language_code=c) for c in codes)
        except IntegrityError as exc:
            raise InvalidInput("An account with this email address already exists.") from exc
        return _account(user, codes)

    async def get(self, user_id: str) -> Account | None:
        async with self.db.session() as session:
            user = await session.get(User, user_id)
            return None if user is None else await self._load(session, user)

    async def by_email(self, email: str) -> Account | None:
        async with self.db.session() as session:
            user = await session.scalar(select(User).where(User.email == email.strip().lower()))
            return None if user is None else await self._load(session, user)

    async def all(self) -> list[Account]:
        async with self.db.session() as session:
            users = list(await session.scalars(select(User).order_by(User.role, User.email)))
            rows = await session.execute(select(UserLanguage.user_id, UserLanguage.language_code))
            by_user: dict[str, list[str]] = {}
            for user_id, code in rows:
                by_user.setdefault(user_id, []).append(code)
            return [_account(u, by_user.get(u.id, [])) for u in users]

    async def count(self) -> int:
        async with self.db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(User)) or 0)

    async def authenticate(self, email: str, password: str) -> Account | None:
        """The active account with this email and password, or None (same cost either way)."""
        async with self.db.session() as session:
            user = await session.scalar(select(User).where(User.email == email.strip().lower()))
            if not await verify_password(user.password_hash if user else None, password):
                return None
            assert user is not None
            return await self._load(session, user) if user.active else None

    async def change_password(
        self, user_id: str, current: str, new: str, keep_session: str | None = None
    ) -> Account:
        """Set a new password and end every session of the account but ``keep_session``
        (the one making the change): whoever knew the old password is signed out."""
        check_new_password(new)
        async with self.db.session() as session:
            user = await session.get(User, user_id)
            if user is None or not user.active:
                raise NotFound("No such account.")
            if not await verify_password(user.password_hash, current):
                raise InvalidInput("The current password is wrong.")
            user.password_hash = await hash_password(new)
            await end_sessions(session, user_id, keep=keep_session)
            return await self._load(session, user)

    async def set_active(self, user_id: str, active: bool) -> Account:
        async with self.db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound("No such account.")
            user.active = active
            if not active:
                user.available = False
                await end_sessions(session, user_id)
            return await self._load(session, user)

    async def set_languages(self, user_id: str, codes: list[str]) -> Account:
        """Set the languages a volunteer interprets: ones the organisation offers, or ones
        they already had (a language no longer offered stays until they remove it). With
        none left they stop being available."""
        codes = _check_languages(codes)
        async with self.db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound("No such account.")
            held = set(
                await session.scalars(
                    select(UserLanguage.language_code).where(UserLanguage.user_id == user_id)
                )
            )
            await _check_offered(session, [c for c in codes if c not in held])
            await session.execute(delete(UserLanguage).where(UserLanguage.user_id == user_id))
            session.add_all(UserLanguage(user_id=user_id, language_code=c) for c in codes)
            if not codes:
                user.available = False
            return _account(user, codes)

    async def set_available(self, user_id: str, available: bool) -> None:
        """Go available or not; a volunteer with no languages could match nobody, so
        going available without one is refused."""
        async with self.db.session() as session:
            if available and not await session.scalar(
                select(UserLanguage.language_code).where(UserLanguage.user_id == user_id).limit(1)
            ):
                raise InvalidInput(NO_LANGUAGES, "languages")
            await session.execute(
                update(User).where(User.id == user_id).values(available=available)
            )

    # Invitations and the first-start setup link.

    async def _issue(
        self, role: str, purpose: str, created_by: str | None, email: str | None
    ) -> IssuedInvite:
        _check_role(role)
        token, token_hash = new_token()
        now = utcnow()
        invite = Invite(
            id=new_id(),
            token_hash=token_hash,
            role=role,
            purpose=purpose,
            email=_clean_email(email) if email else None,
            created_by=created_by,
            created_at=now,
            expires_at=now + self.invite_ttl,
        )
        async with self.db.session() as session:
            if purpose == "setup":
                # Only the newest setup link works: printing a new one retires the old.
                await session.execute(
                    delete(Invite).where(Invite.purpose == "setup", Invite.used_at.is_(None))
                )
            session.add(invite)
        return IssuedInvite(invite.id, token, role, purpose)

    async def setup_invite_if_needed(self) -> IssuedInvite | None:
        """On a server with no accounts, a one-time link that creates the first coordinator."""
        if await self.count():
            return None
        return await self._issue(AccountRole.COORDINATOR, "setup", None, None)

    async def invite(self, role: str, created_by: str, email: str | None = None) -> IssuedInvite:
        return await self._issue(role, "invite", created_by, email)

    async def check_invite(self, token: str) -> PendingInvite:
        """The invitation this token opens; ``InviteSpent`` for one used, revoked or
        expired, ``InvalidToken`` for a token that never was one."""
        async with self.db.session() as session:
            invite = await session.scalar(
                select(Invite).where(Invite.token_hash == hash_token(token))
            )
        if invite is None:
            raise InvalidToken("This link is not valid: it may have expired or been used.")
        reason = _spent_reason(invite, utcnow())
        if reason is not None:
            raise InviteSpent(reason)
        return PendingInvite(invite.id, invite.role, invite.purpose, invite.email)

    async def pending_invites(self) -> list[InviteRecord]:
        """Invitations still waiting to be used (not the first-start setup link), newest first."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Invite)
                .where(Invite.purpose == "invite", Invite.used_at.is_(None))
                .where(Invite.revoked_at.is_(None), Invite.expires_at > utcnow())
                .order_by(Invite.created_at.desc(), Invite.id)
            )
            return [
                InviteRecord(row.id, row.role, row.email, row.created_at, row.expires_at)
                for row in rows
            ]

    async def revoke_invite(self, invite_id: str, revoked_by: str) -> None:
        """Withdraw an unused invitation: its link opens nothing from now on. The audit log
        keeps who did it (not the address it was sent to)."""
        now = utcnow()
        async with self.db.session() as session:
            done = await session.execute(
                update(Invite)
                .where(Invite.id == invite_id, Invite.purpose == "invite")
                .where(Invite.used_at.is_(None), Invite.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            if rowcount(done) != 1:
                raise NotFound("This invitation was already used, revoked or does not exist.")
            detail = {"invite": invite_id, "by": revoked_by}
            session.add(AuditEntry(at=now, event=INVITE_REVOKED_EVENT, detail=json.dumps(detail)))

    async def redeem_invite(
        self,
        token: str,
        email: str,
        display_name: str,
        password: str,
        languages: list[str] | None = None,
    ) -> Account:
        """Create the invited account and spend the link, atomically: a link makes one account."""
        email, display_name = _clean_email(email), _clean_name(display_name)
        check_new_password(password)
        codes = _check_languages(languages or [])
        password_hash = await hash_password(password)
        now = utcnow()
        user_id = new_id()
        try:
            async with self.db.session() as session:
                invite = await session.scalar(
                    select(Invite).where(Invite.token_hash == hash_token(token))
                )
                if invite is None:
                    raise InvalidToken("This link is not valid: it may have expired or been used.")
                if invite.revoked_at is not None or invite.expires_at <= now:
                    raise InviteSpent(_spent_reason(invite, now) or "expired")
                # Both addresses are stored and compared lower-cased.
                if invite.email is not None and invite.email != email:
                    raise InviteForAnotherEmail(
                        "Use the email address this invitation was sent to.", "email"
                    )
                if invite.purpose == "setup" and await session.scalar(
                    select(func.count()).select_from(User)
                ):
                    raise InvalidToken("This setup link is no longer needed: accounts exist.")
                user = User(
                    id=user_id,
                    email=email,
                    display_name=display_name,
                    role=invite.role,
                    password_hash=password_hash,
                    active=True,
                    available=False,
                    created_at=now,
                )
                session.add(user)
                await session.flush()
                spent = await session.execute(
                    update(Invite)
                    .where(Invite.id == invite.id, Invite.used_at.is_(None))
                    .values(used_at=now, used_by=user_id)
                )
                if rowcount(spent) != 1:
                    raise InviteSpent("used")
                await _check_offered(session, codes)
                session.add_all(UserLanguage(user_id=user_id, language_code=c) for c in codes)
        except IntegrityError as exc:
            raise InvalidInput("An account with this email address already exists.") from exc
        return _account(user, codes)


async def lock_interpreter(
    session: AsyncSession, volunteer_id: str, language: str, taking: str, thing: str
) -> User:
    """The volunteer's account row, locked until the transaction ends (PostgreSQL; SQLite
    has one writer at a time): one volunteer's accepts and claims run one after another,
    and a deactivation waits for one under way. ``NotAllowed`` unless they are an active
    volunteer who interprets ``language`` now; ``taking`` ("accept requests") and ``thing``
    ("request") word the refusal."""
    account = await session.scalar(select(User).where(User.id == volunteer_id).with_for_update())
    if account is None or not account.active or account.role != AccountRole.VOLUNTEER:
        raise NotAllowed(f"Only volunteer interpreters {taking}.")
    offers = await session.scalar(
        select(UserLanguage.language_code).where(
            UserLanguage.user_id == volunteer_id, UserLanguage.language_code == language
        )
    )
    if offers is None:
        raise NotAllowed(f"You do not interpret this {thing}'s language.")
    return account
