"""A speaker's send-only connection delivers their audio to the server as 16 kHz mono PCM."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from interp.media.peers import CaptionPeers, OfferError
from tests.helpers.speech import read_pcm

SPEECH = Path(__file__).parent.parent / "data" / "en_speechbrain_spk1_snt1.wav"


def envelope(samples: np.ndarray, window: int = 320) -> np.ndarray:
    frames = samples[: samples.size // window * window].reshape(-1, window)
    return np.sqrt((frames**2).mean(axis=1))


def best_envelope_correlation(sent: np.ndarray, received: np.ndarray) -> float:
    a, b = envelope(sent), envelope(received)
    best = 0.0
    # Received audio starts a little late (connection set-up, jitter buffer).
    for shift in range(0, max(1, b.size - a.size // 2)):
        n = min(a.size, b.size - shift)
        if n < a.size // 2:
            break
        best = max(best, float(np.corrcoef(a[:n], b[shift : shift + n])[0, 1]))
    return best


async def send_file(peers: CaptionPeers, key: str, path: Path, chunks: list[np.ndarray]) -> None:
    player = MediaPlayer(str(path))
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    client.addTransceiver(player.audio, direction="sendonly")
    file_sent = asyncio.Event()
    player.audio.on("ended", file_sent.set)
    ended = asyncio.Event()
    try:
        await client.setLocalDescription(await client.createOffer())
        answer = await peers.answer(key, client.localDescription.sdp, lambda: chunks.append,
                                    on_end=ended.set)
        await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        # The player sends in real time; then give the last packets time to arrive.
        await asyncio.wait_for(file_sent.wait(), 30)
        await asyncio.sleep(0.5)
    finally:
        await client.close()
    await asyncio.wait_for(ended.wait(), 10)


@pytest.mark.usefixtures("loopback_ice")
async def test_received_audio_is_the_speech_that_was_sent() -> None:
    peers = CaptionPeers()
    chunks: list[np.ndarray] = []
    await send_file(peers, "speaker-1", SPEECH, chunks)
    await peers.close_all()

    received = np.concatenate(chunks)
    sent = read_pcm(SPEECH)
    assert received.dtype == np.float32 and received.ndim == 1
    # All of it arrived (Opus adds a little at the edges), at 16 kHz.
    assert 0.95 * sent.size <= received.size <= 1.3 * sent.size
    assert best_envelope_correlation(sent, received) > 0.9
    assert len(peers) == 0


@pytest.mark.usefixtures("loopback_ice")
async def test_a_new_offer_from_the_same_speaker_replaces_the_old_connection() -> None:
    peers = CaptionPeers()
    first: list[np.ndarray] = []
    player = MediaPlayer(str(SPEECH))
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    client.addTransceiver(player.audio, direction="sendonly")
    await client.setLocalDescription(await client.createOffer())
    ended = asyncio.Event()
    answer = await peers.answer("speaker-1", client.localDescription.sdp, lambda: first.append,
                                on_end=ended.set)
    await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    for _ in range(100):
        if first:
            break
        await asyncio.sleep(0.05)
    assert first, "no audio arrived on the first connection"

    second: list[np.ndarray] = []
    await send_file(peers, "speaker-1", SPEECH, second)
    # Replacing closed the first connection, which ended its reader.
    await asyncio.wait_for(ended.wait(), 5)
    assert len(peers) == 1
    await peers.close_all()
    await client.close()
    assert sum(c.size for c in second) > 0.9 * read_pcm(SPEECH).size


async def test_a_malformed_offer_is_refused_and_leaves_nothing_open() -> None:
    peers = CaptionPeers()
    for offer in ("v=0\r\nthis is not sdp\r\n", "", "m=audio nonsense"):
        with pytest.raises(OfferError):
            await peers.answer("speaker-1", offer, lambda: (lambda s: None))
        assert len(peers) == 0
