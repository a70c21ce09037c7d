"""Signed-in sessions, kept on the server: signing out, a password change or deactivation
ends them at once, whatever copies of the cookie exist.

The cookie carries a random token; the table keeps only its SHA-256, like every other
token here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.tokens import hash_token, new_token, utcnow
from interp.store.database import Database
from interp.store.models import AccountSession, User

# How long a sign-in lasts; the cookie's own lifetime matches it.
SESSION_LIFETIME = timedelta(days=7)
# ``last_seen_at`` is written at most this often, so a busy page is not a write per request.
SEEN_EVERY = timedelta(minutes=5)


async def end_sessions(session: AsyncSession, user_id: str, keep: str | None = None) -> None:
    """End every session of the account, except the one whose token is ``keep``, in the
    caller's unit of work (so it happens together with what caused it)."""
    ending = delete(AccountSession).where(AccountSession.user_id == user_id)
    if keep is not None:
        ending = ending.where(AccountSession.id != hash_token(keep))
    await session.execute(ending)


class Sessions:
    def __init__(self, db: Database, lifetime: timedelta = SESSION_LIFETIME) -> None:
        self.db = db
        self.lifetime = lifetime

    async def start(self, user_id: str) -> str:
        """A new session for the account; returns the token for the cookie."""
        token, token_hash = new_token()
        now = utcnow()
        async with self.db.session() as session:
            # Expired sessions go whenever someone signs in (an indexed delete), so the
            # table holds little more than the live ones without a sweeper of its own.
            await session.execute(delete(AccountSession).where(AccountSession.expires_at <= now))
            session.add(
                AccountSession(
                    id=token_hash,
                    user_id=user_id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.lifetime,
                )
            )
        return token

    async def user_for(self, token: str) -> str | None:
        """The id of the active account whose live session this token opens, else None."""
        now = utcnow()
        async with self.db.session() as session:
            found = (
                await session.execute(
                    select(AccountSession, User.active)
                    .join(User, User.id == AccountSession.user_id)
                    .where(AccountSession.id == hash_token(token))
                )
            ).first()
            if found is None:
                return None
            signed_in, active = found
            if not active or signed_in.expires_at <= now:
                return None
            if now - signed_in.last_seen_at >= SEEN_EVERY:
                signed_in.last_seen_at = now
            return signed_in.user_id

    async def end(self, token: str) -> None:
        async with self.db.session() as session:
            await session.execute(
                delete(AccountSession).where(AccountSession.id == hash_token(token))
            )
