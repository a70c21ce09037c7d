"""What the request queue answers without changing anything: a request by id or link,
who is waiting for which language, and how long a wait usually is."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from interp.domain.bookings import held_for_another
from interp.domain.errors import InvalidToken, NotFound
from interp.domain.fallback_wait import FallbackWait
from interp.domain.kinds import RequestStatus
from interp.domain.organisation import Organisation
from interp.domain.request_records import QueuedRequest, request_view
from interp.domain.tokens import hash_token, utcnow
from interp.store.database import Database
from interp.store.models import InterpretationRequest, User, UserLanguage

# How many recent matches of a language the wait estimate looks at, and how far back.
ESTIMATE_SAMPLE = 20
ESTIMATE_WINDOW = timedelta(days=30)


def queue_order(language: str) -> Any:
    """Open requests for one language, head of the queue first."""
    return (
        select(InterpretationRequest)
        .where(InterpretationRequest.status == RequestStatus.OPEN)
        .where(InterpretationRequest.language_code == language)
        .order_by(
            InterpretationRequest.priority.desc(),
            InterpretationRequest.created_at,
            InterpretationRequest.id,
        )
    )


class QueueLookups:
    """The queue's settings and its read-only questions; ``RequestQueue`` adds the changes."""

    def __init__(
        self,
        db: Database,
        organisation: Organisation,
        request_ttl: timedelta,
        fallback_wait: timedelta,
    ) -> None:
        self.db = db
        self.organisation = organisation
        self.request_ttl = request_ttl
        self.fallback_wait = fallback_wait
        # The configured wait is the default; the coordinator's setting and the opening
        # hours decide the wait that applies now.
        self.waits = FallbackWait(db, fallback_wait)

    async def by_token(self, token: str) -> QueuedRequest:
        async with self.db.session() as session:
            row = await session.scalar(
                select(InterpretationRequest).where(
                    InterpretationRequest.token_hash == hash_token(token)
                )
            )
        if row is None or row.expires_at <= utcnow():
            raise InvalidToken("This link is not valid: it may have expired.")
        return request_view(row)

    async def get(self, request_id: str) -> QueuedRequest:
        async with self.db.session() as session:
            row = await session.get(InterpretationRequest, request_id)
        if row is None:
            raise NotFound("No such request.")
        return request_view(row)

    async def queue(self, language: str) -> list[QueuedRequest]:
        """Open requests for one language, head of the queue first."""
        async with self.db.session() as session:
            return [request_view(row) for row in await session.scalars(queue_order(language))]

    async def open_for(
        self, languages: tuple[str, ...] | list[str], volunteer_id: str | None = None
    ) -> list[QueuedRequest]:
        """Open requests a volunteer with these languages could take, oldest first; with
        ``volunteer_id``, not those held for another, booked volunteer."""
        if not languages:
            return []
        query = select(InterpretationRequest)
        if volunteer_id is not None:
            query = query.where(~held_for_another(volunteer_id, utcnow()))
        async with self.db.session() as session:
            rows = await session.scalars(
                query.where(InterpretationRequest.status == RequestStatus.OPEN)
                .where(InterpretationRequest.language_code.in_(languages))
                .order_by(InterpretationRequest.priority.desc(), InterpretationRequest.created_at)
            )
            return [request_view(row) for row in rows]

    async def open_languages(self) -> list[str]:
        async with self.db.session() as session:
            codes = await session.scalars(
                select(InterpretationRequest.language_code)
                .where(InterpretationRequest.status == RequestStatus.OPEN)
                .distinct()
            )
            return list(codes)

    async def estimated_wait_s(self, language: str) -> float | None:
        """Median time to a match over recent matches in this language; None without history."""
        since = utcnow() - ESTIMATE_WINDOW
        async with self.db.session() as session:
            rows = await session.execute(
                select(InterpretationRequest.created_at, InterpretationRequest.matched_at)
                .where(InterpretationRequest.language_code == language)
                .where(InterpretationRequest.matched_at.is_not(None))
                .where(InterpretationRequest.created_at >= since)
                .order_by(InterpretationRequest.matched_at.desc())
                .limit(ESTIMATE_SAMPLE)
            )
            waits = [(matched - created).total_seconds() for created, matched in rows if matched]
        return statistics.median(waits) if waits else None

    async def volunteers_for(self, language: str) -> list[str]:
        """Ids of active volunteers who interpret this language."""
        async with self.db.session() as session:
            ids = await session.scalars(
                select(User.id)
                .join(UserLanguage, UserLanguage.user_id == User.id)
                .where(UserLanguage.language_code == language, User.active.is_(True))
            )
            return list(ids)
