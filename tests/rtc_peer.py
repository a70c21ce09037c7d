"""A call participant made of aiortc: it speaks the room protocol exactly as call.js does.

It joins over /ws/room, learns of peers from ``peer.joined``/``peer.present``, offers
when its session id is the smaller, answers otherwise, and counts the audio frames
it receives, so tests can check real media flowed between two real peers.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from tests.live_server import JsonSocket


class RtcPeer:
    def __init__(self, socket: JsonSocket, hello: dict[str, Any], media_file: str | None) -> None:
        self.socket = socket
        self.hello = hello
        self.session = secrets.token_hex(8)
        self.media_file = media_file
        # Empty ICE servers: aiortc's default adds a public STUN server, unreachable here.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.player: MediaPlayer | None = None
        self.peer_session: str | None = None
        self.audio_frames = 0
        self.connected = asyncio.Event()
        self.audio_arrived = asyncio.Event()
        self._frame = asyncio.Event()  # set on every received audio frame
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []  # one audio reader per received track
        self._listener: asyncio.Task[None] | None = None

        @self.pc.on("connectionstatechange")
        def _state() -> None:
            if self.pc.connectionState == "connected":
                self.connected.set()

        @self.pc.on("track")
        def _track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self._tasks.append(asyncio.create_task(self._count_audio(track)))

    async def _count_audio(self, track: MediaStreamTrack) -> None:
        # Read every frame: an unread aiortc track queues frames without bound.
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.audio_frames += 1
                self._frame.set()
                if self.audio_frames >= 25:  # half a second of 20 ms Opus frames
                    self.audio_arrived.set()

    async def join(self) -> dict[str, Any]:
        if self.media_file:
            self.player = MediaPlayer(self.media_file)
            assert self.player.audio is not None
            self.pc.addTrack(self.player.audio)
        else:
            self.pc.addTransceiver("audio", direction="recvonly")
        await self.socket.send({"type": "hello", "session": self.session, **self.hello})
        joined = await self.socket.expect("joined")
        self._listener = asyncio.create_task(self._listen())
        return joined

    async def _listen(self) -> None:
        while True:
            message = await self.socket.receive(within=3600)
            await self.messages.put(message)
            kind = message["type"]
            if kind in ("peer.joined", "peer.present"):
                self.peer_session = message["peer"]["session"]
                if self.session < self.peer_session and self.pc.signalingState == "stable":
                    await self.pc.setLocalDescription(await self.pc.createOffer())
                    await self._send_description()
            elif kind == "offer":
                self.peer_session = message["from"]
                await self.pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self._send_description()
            elif kind == "answer":
                await self.pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "answer"))

    async def _send_description(self) -> None:
        # aiortc gathers every candidate before setLocalDescription returns, so the SDP
        # carries them all; the end-of-candidates marker still goes as an "ice" message.
        description = self.pc.localDescription
        await self.socket.send(
            {"type": description.type, "to": self.peer_session, "sdp": description.sdp}
        )
        await self.socket.send({"type": "ice", "to": self.peer_session, "candidate": ""})

    async def drop_signalling(self) -> None:
        """Lose the WebSocket the way a flaky network does: no ``leave``, media untouched."""
        await self._stop_listening()
        await self.socket.close()

    async def rejoin(self, socket: JsonSocket) -> dict[str, Any]:
        """Come back on a new WebSocket with the same session, as call.js does after a drop."""
        self.socket = socket
        await socket.send({"type": "hello", "session": self.session, **self.hello})
        joined = await socket.expect("joined")
        self._listener = asyncio.create_task(self._listen())
        return joined

    async def _stop_listening(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                async with asyncio.timeout(10):
                    await self._listener
            self._listener = None

    async def wait_connected(self, within: float = 30) -> None:
        """Wait for the peer connection to connect; fail with its state instead of hanging."""
        try:
            async with asyncio.timeout(within):
                await self.connected.wait()
        except TimeoutError:
            state = (self.pc.connectionState, self.pc.iceConnectionState, self.pc.signalingState)
            raise AssertionError(f"not connected after {within} s: {state}") from None

    async def wait_audio(self, within: float = 30) -> None:
        async with asyncio.timeout(within):
            await self.audio_arrived.wait()

    async def more_audio(self, than: int) -> None:
        """Wait until more than ``than`` audio frames have arrived."""
        while self.audio_frames <= than:
            self._frame.clear()
            await self._frame.wait()

    async def next_message(self, kind: str, within: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                message = await self.messages.get()
                if message["type"] == kind:
                    return message

    async def close(self) -> None:
        await self._stop_listening()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.player and self.player.audio:
            self.player.audio.stop()  # first the file reader, then the connection it feeds
        try:
            async with asyncio.timeout(15):
                await self.pc.close()
        except TimeoutError:
            raise AssertionError("aiortc did not close the peer connection in 15 s") from None
        finally:
            await self.socket.close()
