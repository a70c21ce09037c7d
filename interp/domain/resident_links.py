"""Personal request links a caseworker sends one resident: each makes one request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.accounts import STAFF_ROLES, Account
from interp.domain.errors import InvalidToken, NotAllowed
from interp.domain.tokens import hash_token, new_id, new_token, utcnow
from interp.store.database import Database, rowcount
from interp.store.models import ResidentLink

LINK_INVALID = "This link is not valid: it may have expired or been used."


async def spend_link(session: AsyncSession, token: str) -> str:
    """Mark the link used, in the session that makes its request; returns the link's id."""
    link_id = await session.scalar(
        select(ResidentLink.id).where(ResidentLink.token_hash == hash_token(token))
    )
    now = utcnow()
    spent = await session.execute(
        update(ResidentLink)
        .where(ResidentLink.id == link_id)
        .where(ResidentLink.used_at.is_(None), ResidentLink.expires_at > now)
        .values(used_at=now)
    )
    if link_id is None or rowcount(spent) != 1:
        raise InvalidToken(LINK_INVALID)
    return link_id


class ResidentLinks:
    def __init__(self, db: Database, ttl: timedelta) -> None:
        self.db = db
        self.ttl = ttl

    async def create(self, created_by: Account, label: str = "") -> str:
        if created_by.role not in STAFF_ROLES:
            raise NotAllowed("Only caseworkers and coordinators send resident links.")
        token, token_hash = new_token()
        now = utcnow()
        async with self.db.session() as session:
            session.add(
                ResidentLink(
                    id=new_id(),
                    token_hash=token_hash,
                    created_by=created_by.id,
                    label=label.strip()[:100],
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
        return token

    async def check(self, token: str) -> None:
        async with self.db.session() as session:
            link = await session.scalar(
                select(ResidentLink).where(ResidentLink.token_hash == hash_token(token))
            )
        if link is None or link.used_at is not None or link.expires_at <= utcnow():
            raise InvalidToken(LINK_INVALID)
