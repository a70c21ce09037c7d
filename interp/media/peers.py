"""The server's end of each speaker's send-only caption connection.

Call media stays browser to browser. While captions are on, each speaker's page
opens one more peer connection, to the server, that carries only their
microphone; the server answers it here and streams the audio into a sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import SessionDescription

from interp.media.receiver import AudioSink, consume_audio, drain


class OfferError(ValueError):
    """A speaker's offer cannot be answered (malformed, or carries no audio)."""


def check_offer(offer_sdp: str) -> None:
    """Refuse an offer that cannot carry a speaker's audio, before anything is replaced."""
    try:
        offer = SessionDescription.parse(offer_sdp)
    except Exception as exc:  # the parser raises several kinds on malformed SDP
        raise OfferError(f"the offer is not valid SDP: {exc}") from exc
    if not any(media.kind == "audio" for media in offer.media):
        raise OfferError("the offer carries no audio")
    # aiortc answers an offer without these, then fails in a task of its own once ICE or
    # DTLS starts, where nobody can tell the speaker: refuse it here instead.
    for media in offer.media:
        if media.ice is None or not media.ice.usernameFragment or not media.ice.password:
            raise OfferError("the offer has no ICE credentials")
        # The parser copies a session-level fingerprint into every media section.
        if media.dtls is None or not media.dtls.fingerprints:
            raise OfferError("the offer has no DTLS fingerprint")


def ice_configuration(ice_servers: list[dict[str, Any]]) -> RTCConfiguration:
    servers = [
        RTCIceServer(
            urls=server["urls"],
            username=server.get("username"),
            credential=server.get("credential"),
        )
        for server in ice_servers
    ]
    return RTCConfiguration(iceServers=servers)


class _CaptionPeer:
    def __init__(self, pc: RTCPeerConnection) -> None:
        self.pc = pc
        self.tasks: set[asyncio.Task[Any]] = set()

    async def close(self) -> None:
        await self.pc.close()
        # Closing the connection ends the tracks, so the readers finish on their own.
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=5)


class CaptionPeers:
    """Open caption connections by key (one per speaker); a new offer replaces the old one."""

    def __init__(self, ice_servers: list[dict[str, Any]] | None = None) -> None:
        self._configuration = ice_configuration(ice_servers or [])
        self._peers: dict[str, _CaptionPeer] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._peers

    def __len__(self) -> int:
        return len(self._peers)

    async def answer(
        self,
        key: str,
        offer_sdp: str,
        make_sink: Callable[[], AudioSink],
        on_end: Callable[[], None] | None = None,
    ) -> str:
        """Accept a speaker's offer; their audio goes to ``make_sink()``. Returns the answer SDP."""
        await self.close(key)
        pc = RTCPeerConnection(self._configuration)
        peer = _CaptionPeer(pc)
        self._peers[key] = peer

        @pc.on("track")
        def on_track(track: Any) -> None:
            task: asyncio.Task[Any]
            if track.kind == "audio":
                task = asyncio.create_task(consume_audio(track, make_sink()))
                if on_end is not None:
                    task.add_done_callback(lambda _: on_end())
            else:
                task = asyncio.create_task(drain(track))
            peer.tasks.add(task)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "failed" and self._peers.get(key) is peer:
                await self.close(key)

        try:
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            except Exception as exc:  # aiortc raises several kinds on a malformed SDP
                raise OfferError(f"the offer is not valid SDP: {exc}") from exc
            if not any(t.kind == "audio" for t in pc.getTransceivers()):
                raise OfferError("the offer carries no audio")
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception:
            await self.close(key)
            raise
        return pc.localDescription.sdp

    async def close(self, key: str) -> None:
        peer = self._peers.pop(key, None)
        if peer is not None:
            await peer.close()

    async def close_all(self) -> None:
        for key in list(self._peers):
            await self.close(key)
