"""Caption viewers: people following a meeting on its caption-view link, over
/ws/captions. The caseworker's microphone (a real recording sent by an aiortc peer) is
captioned in the meeting's room; a viewer who reads Spanish gets the test Argos package's
translation, made only because the viewer reads it; a viewer can switch language; when the
meeting ends the viewers are told and let go; bad input is refused and changes nothing. A
viewer on another node counts just the same (the hub carries what it reads)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jiwer
import pytest
from websockets.exceptions import ConnectionClosed

from interp.domain.rooms import Rooms
from interp.hub import create_hub
from interp.hub.channels import viewers_channel
from interp.live.interface import gone_event, languages_event
from interp.live.viewers import FRESH_S, ViewerLanguages
from interp.modelstore import resolve_speech_model
from interp.store.database import Database
from interp.translation.translator import Translator
from tests.caption_sender import INSTALLED_MODELS, models_with_translation
from tests.helpers.calls import join, pong
from tests.helpers.captions import captions_seen, finals, speak, words
from tests.helpers.meetings import MadeMeeting, create_meeting
from tests.helpers.speech import SHORT_REFERENCE, SHORT_SPEECH
from tests.live_server import JsonSocket, LiveServer, sign_in, two_nodes_sharing

# Loopback only (see the fixture): aioice leaves 127.0.0.1 out of its host candidates.
pytestmark = pytest.mark.usefixtures("loopback_ice")


@pytest.fixture
def two_translating_nodes(
    tmp_path: Path,
    argos_home: None,
    argos_archives: dict[tuple[str, str], Path],
    postgres_url: str,
    redis_url: str,
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two interp processes on PostgreSQL and Redis, each with the speech model and the test
    Argos packages (skipped where those services are not reachable)."""
    try:
        resolve_speech_model(INSTALLED_MODELS, "whisper-base")
    except Exception as exc:  # the model store says what to install
        pytest.skip(str(exc))
    speech = INSTALLED_MODELS / "speech"
    models = models_with_translation(tmp_path / "models", speech, argos_archives)
    with two_nodes_sharing(tmp_path, postgres_url, redis_url, models_dir=models) as nodes:
        yield nodes


async def view(server: LiveServer, token: str, languages: list[str]) -> JsonSocket:
    viewer = await JsonSocket.open(server, "/ws/captions")
    await viewer.send({"type": "hello", "token": token, "languages": languages})
    await viewer.expect("viewing")
    return viewer


def viewing(socket: JsonSocket) -> dict[str, Any]:
    return next(m for m in socket.seen if m["type"] == "viewing")


@contextlib.asynccontextmanager
async def host(server: LiveServer, meeting: MadeMeeting) -> AsyncIterator[JsonSocket]:
    """The meeting's caseworker, signed in, on the meeting's room socket."""
    client = httpx.AsyncClient(base_url=server.url)
    try:
        signed = await sign_in(client, meeting.owner_email)
        assert signed.status_code == 303
        yield await join(server, {"room": meeting.info.room_id}, client)
    finally:
        await client.aclose()


async def readers_in(server: LiveServer, room_id: str) -> set[str]:
    """The languages the room's participants read, as the database has them."""
    db = Database(server.settings.effective_database_url)
    try:
        return await Rooms(db).caption_readers(room_id, server.settings.local_language)
    finally:
        await db.close()


async def closed_with(socket: JsonSocket) -> int | None:
    """Read until the server closes the socket; its close code."""
    with contextlib.suppress(ConnectionClosed):
        while True:
            await socket.receive()
    return socket.connection.close_code


async def test_viewer_languages_are_heard_from_the_hub() -> None:
    hub = create_hub("")
    now = [100.0]
    heard = ViewerLanguages(hub, clock=lambda: now[0])
    channel = viewers_channel("room1")
    async with hub.subscribe(channel) as sub:
        await heard.follow("room1")
        # Following starts by asking the viewers already there what they read.
        assert (await anext(sub)).data == {"event": "viewers.call"}
    await hub.publish(channel, languages_event("v1", ("es",)))
    await hub.publish(channel, languages_event("v2", ("fr", "original")))
    await hub.publish(viewers_channel("room2"), languages_event("v3", ("ar",)))
    await until(lambda: heard.languages("room1") == {"es", "fr", "original"})
    assert heard.languages("room2") == set()  # not followed here
    await hub.publish(channel, gone_event("v2"))
    await until(lambda: heard.languages("room1") == {"es"})
    # A viewer that stops saying what it reads (its node died) stops counting.
    now[0] += FRESH_S + 1
    assert heard.languages("room1") == set()
    heard.unfollow("room1")
    await hub.publish(channel, languages_event("v1", ("es",)))
    assert heard.languages("room1") == set()
    await heard.close()
    await hub.close()


async def until(condition: Callable[[], bool]) -> None:
    """Let the hub's listeners run until ``condition`` holds (what they were sent is
    already queued for them: they need turns of the event loop, not time)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the listener never caught up")


@pytest.mark.slow
async def test_a_viewer_reads_translations_made_for_them(translating: LiveServer) -> None:
    meeting = await create_meeting(translating, languages=("es", "fr"))
    room_id = meeting.info.room_id
    async with host(translating, meeting) as caseworker:
        viewer = await view(translating, meeting.view_token, ["es"])
        first = viewing(viewer)
        assert first["meeting"] == {"title": "Housing advice", "started": True}
        assert first["reading"] == ["es"] and first["captions"]["available"]
        assert first["languages"][:3] == ["es", "fr", "en"]
        assert first["languages"][-1] == "original"
        # Nobody in the room reads Spanish: the caseworker reads the local language.
        assert "es" not in await readers_in(translating, room_id)

        await speak(caseworker, SHORT_SPEECH)
        spoken = finals(await captions_seen(caseworker), "en")
        got = await captions_seen(viewer)

        # Then the viewer switches to French, and hears the next sentences in French only.
        await viewer.send({"type": "viewer.language", "languages": ["fr"]})
        assert (await viewer.expect("viewer.reading"))["languages"] == ["fr"]
        before = len(await captions_seen(caseworker))
        await speak(caseworker, SHORT_SPEECH)
        spoken_again = finals((await captions_seen(caseworker))[before:], "en")
        everything = await captions_seen(viewer)

    text = " ".join(m["text"] for m in spoken)
    assert jiwer.wer(SHORT_REFERENCE, words(text)) < 0.3, text
    translator = Translator(translating.settings.models_dir)
    spanish = finals(got, "es")
    assert [m["seq"] for m in spanish] == [m["seq"] for m in spoken]
    for original, es in zip(spoken, spanish, strict=True):
        assert es["text"] == translator.translate(original["text"], "en", "es").text
        assert (es["language"], es["source_language"], es["translated"]) == ("es", "en", True)
        assert es["speaker"] == {"name": "Kasia", "role": "caseworker"}
        assert "room" not in es
    assert {m["reading"] for m in got} == {"es"}

    later = everything[len(got):]
    french = finals(later, "fr")
    assert {m["reading"] for m in later} == {"fr"}
    assert [m["seq"] for m in french] == [m["seq"] for m in spoken_again]
    for original, fr in zip(spoken_again, french, strict=True):
        assert fr["text"] == translator.translate(original["text"], "en", "fr").text

    # Whose captions are on, without the caseworker's session (a viewer cannot signal).
    states = [m for m in viewer.seen if m["type"] == "captions.state"]
    assert states[0]["on"] and states[0]["peer"]["name"] == "Kasia"
    assert set(states[0]["peer"]) == {"id", "name", "role"}
    # Whether the server still follows the viewers' languages shows to no client.
    viewers = translating.services.live.viewers
    assert viewers.languages(room_id) == set()  # nobody captioned: not followed
    await viewer.close()


async def test_when_the_meeting_ends_its_viewers_are_told_and_let_go(
    live_server: LiveServer,
) -> None:
    meeting = await create_meeting(live_server)
    token = meeting.view_token
    viewer = await view(live_server, token, ["ar"])
    assert viewing(viewer)["meeting"]["started"] is False  # the host has not come yet
    async with host(live_server, meeting) as caseworker:
        await viewer.expect("meeting.started")
        await caseworker.send({"type": "meeting.end"})  # the host ends it for everyone
        await viewer.expect("meeting.ended")
        assert await closed_with(viewer) == 1000

    # Its link now says so at once.
    again = await JsonSocket.open(live_server, "/ws/captions")
    await again.send({"type": "hello", "token": token, "languages": ["es"]})
    await again.expect("meeting.ended")
    assert await closed_with(again) == 1000


async def test_bad_viewer_messages_are_refused_and_change_nothing(
    live_server: LiveServer,
) -> None:
    token = (await create_meeting(live_server, languages=("es",))).view_token
    viewer = await JsonSocket.open(live_server, "/ws/captions")
    await viewer.send({"type": "viewer.language", "languages": ["es"]})  # before hello
    assert (await viewer.expect("error"))["code"] == "invalid"
    # Not offered by this meeting, signed, none, too many, not codes, not a list.
    for languages in (["de"], ["bfi"], [], ["es", "en", "ar"], [5], "es"):
        await viewer.send({"type": "hello", "token": token, "languages": languages})
        assert (await viewer.expect("error"))["code"] == "invalid", languages
    await viewer.send({"type": "hello", "token": token, "languages": ["es", "original"]})
    assert (await viewer.expect("viewing"))["reading"] == ["es", "original"]

    await viewer.send({"type": "hello", "token": token, "languages": ["es"]})
    assert (await viewer.expect("error"))["code"] == "invalid"
    await viewer.send({"type": "captions.start", "sdp": "v=0"})
    assert (await viewer.expect("error"))["code"] == "unknown_type"
    for languages in (["xx"], ["de"], ["es", "en", "ar"]):
        await viewer.send({"type": "viewer.language", "languages": languages})
        assert (await viewer.expect("error"))["code"] == "invalid", languages
    await pong(viewer)
    assert not any(m["type"] == "viewer.reading" for m in viewer.seen)

    # Switching back and forth without end is cut short.
    for _ in range(5):
        await viewer.send({"type": "viewer.language", "languages": ["en"]})
        await viewer.expect("viewer.reading")
    await viewer.send({"type": "viewer.language", "languages": ["es"]})
    refused = await viewer.expect("error")
    assert refused["code"] == "rate_limited" and refused["message"]
    await viewer.close()

    wrong = await JsonSocket.open(live_server, "/ws/captions")
    await wrong.send({"type": "hello", "token": "A" * 43, "languages": ["es"]})
    assert (await wrong.expect("error"))["code"] == "invalid_token"
    assert await closed_with(wrong) == 4404


@pytest.mark.slow
async def test_a_viewer_on_another_node_gets_translations_made_for_them(
    two_translating_nodes: tuple[LiveServer, LiveServer],
) -> None:
    node_a, node_b = two_translating_nodes
    meeting = await create_meeting(node_a, languages=("es",))
    async with host(node_a, meeting) as caseworker:
        viewer = await view(node_b, meeting.view_token, ["es"])  # what it reads, node A learns
        await speak(caseworker, SHORT_SPEECH)  # captioned and translated on node A
        spoken = finals(await captions_seen(caseworker), "en")
        got = await captions_seen(viewer)
    translator = Translator(node_a.settings.models_dir)
    spanish = finals(got, "es")
    assert spoken and [m["seq"] for m in spanish] == [m["seq"] for m in spoken]
    for original, es in zip(spoken, spanish, strict=True):
        assert es["text"] == translator.translate(original["text"], "en", "es").text
        assert es["translated"]
    await viewer.close()
