"""A page's caption connection made of aiortc: it sends a file as the microphone.

It does what call.js does when captions go on: a separate send-only peer connection
to the server, offered whole (aiortc gathers ICE before it returns the offer) in
``captions.start`` over the room WebSocket, answered by ``captions.answer``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from tests.live_server import JsonSocket


class CaptionSender:
    def __init__(self, socket: JsonSocket, media_file: Path) -> None:
        self.socket = socket
        self.player = MediaPlayer(str(media_file))
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.sent = asyncio.Event()  # the whole file has been played out
        assert self.player.audio is not None
        self.player.audio.on("ended", self.sent.set)

    async def start(self) -> None:
        """Offer the file's audio; returns once the server has answered."""
        self.pc.addTransceiver(self.player.audio, direction="sendonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.socket.send({"type": "captions.start", "sdp": self.pc.localDescription.sdp})
        answer = await self.socket.expect("captions.answer", within=60)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def wait_sent(self, within: float = 120) -> None:
        await asyncio.wait_for(self.sent.wait(), within)

    async def close(self) -> None:
        await self.pc.close()
