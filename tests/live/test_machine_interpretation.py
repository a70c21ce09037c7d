"""Machine interpretation: a resident who waited too long talks with the person at the desk
through one device (the server captions it and detects, utterance by utterance, who spoke
which language) while the request stays in the queue; a volunteer who accepts it joins
that same room. Driven through the real pages and sockets, with real speech."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jiwer
import pytest

from interp.http.resident_pages import NOT_WAITING
from interp.translation.translator import Translator
from tests.caption_sender import joined_speech
from tests.helpers.calls import join, joined, pong
from tests.helpers.captions import captions_seen, finals, speak, words
from tests.helpers.speech import DATA, REFERENCE, SPEECH
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in

pytestmark = pytest.mark.usefixtures("loopback_ice")

SPANISH = DATA / "es_fleurs_002.ogg"
SPANISH_REFERENCE = (
    "fue tanta la cantidad de gente que se concentró que no todos pudieron acceder al "
    "funeral en la plaza de san pedro"
)


@dataclass
class Waiting:
    """A resident's open Spanish request, and a volunteer who interprets Spanish."""

    token: str
    request_id: str
    resident: httpx.AsyncClient
    volunteer: httpx.AsyncClient
    queue: JsonSocket  # the resident's queue page socket
    feed: JsonSocket  # the volunteer's dashboard socket, available

    @property
    def queue_url(self) -> str:
        return f"/q/{self.token}"

    async def start_machine(self, csrf: str | None = None) -> httpx.Response:
        """Press the queue page's "Use automatic interpretation" button."""
        if csrf is None:
            csrf = csrf_from((await self.resident.get(self.queue_url)).text)
        return await self.resident.post(f"{self.queue_url}/machine", data={"csrf_token": csrf})

    async def accept(self) -> str:
        """The volunteer accepts from the dashboard; returns the room they are sent to."""
        await self.feed.send({"type": "accept", "request": self.request_id})
        accepted = await self.feed.expect("accepted")
        room: str = accepted["room"]
        return room


@pytest.fixture
async def waiting(request: pytest.FixtureRequest) -> AsyncIterator[Waiting]:
    """On the test's server: the translating one where the test asks for it."""
    wanted = "translating" if "translating" in request.fixturenames else "live_server"
    made = await _waiting(request.getfixturevalue(wanted))
    try:
        yield made
    finally:
        await made.queue.close()
        await made.feed.close()
        await made.resident.aclose()
        await made.volunteer.aclose()


async def _waiting(server: LiveServer) -> Waiting:
    await server.create_account("v@example.org", "volunteer", ("es",), name="Vera")
    volunteer = httpx.AsyncClient(base_url=server.url)
    await sign_in(volunteer, "v@example.org")
    feed = await JsonSocket.open(server, "/ws/volunteer", volunteer)
    await feed.expect("queue")
    await feed.send({"type": "availability", "available": True})
    await feed.expect("queue", available=True)

    resident = httpx.AsyncClient(base_url=server.url)
    form = await resident.get("/request")
    asked = await resident.post(
        "/request",
        data={"csrf_token": csrf_from(form.text), "language": "es", "media": "audio"},
    )
    token = asked.headers["location"].removeprefix("/q/")
    request_id = (await feed.expect("request.new"))["request"]["id"]
    queue = await JsonSocket.open(server, "/ws/resident")
    await queue.send({"type": "hello", "token": token})
    await queue.expect("status", status="open")
    return Waiting(token, request_id, resident, volunteer, queue, feed)


@pytest.mark.slow
@pytest.mark.server_settings(fallback_wait_s=0.2)
async def test_a_resident_talks_through_machine_interpretation_until_an_interpreter_joins(
    translating: LiveServer, waiting: Waiting, tmp_path: Path
) -> None:
    token = waiting.token
    long_wait = await waiting.queue.expect("status", long_wait=True)
    assert long_wait["status"] == "open"
    page = await waiting.resident.get(waiting.queue_url)
    assert f'action="/q/{token}/machine"' in page.text  # the long-wait notice offers it

    started = await waiting.start_machine()
    assert (started.status_code, started.headers["location"]) == (303, f"/call/{token}")
    back = await waiting.resident.get(waiting.queue_url)  # the queue page sends them on
    assert (back.status_code, back.headers["location"]) == (303, f"/call/{token}")
    assert (await waiting.resident.get(f"/call/{token}")).status_code == 200
    again = await waiting.start_machine(csrf_from(page.text))  # pressed twice: the same room
    assert again.headers["location"] == f"/call/{token}"

    device = await join(translating, {"token": token})
    room = joined(device)["room"]["id"]
    captions = joined(device)["captions"]
    assert captions["machine"] is True and captions["available"] is True
    assert captions["reading"] == ["es", "en"] and captions["local_language"] == "en"
    assert set(captions["languages"]) == {"es", "en"}

    # The person at the desk speaks English, then the resident Spanish, into one microphone.
    both = joined_speech([SPEECH, SPANISH], tmp_path / "desk_then_resident.wav")
    await speak(device, both)
    got = await captions_seen(device)

    desk_en, resident_es = finals(got, "en"), finals(got, "es")
    originals = [m for m in got if m["final"] and m["text"] and not m["translated"]]
    desk = [m for m in originals if m["source_language"] == "en"]
    spoken = [m for m in originals if m["source_language"] == "es"]
    assert desk and spoken, [(m["source_language"], m["text"]) for m in originals]
    assert max(m["seq"] for m in desk) < min(m["seq"] for m in spoken)  # in that order
    assert all(m["speaker"]["role"] == "desk" for m in desk)
    assert all(m["speaker"]["role"] == "resident" for m in spoken)
    desk_text = " ".join(m["text"] for m in desk)
    assert jiwer.wer(words(REFERENCE), words(desk_text)) < 0.25, desk_text
    resident_text = " ".join(m["text"] for m in spoken)
    assert jiwer.wer(SPANISH_REFERENCE, words(resident_text)) < 0.35, resident_text

    # Each side reads the other in its own language: machine translations, labelled so.
    translator = Translator(translating.settings.models_dir)
    for original, language in [*((m, "es") for m in desk), *((m, "en") for m in spoken)]:
        copy = next(
            m for m in (resident_es if language == "es" else desk_en)
            if m["seq"] == original["seq"] and m["stream"] == original["stream"]
        )
        expected = translator.translate(original["text"], original["source_language"], language)
        assert (copy["text"], copy["translated"], copy["language"]) == (
            expected.text, True, language
        )
        assert copy["speaker"] == original["speaker"]

    # The request still waits; a volunteer who takes it joins this very room.
    assert room == await waiting.accept()
    matched = await waiting.queue.expect("status", status="matched")
    assert matched["call_url"] == f"/call/{token}"
    interpreter = await join(translating, {"room": room}, waiting.volunteer)
    assert joined(interpreter)["you"]["role"] == "interpreter"
    arrived = await device.expect("peer.joined")
    assert (arrived["peer"]["role"], arrived["peer"]["name"]) == ("interpreter", "Vera")

    # The resident leaving ends the call and the request.
    await device.send({"type": "leave"})
    assert (await interpreter.expect("room.closed"))["reason"] == "ended"
    await waiting.queue.expect("status", status="closed")
    assert (await waiting.resident.get(f"/call/{token}")).status_code == 410
    assert len(translating.services.live.peers) == 0  # no caption connection left open


@pytest.mark.server_settings(reconnect_grace_s=0.5)
async def test_a_hand_back_before_the_interpreter_arrives_keeps_the_machine_room(
    live_server: LiveServer, waiting: Waiting
) -> None:
    await waiting.start_machine()
    device = await join(live_server, {"token": waiting.token})
    room = joined(device)["room"]["id"]
    assert room == await waiting.accept()
    await waiting.queue.expect("status", status="matched")
    # The volunteer never opens the call: after the grace period it goes back to the queue.
    returned = await waiting.feed.expect("request.new")
    assert returned["returned"] is True and returned["request"]["id"] == waiting.request_id
    back = await waiting.queue.expect("status", status="open")
    assert back["position"] == 1

    await pong(device)  # the resident's room is still open
    assert not any(m["type"] == "room.closed" for m in device.seen)
    page = await waiting.resident.get(waiting.queue_url)
    assert page.headers["location"] == f"/call/{waiting.token}"
    assert room == await waiting.accept()  # taken again: the same room

    # The resident leaving ends the call and the request.
    await device.send({"type": "leave"})
    await waiting.queue.expect("status", status="closed")
    page = await waiting.resident.get(waiting.queue_url)
    assert page.status_code == 200 and "This request has ended." in page.text


async def test_a_resident_leaving_machine_interpretation_takes_the_request_off_dashboards(
    live_server: LiveServer, waiting: Waiting
) -> None:
    await waiting.start_machine()
    device = await join(live_server, {"token": waiting.token})
    await device.send({"type": "leave"})
    await waiting.queue.expect("status", status="closed")
    gone = await waiting.feed.expect("request.gone")
    assert (gone["id"], gone["by_you"]) == (waiting.request_id, False)
    await waiting.feed.send({"type": "accept", "request": waiting.request_id})
    assert (await waiting.feed.expect("error"))["code"] == "taken"


async def test_machine_interpretation_is_refused_without_a_valid_form_or_a_waiting_request(
    live_server: LiveServer, waiting: Waiting
) -> None:
    forged = await waiting.start_machine(csrf="forged")
    assert forged.status_code == 403
    page = await waiting.resident.get(waiting.queue_url)
    assert page.status_code == 200  # still the queue page: no room was made
    assert not any(m["type"] == "status" and m["status"] != "open" for m in waiting.queue.seen)

    unknown = await waiting.resident.post(
        "/q/" + "A" * 43 + "/machine", data={"csrf_token": csrf_from(page.text)}
    )
    assert unknown.status_code == 404

    cancel = await waiting.resident.post(
        f"{waiting.queue_url}/cancel", data={"csrf_token": csrf_from(page.text)}
    )
    assert cancel.status_code == 303
    await waiting.queue.expect("status", status="cancelled")
    refused = await waiting.start_machine(csrf=csrf_from(page.text))
    assert refused.status_code == 409
    assert NOT_WAITING in refused.text
    assert re.search(rf'href="/q/{waiting.token}"', refused.text)  # the way back
    assert (await waiting.resident.get(f"/call/{waiting.token}")).status_code == 410
