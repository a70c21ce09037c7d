"""Queue changes, made through the domain and announced on the hub.

Every change to the queue goes through a ``Dispatcher`` method, which calls the
domain and then publishes what changed, so volunteers' dashboards and
residents' queue pages on every node update at once. The sweeper does the same
for what time changes: long waits, expired links, matches nobody joined, and
participants whose node stopped (the room layer adds that sweep).

Channels and their events (``event`` field):
- ``queue:<language>``: ``request.new``, ``request.back`` (handed back, now at the head),
  ``request.gone`` (taken, cancelled or expired), ``request.long_wait``. Each carries the
  queue ``order`` (request ids, head first) and ``estimated_wait_s``, computed once here
  so that no listener has to ask the database.
- ``request:<id>``: ``matched``, ``released``, ``cancelled``, ``expired``, ``long_wait``,
  ``machine`` (machine interpretation started), ``closed`` (the call ended).
- ``room:<id>``: ``interpreter.released`` (an interpreter handed back a request in machine
  interpretation: the room goes on without them) and ``room.closed``; the room's other
  events are listed in interp.realtime.events.
- ``account:<id>``: ``account.changed`` (deactivated, or its languages changed), with
  the account's ``active``, ``role`` and ``languages`` as they are now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from interp.domain.accounts import Account
from interp.domain.errors import DomainError, Unavailable
from interp.domain.kinds import RequestStatus
from interp.domain.requests import Match, NewRequest, QueuedRequest, RequestQueue
from interp.domain.rooms import Rooms
from interp.hub import Hub, HubDown
from interp.hub.channels import account_channel, queue_channel, request_channel, room_channel
from interp.hub.events import RoomEvent

log = logging.getLogger(__name__)

HUB_DOWN = (
    "Requests cannot be taken right now: the server cannot reach its message hub. "
    "Please try again in a few minutes."
)


class Dispatcher:
    def __init__(self, hub: Hub, queue: RequestQueue, rooms: Rooms, join_grace: timedelta) -> None:
        self.hub = hub
        self.queue = queue
        self.rooms = rooms
        # How long an accepting volunteer has to arrive in the room before the request
        # goes back to the queue.
        self.join_grace = join_grace
        # Sweeps of the layers above (departures nobody watches for), run after the queue's.
        self._more_sweeps: list[Callable[[], Awaitable[None]]] = []
        # Told of each new request once it is announced (e.g. to notify volunteers whose
        # dashboard is closed); each must return at once and never raise.
        self._on_new_request: list[Callable[[QueuedRequest], None]] = []
        # Holds a new request for a booked volunteer: their id, or None (interp.domain.bookings).
        self._hold_for_booked: Callable[[str], Awaitable[str | None]] | None = None

    def hold_for_booked(self, hold: Callable[[str], Awaitable[str | None]]) -> None:
        """Ask ``hold`` of each new request; one it holds is told only to that volunteer."""
        self._hold_for_booked = hold

    def also_sweep(self, sweep: Callable[[], Awaitable[None]]) -> None:
        """Run ``sweep`` on every pass of the sweeper, after the queue's own."""
        self._more_sweeps.append(sweep)

    def on_new_request(self, listener: Callable[[QueuedRequest], None]) -> None:
        """Call ``listener`` with each new request this node announces."""
        self._on_new_request.append(listener)

    async def queue_state(self, language: str) -> dict[str, Any]:
        order = [r.id for r in await self.queue.queue(language)]
        return {"order": order, "estimated_wait_s": await self.queue.estimated_wait_s(language)}

    async def _announce(self, language: str, event: dict[str, Any]) -> None:
        event.update(await self.queue_state(language))
        await self.hub.publish(queue_channel(language), event)

    async def _check_hub(self) -> None:
        """A request no volunteer hears of would wait unseen: refuse it before it is made."""
        try:
            await self.hub.check()
        except HubDown as exc:
            log.warning("request refused: %s", exc)
            raise Unavailable(HUB_DOWN) from exc

    async def _announce_new(self, request: QueuedRequest) -> None:
        """Announce a new request; if the hub fails now, take the request back out of the
        queue so that nothing is left waiting that nobody was told of."""
        try:
            held_for = (
                await self._hold_for_booked(request.id) if self._hold_for_booked else None
            )
            if held_for is not None:
                # Everyone else hears of it when the hold ends (``announce_unheld``).
                await self.hub.publish(
                    account_channel(held_for),
                    {"event": "request.new", "request": request.as_dict(), "booked": True},
                )
                return  # the listeners are told when the hold ends
            await self._announce(
                request.language_code, {"event": "request.new", "request": request.as_dict()}
            )
        except HubDown as exc:
            log.warning("request %s withdrawn: %s", request.id, exc)
            await self.queue.withdraw(request.id)
            raise Unavailable(HUB_DOWN) from exc
        self._tell_listeners(request)

    def _tell_listeners(self, request: QueuedRequest) -> None:
        for listener in self._on_new_request:
            try:
                listener(request)
            except Exception:  # whatever fails, the request is made and announced
                log.exception("a listener for new requests failed")

    async def create_request(
        self,
        language: str,
        media: str,
        note: str = "",
        link_token: str | None = None,
        needs_captions: bool = False,
    ) -> NewRequest:
        await self._check_hub()
        new = await self.queue.create(language, media, note, link_token, needs_captions)
        await self._announce_new(new.request)
        return new

    async def request_for_meeting(
        self, meeting_id: str, language: str, note: str = ""
    ) -> QueuedRequest:
        """A caseworker asks for an interpreter into their meeting (the same queue)."""
        await self._check_hub()
        request = await self.queue.create_for_meeting(meeting_id, language, note)
        await self._announce_new(request)
        return request

    async def withdraw_request(self, request_id: str) -> QueuedRequest:
        """Cancel an open request by its id; its room (a meeting's) goes on."""
        request = await self.queue.withdraw(request_id)
        await self.hub.publish(request_channel(request.id), {"event": "cancelled"})
        await self._announce(
            request.language_code,
            {"event": "request.gone", "id": request.id, "reason": "cancelled"},
        )
        return request

    async def cancel_request(self, token: str) -> QueuedRequest:
        request = await self.queue.cancel(token)
        await self.hub.publish(request_channel(request.id), {"event": "cancelled"})
        if request.room_id:  # its machine interpretation ends with it
            await self.close_room(request.room_id, "ended")
        await self._announce(
            request.language_code,
            {"event": "request.gone", "id": request.id, "reason": "cancelled"},
        )
        return request

    async def accept(self, request_id: str, volunteer: Account) -> Match:
        match = await self.queue.accept(request_id, volunteer)
        await self.hub.publish(
            request_channel(request_id), {"event": "matched", "room": match.room_id}
        )
        await self._announce(
            match.request.language_code,
            {"event": "request.gone", "id": request_id, "reason": "taken", "by": volunteer.id},
        )
        return match

    async def announce_unheld(self, request_ids: list[str]) -> None:
        """Requests no longer held for a booked volunteer: shown to everyone now."""
        for request_id in request_ids:
            request = await self.queue.get(request_id)
            if request.status == RequestStatus.OPEN:
                await self._announce(
                    request.language_code, {"event": "request.new", "request": request.as_dict()}
                )
                self._tell_listeners(request)

    async def account_changed(self, account: Account) -> None:
        """Tell the account's open sockets, on every node, that its rights changed: a
        volunteer's dashboard follows its new languages, a deactivated account's close."""
        event = {
            "event": "account.changed",
            "active": account.active,
            "role": account.role,
            "languages": list(account.languages),
        }
        try:
            await self.hub.publish(account_channel(account.id), event)
        except HubDown:
            # The change is made; sockets that missed the news still check the account
            # on each request they are shown and each accept.
            log.warning("account %s changed but its sockets were not told", account.id)

    async def start_machine_interpretation(self, token: str, desk_language: str) -> str:
        """Open (or find) the waiting request's machine-interpretation room."""
        room_id = await self.queue.start_machine_room(token, desk_language)
        request = await self.queue.by_token(token)
        await self.hub.publish(request_channel(request.id), {"event": "machine", "room": room_id})
        return room_id

    async def release(self, request_id: str, volunteer_id: str) -> QueuedRequest:
        before = await self.queue.get(request_id)
        request = await self.queue.release(request_id, volunteer_id)
        if before.room_id and request.room_id == before.room_id:
            # Machine interpretation goes on for the resident; only the interpreter leaves.
            await self.hub.publish(
                room_channel(before.room_id),
                {"event": RoomEvent.INTERPRETER_RELEASED, "user": volunteer_id},
            )
        elif before.room_id:
            await self.hub.publish(
                room_channel(before.room_id), {"event": RoomEvent.ROOM_CLOSED, "reason": "released"}
            )
        await self.hub.publish(request_channel(request_id), {"event": "released"})
        await self._announce(
            request.language_code, {"event": "request.back", "request": request.as_dict()}
        )
        return request

    async def close_room(self, room_id: str, reason: str) -> bool:
        room = await self.rooms.get(room_id)
        waiting = None
        if room.request_id:
            request = await self.queue.get(room.request_id)
            waiting = request if request.status == RequestStatus.OPEN else None
        closed = await self.rooms.close(room_id)
        if closed:
            event = {"event": RoomEvent.ROOM_CLOSED, "reason": reason}
            await self.hub.publish(room_channel(room_id), event)
            if room.request_id:
                await self.hub.publish(request_channel(room.request_id), {"event": "closed"})
            if waiting is not None:
                # A request still in the queue (machine interpretation) ends with its room.
                await self._announce(
                    waiting.language_code,
                    {"event": "request.gone", "id": waiting.id, "reason": "cancelled"},
                )
        return closed

    async def sweep(self) -> None:
        """One pass over what time changes in the queue."""
        for request in await self.queue.mark_long_waits():
            await self.hub.publish(request_channel(request.id), {"event": "long_wait"})
            await self._announce(
                request.language_code, {"event": "request.long_wait", "id": request.id}
            )
        for request in await self.queue.expire_stale():
            await self.hub.publish(request_channel(request.id), {"event": "expired"})
            if request.room_id and (await self.rooms.get(request.room_id)).machine:
                # Its machine interpretation ends with it (a meeting goes on without).
                await self.close_room(request.room_id, "expired")
            await self._announce(
                request.language_code,
                {"event": "request.gone", "id": request.id, "reason": "expired"},
            )
        for request_id, volunteer_id in await self.rooms.unstarted_matches(self.join_grace):
            try:
                await self.release(request_id, volunteer_id)
            except DomainError:  # another node released it first, or the call just started
                log.debug("request %s was not handed back", request_id, exc_info=True)
        for sweep in self._more_sweeps:
            await sweep()

    async def run_sweeper(self, interval_s: float = 1.0) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                # A passing database fault must not stop the sweeper for good.
                log.exception("queue sweep failed")
            await asyncio.sleep(interval_s)
