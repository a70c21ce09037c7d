"""A page's caption connection made of aiortc: it sends a file as the microphone.

It does what call.js does when captions go on: a separate send-only peer connection
to the server, offered whole (aiortc gathers ICE before it returns the offer) in
``captions.start`` over the room WebSocket, answered by ``captions.answer``.

Also here: what a captioning test server needs on disk (the speech model and small
translation packages) and a way to play several recordings as one microphone.
"""

from __future__ import annotations

import asyncio
import contextlib
import wave
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from interp.config import load_settings
from interp.media.audio import SAMPLE_RATE
from interp.modelstore import resolve_speech_model
from interp.translation.packages import install_package_file
from tests.helpers.speech import read_pcm
from tests.live_server import JsonSocket, LiveServer, start_live_server

# The installed models, found before a test moves HOME (importing argostranslate makes
# folders there, so translation tests point it at a temporary folder).
INSTALLED_MODELS = load_settings().models_dir


class CaptionSender:
    def __init__(self, socket: JsonSocket, media_file: Path) -> None:
        self.socket = socket
        self.player = MediaPlayer(str(media_file))
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.sent = asyncio.Event()  # the whole file has been played out
        assert self.player.audio is not None
        self.player.audio.on("ended", self.sent.set)

    async def offer(self) -> str:
        """The complete offer SDP for ``captions.start``."""
        self.pc.addTransceiver(self.player.audio, direction="sendonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp: str = self.pc.localDescription.sdp
        return sdp

    async def start(self) -> None:
        """Offer the file's audio; returns once the server has answered."""
        await self.socket.send({"type": "captions.start", "sdp": await self.offer()})
        answer = await self.socket.expect("captions.answer", within=60)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def wait_sent(self, within: float = 120) -> None:
        await asyncio.wait_for(self.sent.wait(), within)

    async def close(self) -> None:
        await self.pc.close()


def models_with_translation(
    folder: Path, speech_models: Path, archives: Mapping[tuple[str, str], Path]
) -> Path:
    """A models folder holding the installed speech models (linked, not copied) and the
    given Argos packages, so a server translates with packages whose output is known."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "speech").symlink_to(speech_models, target_is_directory=True)
    for archive in archives.values():
        install_package_file(folder, archive)
    return folder


@contextlib.contextmanager
def translating_server(
    tmp_path: Path, archives: Mapping[tuple[str, str], Path], **settings: Any
) -> Iterator[LiveServer]:
    """A live server whose models folder holds the installed speech model and ``archives``."""
    try:
        resolve_speech_model(INSTALLED_MODELS, "whisper-base")
    except Exception as exc:  # the model store says what to install
        pytest.skip(str(exc))
    models = models_with_translation(tmp_path / "models", INSTALLED_MODELS / "speech", archives)
    server = start_live_server(tmp_path / "data", models_dir=models, **settings)
    try:
        yield server
    finally:
        server.stop()


def joined_speech(recordings: Sequence[Path], dest: Path, pause_s: float = 1.5) -> Path:
    """One 16 kHz WAV file of the recordings in turn, each followed by a pause (one
    person after the other at the same microphone)."""
    pause = np.zeros(int(pause_s * SAMPLE_RATE), dtype=np.float32)
    samples = np.concatenate([part for path in recordings for part in (read_pcm(path), pause)])
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return dest
