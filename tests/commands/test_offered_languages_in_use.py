"""From ``interp models install --offered`` to a Spanish resident reading the staff's
English: the operator installs translation for the offered languages from a folder of
packages (the test's own, real format), then a real server translates the English spoken
in a call, in automatic interpretation and in a meeting's caption view into Spanish, and
the meeting's transcript downloads in Spanish."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from interp.cli import main
from interp.config import load_settings
from interp.modelstore import ModelNotInstalledError, resolve_speech_model
from interp.translation.translator import Translator
from tests.commands.conftest import Operator
from tests.helpers.calls import join, matched_room
from tests.helpers.captions import captions_seen, finals, speak
from tests.helpers.meetings import create_meeting, keep_a_transcript
from tests.helpers.speech import SHORT_SPEECH
from tests.live_server import JsonSocket, LiveServer, csrf_from, sign_in, start_live_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("loopback_ice")]


@pytest.fixture
def installed(operator: Operator) -> Iterator[LiveServer]:
    """Spanish offered, its translation installed the operator's way, and the server up."""
    try:
        resolve_speech_model(load_settings().models_dir, "whisper-base")
    except ModelNotInstalledError as exc:
        pytest.skip(f"{exc} (scripts/setup.sh installs whisper-base)")
    operator.offer("es")
    assert main(["models", "install", "--offered", "--from", str(operator.downloads)]) == 0
    assert main(["doctor"]) == 0
    server = start_live_server(
        operator.data_dir, models_dir=operator.models_dir, fallback_wait_s=0
    )
    try:
        yield server
    finally:
        server.stop()


def in_spanish(server: LiveServer, spoken: list[dict], read: list[dict]) -> None:
    """Each English final the page read came in Spanish: the installed package's words."""
    translator = Translator(server.settings.models_dir)
    assert spoken, "nothing was captioned"
    spanish = {m["seq"]: m for m in finals(read, "es")}
    for original in spoken:
        copy = spanish[original["seq"]]
        expected = translator.translate(original["text"], "en", "es")
        assert expected.translated
        assert (copy["text"], copy["language"], copy["translated"]) == (expected.text, "es", True)


async def test_a_spanish_resident_reads_the_staffs_english_after_install_offered(
    installed: LiveServer,
) -> None:
    server = installed

    # A call: the volunteer speaks English, the resident's page reads Spanish unasked.
    made, room, volunteer = await matched_room(server)
    resident = await join(server, {"token": made["token"]})
    interpreter = await join(server, {"room": room}, volunteer)
    try:
        await speak(interpreter, SHORT_SPEECH)
        in_spanish(server, finals(await captions_seen(interpreter), "original"),
                   await captions_seen(resident))
    finally:
        await resident.send({"type": "leave"})
        await volunteer.aclose()

    # Automatic interpretation: the person at the desk speaks English into the device.
    asker = httpx.AsyncClient(base_url=server.url)
    form = await asker.get("/request")
    asked = await asker.post("/request", data={
        "csrf_token": csrf_from(form.text), "language": "es", "media": "audio",
    })
    queue_url = asked.headers["location"]
    page = await asker.get(queue_url)
    started = await asker.post(f"{queue_url}/machine", data={"csrf_token": csrf_from(page.text)})
    assert started.status_code == 303, started.text
    device = await join(server, {"token": queue_url.removeprefix("/q/")})
    await speak(device, SHORT_SPEECH)
    heard = await captions_seen(device)
    in_spanish(server, [m for m in finals(heard, "en") if not m["translated"]], heard)
    await device.send({"type": "leave"})
    await asker.aclose()

    # A meeting in a room: its caption view, opened in Spanish, reads the caseworker.
    meeting = await create_meeting(server, languages=("es",))
    caseworker = httpx.AsyncClient(base_url=server.url)
    assert (await sign_in(caseworker, meeting.owner_email)).status_code == 303
    host = await join(server, {"room": meeting.info.room_id}, caseworker)
    viewer = await JsonSocket.open(server, "/ws/captions")
    await viewer.send({"type": "hello", "token": meeting.view_token, "languages": ["es"]})
    await viewer.expect("viewing")
    await speak(host, SHORT_SPEECH)
    in_spanish(server, finals(await captions_seen(host), "en"), await captions_seen(viewer))
    await viewer.close()

    # And its transcript downloads in Spanish.
    await keep_a_transcript(server, meeting.info, meeting.owner, "Hello, where is the doctor?")
    spanish = await caseworker.get(f"/meetings/{meeting.info.id}/transcript.txt?language=es")
    assert spanish.status_code == 200, spanish.text
    assert "hola, dónde está el médico?" in spanish.text
    await caseworker.aclose()
