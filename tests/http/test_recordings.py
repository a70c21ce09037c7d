"""Captioning a recording: real files uploaded to a live server, captioned in the background
with the real whisper-base model, downloaded as WebVTT, SRT and text, as spoken or
translated with small test translation packages. Refused uploads leave nothing behind."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
import srt
import webvtt

from interp.captions.scoring import word_error_rate
from interp.modelstore import resolve_speech_model
from tests.caption_sender import INSTALLED_MODELS, joined_speech
from tests.helpers.recordings import (
    JSON,
    finished,
    staff,
    status,
    stored_files,
    upload,
    upload_file,
)
from tests.helpers.speech import DATA, transcripts
from tests.live_server import LiveServer, csrf_from, sign_in

JFK = DATA / "en_jfk_inaugural.flac"
SPANISH = DATA / "es_fleurs_000.ogg"
SHORT = DATA / "en_speechbrain_spk1_snt1.wav"


@pytest.fixture
def captioning(live_server: LiveServer) -> LiveServer:
    """A live server that accepts recordings (a speech model is installed)."""
    try:
        resolve_speech_model(INSTALLED_MODELS, "whisper-base")
    except Exception as exc:  # the model store says what to install
        pytest.skip(str(exc))
    return live_server


@pytest.fixture
async def kasia(captioning: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with staff(captioning, "kasia") as client:
        yield client


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())


def vtt_text(body: str) -> str:
    return " ".join(caption.text for caption in webvtt.from_string(body))


@pytest.mark.slow
async def test_a_recording_is_captioned_then_downloaded_as_spoken_and_translated(
    translating: LiveServer,
) -> None:
    async with staff(translating, "kasia") as kasia, \
            staff(translating, "omar") as omar, \
            staff(translating, "carmen", "coordinator") as carmen:
        job = await upload_file(kasia, JFK, translate_to="es")
        assert (job["status"], job["filename"], job["translate_to"]) == (
            "queued", JFK.name, "es")
        done, progress = await finished(kasia, job["id"])
        assert done["status"] == "done", done
        assert done["language"] == "en"  # detected
        assert progress == sorted(progress) and progress[-1] == 1
        assert stored_files(translating) == []  # the upload is gone once captioned
        assert [t["code"] for t in done["translations"]] == ["es", "fr"]

        reference = transcripts()[JFK.name]
        vtt = await kasia.get(done["downloads"]["vtt"])
        assert vtt.headers["content-type"].startswith("text/vtt")
        assert 'filename="en_jfk_inaugural.en.vtt"' in vtt.headers["content-disposition"]
        assert word_error_rate(reference, vtt_text(vtt.text)) < 0.2
        subtitles = list(srt.parse((await kasia.get(done["downloads"]["srt"])).text))
        assert word_error_rate(reference, " ".join(s.content for s in subtitles)) < 0.2
        text = (await kasia.get(done["downloads"]["txt"])).text
        assert text.startswith("[00:00:")
        assert word_error_rate(reference, re.sub(r"\[[\d:]+\]", " ", text)) < 0.2

        # Spanish was made with the captions (asked for at upload); French on demand.
        spanish = await kasia.get(done["downloads"]["vtt"], params={"language": "es"})
        assert 'filename="en_jfk_inaugural.es.vtt"' in spanish.headers["content-disposition"]
        assert "tú" in words(vtt_text(spanish.text))
        assert "you" not in words(vtt_text(spanish.text))
        assert spanish.text.count("NOTE") == 1  # machine translation, said once at the top
        assert "Traducción automática, puede tener errores" in spanish.text
        assert "NOTE" not in vtt.text  # the words as spoken: no notice
        french = await kasia.get(done["downloads"]["srt"], params={"language": "fr"})
        assert french.status_code == 200
        notice, *cues = srt.parse(french.text)
        assert notice.content == "Machine translation, may contain mistakes"
        assert len(cues) == len(subtitles)
        missing = await kasia.get(done["downloads"]["txt"], params={"language": "de"})
        assert missing.status_code == 404
        assert "interp models install translation en de" in missing.text

        # Another caseworker neither sees nor downloads it; a coordinator may.
        assert (await omar.get(f"/api/recordings/{job['id']}")).status_code == 403
        assert (await omar.get(done["downloads"]["vtt"])).status_code == 403
        assert JFK.name not in (await omar.get("/recordings")).text
        csrf = csrf_from((await omar.get("/recordings")).text)
        refused = await omar.post(f"/recordings/{job['id']}/delete", data={"csrf_token": csrf})
        assert refused.status_code == 403
        assert (await carmen.get(done["downloads"]["vtt"])).status_code == 200
        assert JFK.name in (await kasia.get("/recordings")).text

        csrf = csrf_from((await kasia.get("/recordings")).text)
        deleted = await kasia.post(f"/recordings/{job['id']}/delete", data={"csrf_token": csrf})
        assert deleted.status_code == 303
        assert (await kasia.get(f"/api/recordings/{job['id']}")).status_code == 404


@pytest.mark.slow
async def test_captions_of_spanish_reach_french_through_english(translating: LiveServer) -> None:
    async with staff(translating, "kasia") as kasia:
        job = await upload_file(kasia, SPANISH)
        done, _ = await finished(kasia, job["id"])
        assert (done["status"], done["language"]) == ("done", "es")
        original = (await kasia.get(done["downloads"]["txt"])).text
        assert word_error_rate(transcripts()[SPANISH.name], re.sub(r"\[[\d:]+\]", " ",
                                                                   original)) < 0.25
        # es→en→fr: the test packages turn "el" into "the", then "the" into "le".
        french = await kasia.get(done["downloads"]["txt"], params={"language": "fr"})
        assert "le" in words(french.text) and "el" not in words(french.text)
        missing = await kasia.get(done["downloads"]["vtt"], params={"language": "de"})
        assert missing.status_code == 404
        assert "interp models install translation en de" in missing.text
        assert "interp models install translation es en" not in missing.text


@pytest.mark.server_settings(upload_max_mb=1)
async def test_an_upload_over_the_limit_is_refused_and_nothing_is_kept(
    captioning: LiveServer, kasia: httpx.AsyncClient
) -> None:
    over = b"\0" * (1024 * 1024 + 1)
    refused = await upload(kasia, "long.wav", over)
    assert refused.status_code == 413
    assert "larger than 1 MB" in refused.json()["error"]["message"]
    # Without JavaScript the page says the same.
    page = await upload(kasia, "long.wav", over, headers={})
    assert page.status_code == 413 and "larger than 1 MB" in page.text

    # A body of unknown length is cut off once the file passes the limit.
    csrf = csrf_from((await kasia.get("/recordings")).text)
    boundary = "recording-boundary"

    async def chunked() -> AsyncIterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="recording"; '
            f'filename="long.wav"\r\nContent-Type: audio/wav\r\n\r\n'
        ).encode()
        for _ in range(20):
            yield b"\0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = await kasia.post(
        "/recordings", content=chunked(),
        headers={**JSON, "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413
    assert stored_files(captioning) == []
    assert "No recordings yet." in (await kasia.get("/recordings")).text


def silent_video(path: Path) -> Path:
    """A short video with no sound track."""
    with av.open(str(path), "w") as out:
        stream: Any = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


async def test_files_that_are_not_recordings_are_refused(
    captioning: LiveServer, kasia: httpx.AsyncClient, tmp_path: Path
) -> None:
    notes = await upload(kasia, "notes.mp3", b"Meeting notes, not a recording.\n" * 100)
    assert notes.status_code == 415
    assert "not an audio or video recording" in notes.json()["error"]["message"]
    video = silent_video(tmp_path / "silent.mp4")
    mute = await upload(kasia, video.name, video.read_bytes())
    assert mute.status_code == 415
    assert "no sound" in mute.json()["error"]["message"]
    nothing = await upload(kasia, "", b"")
    assert nothing.status_code == 400
    assert "Choose a recording" in nothing.json()["error"]["message"]
    unknown = await upload(kasia, SHORT.name, SHORT.read_bytes(), language="xx")
    assert unknown.status_code == 400
    forged = await kasia.post("/recordings", data={"csrf_token": "forged"}, headers=JSON,
                              files={"recording": (SHORT.name, SHORT.read_bytes())})
    assert forged.status_code == 403
    csrf = csrf_from((await kasia.get("/recordings")).text)
    boundary = "cut-short"
    truncated = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="recording"; '
        f'filename="{SHORT.name}"\r\n\r\n'
    ).encode() + SHORT.read_bytes()[:5000]
    cut = await kasia.post("/recordings", content=truncated, headers={
        **JSON, "content-type": f"multipart/form-data; boundary={boundary}"})
    assert cut.status_code == 400 and "did not arrive whole" in cut.json()["error"]["message"]
    not_a_form = await kasia.post("/recordings", content=SHORT.read_bytes(),
                                  headers={**JSON, "content-type": "audio/wav"})
    assert not_a_form.status_code == 400
    assert stored_files(captioning) == []
    assert "No recordings yet." in (await kasia.get("/recordings")).text


async def test_recordings_are_for_caseworkers_and_coordinators(captioning: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=captioning.url) as anonymous:
        page = await anonymous.get("/recordings")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        posted = await anonymous.post("/recordings", headers=JSON,
                                      files={"recording": (SHORT.name, SHORT.read_bytes())})
        assert posted.status_code == 401
        assert (await anonymous.get(f"/api/recordings/{'0' * 32}")).status_code == 401
    async with staff(captioning, "vera", "volunteer") as volunteer:
        assert (await volunteer.get("/recordings")).status_code == 403
        csrf = csrf_from((await volunteer.get("/account")).text)
        posted = await volunteer.post("/recordings", data={"csrf_token": csrf}, headers=JSON,
                                      files={"recording": (SHORT.name, SHORT.read_bytes())})
        assert posted.status_code == 403
    assert stored_files(captioning) == []


@pytest.mark.slow
async def test_recordings_queued_before_a_restart_are_captioned_after_it(
    captioning: LiveServer, tmp_path: Path
) -> None:
    talk = joined_speech(
        [JFK, DATA / "en_librispeech_2412-153948-0000.flac", DATA / "en_fleurs_001.ogg",
         DATA / "en_fleurs_002.ogg", DATA / "en_fleurs_006.ogg"],
        tmp_path / "talk.wav",
    )
    async with staff(captioning, "kasia") as kasia:
        long_job = await upload_file(kasia, talk)
        short_job = await upload_file(kasia, SHORT)
        # One job at a time: the short one waits while the long one runs.
        assert (await status(kasia, short_job["id"]))["status"] == "queued"
        assert (await status(kasia, long_job["id"]))["status"] in ("queued", "running")
        assert len(stored_files(captioning)) == 2
    captioning.restart()
    async with httpx.AsyncClient(base_url=captioning.url, timeout=120) as kasia:
        await sign_in(kasia, "kasia@example.org")
        short_done, _ = await finished(kasia, short_job["id"])
        long_done, _ = await finished(kasia, long_job["id"])
        assert (short_done["status"], long_done["status"]) == ("done", "done")
        text = (await kasia.get(short_done["downloads"]["txt"])).text
        assert word_error_rate(transcripts()[SHORT.name], re.sub(r"\[[\d:]+\]", " ",
                                                                 text)) < 0.3
        assert "country" in words((await kasia.get(long_done["downloads"]["txt"])).text)
    assert stored_files(captioning) == []
