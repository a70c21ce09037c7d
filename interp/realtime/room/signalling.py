"""Call signalling: participants of a room exchange offers, answers, ICE candidates and
mute state, and learn who else is there.

Everything goes through the room's hub channel, so participants connected to
different nodes reach each other. Each connection is one page load, named by its
``session``; a peer learns of the others from ``peer.joined`` (someone arrived) and
``peer.present`` (someone already there answered the arrival). Of any two peers, the
one with the smaller session id makes the offer, so both sides never offer at once.
"""

from __future__ import annotations

from typing import Any

from interp.hub.events import RoomEvent
from interp.realtime.messages import (
    Mute,
    PeerJoined,
    PeerLeft,
    PeerPresent,
    PeerReconnecting,
    RoomStarted,
    relayed_signal,
)
from interp.realtime.room.call import Call, Handler
from interp.realtime.room.captions import CaptionsPart


class Signalling:
    def __init__(self, call: Call, captions: CaptionsPart) -> None:
        self.call = call
        self.captions = captions
        self.events: dict[str, Handler] = {
            RoomEvent.ROOM_STARTED: self._room_started,
            RoomEvent.PEER_JOINED: self._peer_joined,
            RoomEvent.PEER_PRESENT: self._peer_present,
            RoomEvent.PEER_RECONNECTING: self._peer_reconnecting,
            RoomEvent.PEER_LEFT: self._peer_left,
            RoomEvent.SIGNAL: self._signal,
            RoomEvent.MUTE: self._peer_muted,
        }
        self.messages: dict[str, Handler] = {
            "offer": self._relay,
            "answer": self._relay,
            "ice": self._relay,
            "mute": self._mute,
        }

    def _mine(self, peer: dict[str, Any]) -> bool:
        return bool(peer["session"] == self.call.me.session)

    async def arrive(self) -> None:
        """Tell the others this page is here."""
        await self.call.publish({"event": RoomEvent.PEER_JOINED, "peer": self.call.me.as_dict()})

    async def _room_started(self, event: dict[str, Any]) -> None:
        started: RoomStarted = {"type": "room.started"}
        await self.call.send(started)

    async def _peer_joined(self, event: dict[str, Any]) -> None:
        call = self.call
        self.captions.readers_changed()
        peer = event["peer"]
        if self._mine(peer):
            return
        if peer["id"] == call.me.participant.id:
            # The same person opened the call elsewhere; that page takes over.
            await call.close_for_me("replaced")
            return
        joined: PeerJoined = {"type": "peer.joined", "peer": peer}
        await call.send(joined)
        me = call.me.as_dict()
        await call.publish({"event": RoomEvent.PEER_PRESENT, "peer": me, "to": peer["session"]})
        if self.captions.on:
            await self.captions.announce(True)  # the newcomer learns who is captioned

    async def _peer_present(self, event: dict[str, Any]) -> None:
        if event["to"] == self.call.me.session:
            present: PeerPresent = {"type": "peer.present", "peer": event["peer"]}
            await self.call.send(present)

    async def _peer_reconnecting(self, event: dict[str, Any]) -> None:
        if not self._mine(event["peer"]):
            reconnecting: PeerReconnecting = {"type": "peer.reconnecting", "peer": event["peer"]}
            await self.call.send(reconnecting)

    async def _peer_left(self, event: dict[str, Any]) -> None:
        self.captions.readers_changed()
        if not self._mine(event["peer"]):
            left: PeerLeft = {
                "type": "peer.left",
                "peer": event["peer"],
                "reason": event.get("reason", "left"),
            }
            await self.call.send(left)

    async def _signal(self, event: dict[str, Any]) -> None:
        if event["to"] == self.call.me.session:
            await self.call.send(relayed_signal(event["message"], event["from"]))

    async def _peer_muted(self, event: dict[str, Any]) -> None:
        if not self._mine(event["peer"]):
            muted: Mute = {"type": "mute", "peer": event["peer"]}
            await self.call.send(muted)

    async def _relay(self, message: dict[str, Any]) -> None:
        """An offer, answer or ICE candidate for one peer, named by its session."""
        to = message.pop("to")
        sender = self.call.me.session
        signal = {"event": RoomEvent.SIGNAL, "from": sender, "to": to, "message": message}
        await self.call.publish(signal)

    async def _mute(self, message: dict[str, Any]) -> None:
        me = self.call.me
        me.audio, me.video = message["audio"], message["video"]
        if self.call.in_call:  # otherwise the others learn it when the guest is let in
            await self.call.publish({"event": RoomEvent.MUTE, "peer": me.as_dict()})
