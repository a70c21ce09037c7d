"""Call signalling: participants of a room exchange offers, answers, ICE candidates and mute state.

Everything goes through the room's hub channel, so participants connected to
different nodes reach each other. Each connection is one page load, named by
its ``session``; a peer learns of the others from ``peer.joined`` (someone
arrived) and ``peer.present`` (someone already there answered the arrival).
Of any two peers, the one with the smaller session id makes the offer, so
both sides never offer at once.

While a participant's captions are on, their audio reaches the server over a
connection of its own (``interp.live``); every page subscribes to the caption
channels of the languages it reads.

A connection that drops without ``leave`` is shown to the others as
``peer.reconnecting``; if the same participant is back within the grace period
it simply joins again, otherwise the others see ``peer.left``. An interpreter
who never arrives, or drops before the call started, hands the request back.

A caseworker's meeting has a host (its caseworker, or a coordinator) and rules of its
own: a guest waits, unseen by the others, until the host lets them in; the host may
remove anyone and end the meeting for everyone; nobody else leaving ends it. In a
meeting held in a room, the host's device captions the whole room, and the host says
who is speaking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from interp.domain.errors import DomainError, InvalidInput
from interp.domain.meetings import MeetingInfo, Meetings, clean_name
from interp.domain.rooms import Participant, RoomInfo, Rooms
from interp.hub import Hub, HubMessage, Subscription, SubscriptionLost
from interp.hub.channels import captions_channel, room_channel
from interp.live.interface import CaptionsUnavailable, LiveCaptioning, OfferError
from interp.realtime.connection import Connection
from interp.realtime.dispatch import Dispatcher
from interp.realtime.protocol import ID_CHARS, ROOM_MESSAGES

log = logging.getLogger(__name__)

# Signals relayed to one peer, named by its session id.
SIGNALS = ("offer", "answer", "ice")
# (room id, name): a host named who speaks into their microphone.
SpeakerNamed = Callable[[str, str], Awaitable[Any]]
# What only a meeting's host may send.
HOST_MESSAGES = ("meeting.admit", "meeting.remove", "meeting.end", "captions.speaker")
# What a guest still waiting to be let in may send; anything else is refused with "waiting".
WHILE_WAITING = ("leave", "mute", "captions.language")


@dataclass
class PeerState:
    participant: Participant
    session: str
    audio: bool = True
    video: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.participant.as_dict(),
            "session": self.session,
            "audio": self.audio,
            "video": self.video,
        }


@dataclass
class MeetingSeat:
    """A connection's place in a meeting: the host, a guest waiting to be let in, or in."""

    meeting: MeetingInfo
    host: bool
    waiting: bool

    def as_dict(self) -> dict[str, Any]:
        meeting = self.meeting
        return {
            "id": meeting.id,
            "title": meeting.title,
            "mode": meeting.mode,
            "max_participants": meeting.max_participants,
            "host": self.host,
        }


class CallService:
    """Serves room connections on this node and keeps the grace-period watchers."""

    schema = ROOM_MESSAGES

    def __init__(
        self,
        dispatcher: Dispatcher,
        rooms: Rooms,
        ice_servers: list[dict[str, Any]],
        grace_s: float,
        live: LiveCaptioning,
        meetings: Meetings,
        speaker_named: SpeakerNamed | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.rooms = rooms
        self.meetings = meetings
        # Told each name a host gives a speaker in the room (consent asks them too).
        self.speaker_named = speaker_named
        self.ice_servers = ice_servers
        self.grace_s = grace_s
        self.live = live
        self._watchers: set[asyncio.Task[None]] = set()
        # Open connections per participant on this node: a quick return needs no watcher.
        self._connected: Counter[str] = Counter()

    @property
    def hub(self) -> Hub:
        return self.dispatcher.hub

    async def serve(self, conn: Connection, participant: Participant, session: str) -> None:
        room = await self.rooms.get(participant.room_id)
        seat = await self._seat(participant) if room.kind == "meeting" else None
        if room.kind == "meeting" and seat is None:
            # Removed by the host: this link does not let them back in.
            await conn.send({"type": "room.closed", "reason": "removed"})
            await conn.close(1000, "removed")
            return
        me = PeerState(participant, session, audio=True, video=room.media == "video")
        call = _CallConnection(self, conn, room, me, seat)
        self._connected[participant.id] += 1
        try:
            await call.run()
        finally:
            self._connected[participant.id] -= 1

    async def _seat(self, participant: Participant) -> MeetingSeat | None:
        meeting = await self.meetings.for_room(participant.room_id)
        attendee = await self.meetings.attendee(participant.id)
        if meeting is None or attendee.removed:
            return None
        return MeetingSeat(meeting, host=attendee.host, waiting=not attendee.admitted)

    async def announce_waiting(self, meeting: MeetingInfo) -> None:
        """Tell the hosts who is waiting to be let in now."""
        waiting = [a.as_dict() for a in await self.meetings.waiting(meeting.id)]
        event = {"event": "meeting.waiting", "audience": "hosts", "waiting": waiting}
        await self.hub.publish(room_channel(meeting.room_id), event)

    async def end_meeting(self, meeting: MeetingInfo) -> bool:
        """End the meeting for everyone in it; False if it had already ended."""
        ended = await self.meetings.end(meeting.id)
        closed = await self.dispatcher.close_room(meeting.room_id, "ended")
        return ended or closed

    def connected_elsewhere(self, participant_id: str) -> bool:
        """Whether the participant has another open connection on this node."""
        return self._connected[participant_id] > 1

    def watch_departure(self, me: PeerState, room: RoomInfo) -> None:
        task = asyncio.create_task(self._await_return(me, room))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _await_return(self, me: PeerState, room: RoomInfo) -> None:
        channel = room_channel(room.id)
        async with self.hub.subscribe(channel) as sub:
            await self.hub.publish(channel, {"event": "peer.reconnecting", "peer": me.as_dict()})
            with contextlib.suppress(TimeoutError, SubscriptionLost):
                async with asyncio.timeout(self.grace_s):
                    async for message in sub:
                        event = message.data
                        if event.get("event") == "room.closed":
                            return
                        if (
                            event.get("event") == "peer.joined"
                            and event["peer"]["id"] == me.participant.id
                        ):
                            return  # back in time: nothing to tell anyone
        if self._connected[me.participant.id] <= 0:
            await self.depart(me, room, reason="gone")

    async def depart(self, me: PeerState, room: RoomInfo, reason: str) -> None:
        everyone_gone = await self.rooms.mark_left(me.participant.id)
        await self.hub.publish(
            room_channel(room.id), {"event": "peer.left", "peer": me.as_dict(), "reason": reason}
        )
        current = await self.rooms.get(room.id)
        if (
            me.participant.role == "interpreter"
            and current.started_at is None
            and current.closed_at is None
            and room.request_id
            and me.participant.user_id
        ):
            # The interpreter went before the call started: the resident goes back to the head.
            try:
                await self.dispatcher.release(room.request_id, me.participant.user_id)
            except DomainError:
                log.debug("request %s was not handed back", room.request_id, exc_info=True)
        elif everyone_gone and current.started_at is not None and room.kind != "meeting":
            # The last one has gone for good: end the call so its links stop working. (A
            # meeting ends when its host says so: people may come and go until then.)
            await self.dispatcher.close_room(room.id, "ended")

    async def depart_waiting(self, me: PeerState, meeting: MeetingInfo) -> None:
        """A guest who was still waiting has gone: nobody but the hosts knew them."""
        await self.rooms.mark_left(me.participant.id)
        await self.announce_waiting(meeting)

    async def close(self) -> None:
        for task in list(self._watchers):
            task.cancel()
        for task in list(self._watchers):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.live.close()


class _CallConnection:
    def __init__(
        self,
        service: CallService,
        conn: Connection,
        room: RoomInfo,
        me: PeerState,
        seat: MeetingSeat | None = None,
    ):
        self.service = service
        self.conn = conn
        self.room = room
        self.me = me
        self.seat = seat
        # In an in-room meeting: who the host's microphone hears, when not the host.
        self.speaker_name: str | None = None
        self.channel = room_channel(room.id)
        self.closed_reason: str | None = None
        self.left = False
        self.reading = room.default_reading(me.participant, service.live.local_language)
        if me.participant.caption_languages:
            self.reading = me.participant.caption_languages
        self._captions_pump: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Names this socket: a page that reconnects keeps its session, and the old socket's
        # end must not stop the captions the new one started.
        self.connection_id = secrets.token_hex(8)

    def _captions_info(self) -> dict[str, Any]:
        live = self.service.live
        why = live.unavailable()
        return {
            "available": why is None,
            # "off" (switched off here) or "no_model", for the page to say in its language.
            "reason_code": why[0] if why else None,
            "reason": why[1] if why else None,
            "reading": list(self.reading),
            "languages": list(self.room.spoken_languages(live.local_language)),
            "machine": self.room.machine,
            "local_language": live.local_language,
        }

    @property
    def waiting(self) -> bool:
        return self.seat is not None and self.seat.waiting

    @property
    def host(self) -> bool:
        return self.seat is not None and self.seat.host

    async def run(self) -> None:
        hub = self.service.hub
        async with hub.subscribe(self.channel) as sub:
            started = await self.service.rooms.mark_joined(self.me.participant.id)
            joined: dict[str, Any] = {
                "type": "joined",
                "you": self.me.as_dict(),
                "room": {"id": self.room.id, "media": self.room.media},
                "ice_servers": self.service.ice_servers,
                "captions": self._captions_info(),
            }
            if self.seat is not None:
                joined.update(meeting=self.seat.as_dict(), waiting=self.seat.waiting)
            await self.conn.send(joined)
            if self.waiting:
                assert self.seat is not None
                await self.service.announce_waiting(self.seat.meeting)
            else:
                await hub.publish(
                    self.channel, {"event": "peer.joined", "peer": self.me.as_dict()}
                )
                if started and self.seat is None:
                    await hub.publish(self.channel, {"event": "room.started"})
                await self._arrived()
            pump = asyncio.create_task(self._pump(sub))
            if not self.waiting:
                self._follow_captions()
            try:
                while not self.left and (message := await self.conn.receive()) is not None:
                    await self._handle(message)
            finally:
                for task in [pump, self._captions_pump, *self._tasks]:
                    if task is not None:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                await self._stop_captions()
        # Gone without leaving, and not already back on another socket (a page that
        # reconnected before the server noticed the old one drop).
        if self.closed_reason is None and not self.left and not self.service.connected_elsewhere(
            self.me.participant.id
        ):
            if self.seat is not None and self.seat.waiting:
                await self.service.depart_waiting(self.me, self.seat.meeting)
            else:
                self.service.watch_departure(self.me, self.room)

    async def _arrived(self) -> None:
        """In a meeting: the host's arrival starts it (and shows them who waits); an
        interpreter's is noted for the meeting's history."""
        if self.seat is None:
            return
        meetings = self.service.meetings
        meeting = self.seat.meeting
        if self.seat.host:
            if await meetings.mark_started(meeting.id):
                await self.service.hub.publish(self.channel, {"event": "meeting.started"})
            waiting = [a.as_dict() for a in await meetings.waiting(meeting.id)]
            await self.conn.send({"type": "meeting.waiting", "waiting": waiting})
        elif self.me.participant.role == "interpreter":
            await meetings.mark_interpreter_joined(meeting.id)

    async def _admitted(self) -> None:
        """The host let this waiting guest in: the others meet them now."""
        assert self.seat is not None
        self.seat.waiting = False
        await self.conn.send({"type": "meeting.admitted"})
        await self.service.hub.publish(
            self.channel, {"event": "peer.joined", "peer": self.me.as_dict()}
        )
        self._follow_captions()

    async def _removed(self) -> None:
        """The host removed this participant: their page closes and the others see them go."""
        self.closed_reason = "removed"
        if not self.waiting:
            event = {"event": "peer.left", "peer": self.me.as_dict(), "reason": "removed"}
            await self.service.hub.publish(self.channel, event)
        await self.conn.send({"type": "room.closed", "reason": "removed"})

    def _follow_captions(self) -> None:
        """(Re)subscribe to the caption channels of the languages this page reads."""
        if self._captions_pump is not None:
            self._captions_pump.cancel()
        channels = [captions_channel(self.room.id, lang) for lang in self.reading]
        self._captions_pump = asyncio.create_task(self._pump_captions(channels))

    async def _pump_captions(self, channels: list[str]) -> None:
        while True:
            try:
                async with self.service.hub.subscribe(*channels) as sub:
                    async for message in sub:
                        await self.conn.send(message.data)
            except SubscriptionLost:
                continue  # a slow reader missed captions: carry on with the next ones

    async def _pump(self, sub: Subscription) -> None:
        try:
            async for message in sub:
                if not await self._forward(message):
                    await self.conn.close(1000, "room closed")
                    return
        except SubscriptionLost:
            # Signals may have been lost: make the page reconnect and renegotiate.
            await self.conn.close(1012, "resynchronise")

    async def _forward(self, message: HubMessage) -> bool:
        """Pass a room event on to this client; False once the room has closed."""
        event = message.data
        kind = event.get("event")
        mine = self.me.session
        if kind == "room.closed":
            self.closed_reason = event["reason"]
            await self.conn.send({"type": "room.closed", "reason": event["reason"]})
            return False
        if kind in ("meeting.admitted", "meeting.removed"):
            if event["participant"] != self.me.participant.id:
                return True
            if kind == "meeting.removed":
                await self._removed()
                return False
            if self.waiting:
                await self._admitted()
            return True
        if self.waiting and not (kind or "").startswith("meeting."):
            return True  # a guest not yet let in sees and hears nobody
        if kind == "room.started":
            await self.conn.send({"type": "room.started"})
        elif kind in ("peer.joined", "peer.reconnecting", "peer.left"):
            if kind != "peer.reconnecting":
                self.service.live.readers_changed(self.room.id)  # who reads what has changed
            peer = event["peer"]
            if peer["session"] == mine:
                return True
            if kind == "peer.joined" and peer["id"] == self.me.participant.id:
                # The same person opened the call elsewhere; that page takes over.
                self.closed_reason = "replaced"
                await self.conn.send({"type": "room.closed", "reason": "replaced"})
                return False
            client: dict[str, Any] = {"type": kind, "peer": peer}
            if kind == "peer.left":
                client["reason"] = event.get("reason", "left")
            await self.conn.send(client)
            if kind == "peer.joined":
                present = {
                    "event": "peer.present",
                    "peer": self.me.as_dict(),
                    "to": peer["session"],
                }
                await self.service.hub.publish(self.channel, present)
                if self.service.live.is_on(self.me.participant.id, self.connection_id):
                    await self._announce_captions(True)  # the newcomer learns who is captioned
        elif kind == "peer.present" and event["to"] == mine:
            await self.conn.send({"type": "peer.present", "peer": event["peer"]})
        elif kind == "signal" and event["to"] == mine:
            await self.conn.send({**event["message"], "from": event["from"]})
        elif kind == "mute" and event["peer"]["session"] != mine:
            await self.conn.send({"type": "mute", "peer": event["peer"]})
        elif kind == "captions.state":
            state = {"type": "captions.state", "peer": event["peer"], "on": event["on"]}
            await self.conn.send(state)
        elif kind == "captions.behind":
            behind = {"type": "captions.behind", "peer": event["peer"], "behind": event["behind"]}
            await self.conn.send(behind)
        elif kind is not None and kind.startswith("meeting."):
            # Meeting events (see interp.http and docs/protocol.md) pass through as they are;
            # one naming a participant goes to that participant's pages only, one for the
            # "hosts" audience to the hosts' pages only.
            target = event.get("participant")
            for_me = target is None or target == self.me.participant.id
            if for_me and (event.get("audience") != "hosts" or self.host):
                fields = {k: v for k, v in event.items() if k not in ("event", "audience")}
                await self.conn.send({"type": kind, **fields})
        elif kind == "interpreter.released" and event["user"] == self.me.participant.user_id:
            # Handed back while machine interpretation goes on: only this page ends.
            self.closed_reason = "released"
            await self.conn.send({"type": "room.closed", "reason": "released"})
            return False
        return True

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        hub = self.service.hub
        if self.waiting and kind not in WHILE_WAITING:
            await self.conn.reject("waiting", "Wait until the host lets you in.")
            return
        if kind in HOST_MESSAGES:
            await self._host_message(message)
            return
        if kind in SIGNALS:
            to = message.pop("to")
            await hub.publish(
                self.channel,
                {"event": "signal", "from": self.me.session, "to": to, "message": message},
            )
        elif kind == "mute":
            self.me.audio, self.me.video = message["audio"], message["video"]
            if not self.waiting:  # otherwise the others learn it when the guest is let in
                await hub.publish(self.channel, {"event": "mute", "peer": self.me.as_dict()})
        elif kind == "release":
            await self._release()
        elif kind == "leave":
            self.left = True
            if self.seat is not None and self.seat.waiting:
                await self.service.depart_waiting(self.me, self.seat.meeting)
            else:
                await self.service.depart(self.me, self.room, reason="left")
            if self.seat is None and self.me.participant.role in ("resident", "interpreter"):
                # In a resident's call, either of the two leaving ends it for both.
                await self.service.dispatcher.close_room(self.room.id, "ended")
            await self.conn.close(1000, "left")
        elif kind == "hello":
            await self.conn.reject("invalid", "You have already joined.")
        elif kind == "captions.start":
            # Answering may first load the speech model: signalling must not wait for it.
            task = asyncio.create_task(self._start_captions(message["sdp"]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif kind == "captions.stop":
            await self._stop_captions()
            await self.conn.send({"type": "captions.stopped"})
        elif kind == "captions.language":
            await self._choose_languages(message["languages"])

    async def _start_captions(self, offer_sdp: str) -> None:
        live = self.service.live
        try:
            room = await self.service.rooms.get(self.room.id)
            answer = await live.start(
                room, self.me.participant, self.connection_id, offer_sdp, self._hears()
            )
        except CaptionsUnavailable as exc:
            await self.conn.reject("captions_unavailable", str(exc))
            return
        except OfferError as exc:
            await self.conn.reject("invalid_offer", f"The caption connection failed: {exc}.")
            return
        if self.speaker_name:
            live.relabel(self.room.id, self.me.participant.id, self.speaker_name)
        await self.conn.send({"type": "captions.answer", "sdp": answer})
        await self._announce_captions(True)

    def _hears(self) -> tuple[str, ...]:
        """The languages the host's device may hear in an in-room meeting: everyone's."""
        if self.seat is None or not self.seat.host or not self.seat.meeting.in_room:
            return ()
        local = self.service.live.local_language
        return (*self.seat.meeting.languages, local)

    async def _stop_captions(self) -> None:
        live = self.service.live
        if live.is_on(self.me.participant.id, self.connection_id):
            # Said at once; the last sentence is still finalised and delivered after.
            await self._announce_captions(False)
            await live.stop(self.room.id, self.me.participant.id, self.connection_id)

    async def _announce_captions(self, on: bool) -> None:
        event = {"event": "captions.state", "peer": self.me.as_dict(), "on": on}
        await self.service.hub.publish(self.channel, event)

    async def _choose_languages(self, languages: list[Any]) -> None:
        if not all(isinstance(code, str) and len(code) <= ID_CHARS for code in languages):
            await self.conn.reject("invalid", "'languages' must be a list of language codes.")
            return
        try:
            chosen = await self.service.rooms.set_caption_languages(
                self.me.participant.id, languages
            )
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)
            return
        self.reading = chosen
        self.service.live.readers_changed(self.room.id)
        if not self.waiting:
            self._follow_captions()
        await self.conn.send({"type": "captions.reading", "languages": list(chosen)})

    async def _host_message(self, message: dict[str, Any]) -> None:
        if self.seat is None or not self.seat.host:
            await self.conn.reject("forbidden", "Only the meeting's host can do that.")
            return
        kind = message["type"]
        meetings = self.service.meetings
        meeting = self.seat.meeting
        hub = self.service.hub
        try:
            if kind == "meeting.admit":
                guest = await meetings.admit(meeting.id, message["participant"])
                admitted = {"event": "meeting.admitted", "participant": guest.id}
                await hub.publish(self.channel, admitted)
                await self.service.announce_waiting(meeting)
            elif kind == "meeting.remove":
                gone = await meetings.remove(meeting.id, message["participant"])
                removed = {"event": "meeting.removed", "participant": gone.id}
                await hub.publish(self.channel, removed)
                await self.service.announce_waiting(meeting)
            elif kind == "meeting.end":
                await self.service.end_meeting(meeting)
            elif kind == "captions.speaker":
                await self._name_speaker(message["name"])
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)

    async def _name_speaker(self, name: str) -> None:
        """Label what the host's microphone hears next; "" gives it back to the host."""
        assert self.seat is not None
        if not self.seat.meeting.in_room:
            raise InvalidInput("Speakers are named only in meetings held in a room.")
        self.speaker_name = clean_name(name) if name.strip() else None
        self.service.live.relabel(self.room.id, self.me.participant.id, self.speaker_name)
        if self.speaker_name and self.service.speaker_named is not None:
            await self.service.speaker_named(self.room.id, self.speaker_name)
        await self.conn.send({"type": "captions.speaker", "name": self.speaker_name or ""})

    async def _release(self) -> None:
        participant = self.me.participant
        if participant.role != "interpreter" or not self.room.request_id or not participant.user_id:
            await self.conn.reject("forbidden", "Only the interpreter can hand a request back.")
            return
        try:
            await self.service.dispatcher.release(self.room.request_id, participant.user_id)
        except DomainError as exc:
            await self.conn.reject(exc.code, exc.message)
