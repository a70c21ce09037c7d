"""Uploaded recordings are bounded by their sound, not only their size: a small file
holding hours of silence is refused or captioned in bounded memory, and a file whose
header understates its length is stopped once the decoded sound passes the limit."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import av
import numpy as np
import psutil
import pytest
from faster_whisper.audio import decode_audio

from interp.captions.audio import SAMPLE_RATE, AudioReader, AudioTooLong
from tests.helpers.recordings import finished, staff, stored_files, upload, upload_file
from tests.helpers.speech import DATA, model_path
from tests.live_server import LiveServer

SHORT = DATA / "en_speechbrain_spk1_snt1.wav"
JFK = DATA / "en_jfk_inaugural.flac"
# Growth of the process's memory allowed while the two-hour file is captioned (67 MB measured);
# decoding it whole took 8.6 GB more.
MAX_GROWTH_MB = 300


@pytest.fixture
def captioning(live_server: LiveServer) -> LiveServer:
    """A live server that accepts recordings (a speech model is installed)."""
    model_path("whisper-base")
    return live_server


def write_flac(path: Path, pieces: Iterable[np.ndarray]) -> Path:
    """16 kHz mono FLAC of consecutive pieces of 16-bit samples."""
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
        for piece in pieces:
            frame = av.AudioFrame.from_ndarray(piece[None, :], format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def silent_flac(path: Path, seconds: int) -> Path:
    """Silence compresses to almost nothing: two hours make 1.3 MB."""
    ten_seconds = np.zeros(10 * SAMPLE_RATE, dtype=np.int16)
    return write_flac(path, itertools.repeat(ten_seconds, seconds // 10))


def understate(path: Path, seconds: float) -> Path:
    """Make the FLAC's header (STREAMINFO's total samples) claim ``seconds``."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    # After the block header: block sizes (4 bytes) and frame sizes (6), then 64 bits of
    # sample rate (20), channels (3), bits per sample (5) and total samples (36).
    at = 8 + 10
    fields = int.from_bytes(data[at : at + 8], "big")
    fields = fields & ~((1 << 36) - 1) | round(seconds * SAMPLE_RATE)
    data[at : at + 8] = fields.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path


def speech_then_silence(path: Path, seconds: int) -> Path:
    """A real recording followed by silence, ``seconds`` long in all."""
    speech = decode_audio(str(JFK), sampling_rate=SAMPLE_RATE)
    pcm = np.zeros(seconds * SAMPLE_RATE, dtype=np.int16)
    pcm[: len(speech)] = np.clip(speech, -1.0, 1.0) * 32767
    step = 10 * SAMPLE_RATE
    return write_flac(path, (pcm[i : i + step] for i in range(0, len(pcm), step)))


@contextmanager
def peak_growth_mb() -> Iterator[list[float]]:
    """This process's largest memory growth while the block runs, in MB (sampled every
    20 ms); the live server runs in a thread of this process."""
    process = psutil.Process()
    start = process.memory_info().rss
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    growth = [0.0]
    try:
        yield growth
    finally:
        done.set()
        sampler.join()
        growth[0] = (peak[0] - start) / 1e6


def test_decoding_in_pieces_gives_the_samples_of_the_whole_file_decoder() -> None:
    """The streaming reader feeds recognition exactly what faster-whisper's decoder did,
    so captions of ordinary recordings do not change."""
    recordings = sorted(p for p in DATA.iterdir() if p.suffix in (".flac", ".ogg", ".wav"))
    assert recordings
    for path in recordings:
        with AudioReader(path) as reader:
            pieces = list(reader)
        assert np.array_equal(np.concatenate(pieces), decode_audio(str(path))), path.name


def test_the_reader_stops_at_the_limit_whatever_the_header_claims(tmp_path: Path) -> None:
    lying = understate(silent_flac(tmp_path / "lying.flac", 120), 30)
    with AudioReader(lying, max_s=60) as reader:
        assert reader.declared_s == 30
        decoded = 0
        with pytest.raises(AudioTooLong):
            for piece in reader:
                decoded += len(piece)
    # Nothing past the limit was handed on.
    assert decoded <= 60 * SAMPLE_RATE


@pytest.mark.server_settings(upload_max_minutes=60)
async def test_a_recording_declared_over_the_limit_is_refused_at_upload(
    captioning: LiveServer, tmp_path: Path
) -> None:
    two_hours = silent_flac(tmp_path / "silence.flac", 2 * 3600)
    assert two_hours.stat().st_size < 2_000_000
    async with staff(captioning, "kasia") as kasia:
        refused = await upload(kasia, two_hours.name, two_hours.read_bytes())
        assert refused.status_code == 413
        message = refused.json()["error"]["message"]
        assert message == "This recording is longer than 60 minutes, the most this server accepts."
        page = await upload(kasia, two_hours.name, two_hours.read_bytes(), headers={})
        assert page.status_code == 413 and "longer than 60 minutes" in page.text
        assert stored_files(captioning) == []
        listing = (await kasia.get("/recordings")).text
        assert "No recordings yet." in listing
        assert "Up to 200 MB and 60 minutes of sound." in listing  # said before uploading


@pytest.mark.slow
async def test_two_hours_of_silence_in_a_small_file_is_captioned_in_bounded_memory(
    captioning: LiveServer, tmp_path: Path
) -> None:
    two_hours = silent_flac(tmp_path / "silence.flac", 2 * 3600)
    async with staff(captioning, "kasia") as kasia:
        # A first recording loads the speech model, which is not what is measured.
        warm_up = await upload_file(kasia, SHORT)
        assert (await finished(kasia, warm_up["id"]))[0]["status"] == "done"
        with peak_growth_mb() as growth:
            job = await upload_file(kasia, two_hours)
            done, progress = await finished(kasia, job["id"])
        assert done["status"] == "done", done
        assert progress == sorted(progress) and progress[-1] == 1
    assert growth[0] < MAX_GROWTH_MB, f"memory grew by {growth[0]:.0f} MB"
    assert stored_files(captioning) == []


@pytest.mark.slow
@pytest.mark.server_settings(upload_max_minutes=1)
async def test_a_recording_longer_than_its_header_says_is_stopped_at_the_limit(
    captioning: LiveServer, tmp_path: Path
) -> None:
    lying = understate(speech_then_silence(tmp_path / "talk.flac", 120), 30)
    async with staff(captioning, "kasia") as kasia:
        job = await upload_file(kasia, lying)  # the header's 30 s are within the limit
        failed, _ = await finished(kasia, job["id"])
        assert failed["status"] == "failed"
        assert failed["error"] == (
            "This recording is longer than 1 minute, the most this server accepts.")
        assert failed["downloads"] == {}
        not_ready = await kasia.get(f"/recordings/{job['id']}/captions.txt")
        assert not_ready.status_code == 409
        # Nothing half-done stays behind: the upload is gone and the worker goes on.
        assert stored_files(captioning) == []
        after = await upload_file(kasia, SHORT)
        assert (await finished(kasia, after["id"]))[0]["status"] == "done"
