"""Personal request links a caseworker sends one resident: each makes one request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interp.domain.accounts import STAFF_ROLES, Account
from interp.domain.errors import InvalidToken, NotAllowed
from interp.domain.kinds import RequestStatus, RoomKind
from interp.domain.tokens import hash_token, new_id, new_token, utcnow
from interp.store.database import Database, rowcount
from interp.store.models import InterpretationRequest, ResidentLink, Room, RoomParticipant

LINK_INVALID = "This link is not valid: it may have expired or been used."


class LinkState(StrEnum):
    """Where the resident a link was sent to has got to."""

    UNUSED = "unused"
    WAITING = "waiting"  # asked for an interpreter, in the queue
    MACHINE = "machine"  # in automatic interpretation while they wait
    IN_CALL = "in_call"  # with an interpreter
    ENDED = "ended"  # the request or call is over
    EXPIRED = "expired"  # never used in time


@dataclass(frozen=True)
class SentLink:
    id: str
    label: str
    created_at: datetime
    expires_at: datetime
    state: LinkState
    # The open room the sender has a seat in (automatic interpretation, or the call it
    # became): where their page's Join button leads.
    join_room: str | None


def _state(
    link: ResidentLink, request: InterpretationRequest | None, room: Room | None, now: datetime
) -> LinkState:
    if request is None:
        return (
            LinkState.EXPIRED
            if link.used_at is None and link.expires_at <= now
            else (LinkState.UNUSED if link.used_at is None else LinkState.ENDED)
        )
    open_room = room is not None and room.closed_at is None
    if request.status == RequestStatus.OPEN:
        return (
            LinkState.MACHINE
            if open_room and room and room.kind == RoomKind.MACHINE
            else (LinkState.WAITING)
        )
    if request.status == RequestStatus.MATCHED and open_room:
        return LinkState.IN_CALL
    return LinkState.ENDED


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

    async def sent_by(self, user_id: str, limit: int = 50) -> list[SentLink]:
        """The links this account sent, newest first, each with its resident's progress."""
        now = utcnow()
        async with self.db.session() as session:
            rows = await session.execute(
                select(ResidentLink, InterpretationRequest, Room)
                .outerjoin(
                    InterpretationRequest,
                    InterpretationRequest.resident_link_id == ResidentLink.id,
                )
                .outerjoin(Room, Room.id == InterpretationRequest.room_id)
                .where(ResidentLink.created_by == user_id)
                .order_by(ResidentLink.created_at.desc(), ResidentLink.id)
                .limit(limit)
            )
            found = [(link, request, room) for link, request, room in rows]
            open_rooms = [room.id for _, _, room in found if room and room.closed_at is None]
            seated = (
                set(
                    await session.scalars(
                        select(RoomParticipant.room_id)
                        .where(RoomParticipant.room_id.in_(open_rooms))
                        .where(RoomParticipant.user_id == user_id)
                        .where(RoomParticipant.removed_at.is_(None))
                    )
                )
                if open_rooms
                else set()
            )
        return [
            SentLink(
                link.id,
                link.label,
                link.created_at,
                link.expires_at,
                _state(link, request, room, now),
                room.id if room is not None and room.id in seated else None,
            )
            for link, request, room in found
        ]
