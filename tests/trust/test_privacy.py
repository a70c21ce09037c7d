"""Nothing leaves the server: a whole day's work (a resident's request, the call with live
captions and their translation, a caseworker's meeting and its transcript, a recording
captioned) runs with every outbound address the process uses recorded, and none of them
is beyond loopback.

The server runs in this process (a thread: tests/live_server.py), so an audit hook here
sees its sockets: every ``connect``, every datagram's destination (WebRTC media and ICE
are UDP, sent without connecting) and every name looked up. aiortc's peers are kept on
127.0.0.1 by the ``loopback_ice`` fixture: aioice would otherwise offer this machine's
other interfaces, which are this machine too, but not provably so from an address.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.calls import join, matched_room
from tests.helpers.captions import captions_seen, finals, speak
from tests.helpers.recordings import finished, upload_file
from tests.helpers.speech import SHORT_SPEECH
from tests.live_server import LiveServer
from tests.trust.world import meeting_with_guests, signed_in

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("loopback_ice")]

# Audit events that name where a socket talks to: (event, index of the address in args).
ADDRESS_EVENTS = {
    "socket.connect": 1,
    "socket.sendto": 1,
    "socket.sendmsg": 1,
    "socket.getaddrinfo": 0,
    "socket.gethostbyname": 0,
}


class OutboundLog:
    """Every address the process's sockets use while ``recording`` is set.

    An audit hook cannot be removed, so the one hook stays for the rest of the run and
    only records between ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.recording = threading.Event()
        self.addresses: list[tuple[str, Any]] = []
        sys.addaudithook(self._hear)

    def _hear(self, event: str, args: tuple[Any, ...]) -> None:
        if self.recording.is_set() and event in ADDRESS_EVENTS:
            address = args[ADDRESS_EVENTS[event]]
            if address is not None:
                self.addresses.append((event, address))

    def beyond_loopback(self) -> list[tuple[str, Any]]:
        return [(event, a) for event, a in self.addresses if not is_loopback(a)]


def is_loopback(address: Any) -> bool:
    """127.0.0.0/8, ::1, the name localhost, or a unix socket (a path, or Linux's
    abstract namespace as bytes)."""
    if isinstance(address, (str, bytes)) and not isinstance(address, tuple):
        host = address.decode() if isinstance(address, bytes) else address
        if host.startswith("/") or host.startswith("\0") or host == "":
            return True  # a unix socket's path
    else:
        host = address[0]
        if isinstance(host, bytes):
            host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a name to look up elsewhere: a lookup is itself a message out


@pytest.fixture(scope="session")
def outbound() -> OutboundLog:
    return OutboundLog()


@pytest.fixture
def recorded(outbound: OutboundLog) -> Iterator[OutboundLog]:
    outbound.addresses.clear()
    outbound.recording.set()
    try:
        yield outbound
    finally:
        outbound.recording.clear()


def test_loopback_is_told_from_the_world() -> None:
    assert all(
        is_loopback(a)
        for a in [
            ("127.0.0.1", 80),
            ("127.8.0.1", 1),
            ("::1", 5, 0, 0),
            "/tmp/s",
            b"\0x",
            "localhost",
        ]
    )
    assert not any(
        is_loopback(a)
        for a in [("10.0.0.1", 80), ("8.8.8.8", 53), ("2001:db8::1", 1, 0, 0), "example.org"]
    )


async def test_a_whole_day_sends_nothing_beyond_loopback(
    translating: LiveServer, recorded: OutboundLog
) -> None:
    server = translating
    # A request, a volunteer accepts, the call: captions of the interpreter's speech,
    # read by the resident in Spanish (a translation).
    made, room, volunteer = await matched_room(server)
    resident = await join(server, {"token": made["token"]})
    interpreter = await join(server, {"room": room}, volunteer)
    await resident.send({"type": "captions.language", "languages": ["es"]})
    await resident.expect("captions.reading")
    await speak(interpreter, SHORT_SPEECH)
    assert finals(await captions_seen(resident), "es"), "no Spanish captions in the call"
    await volunteer.aclose()

    # A meeting: everyone agrees to keep a transcript, the host speaks, the transcript is
    # downloaded in the host's words and translated.
    host = await signed_in(server, "caseworker")
    meeting_id, meeting_room, *_, guest_token, _, _ = await meeting_with_guests(server, host, [])
    async with host.client(server) as client:
        host_page = await join(server, {"room": meeting_room}, client)
        await join(server, {"token": guest_token})
        consent = f"/api/meetings/{meeting_id}/consent"
        agreed = await client.post(
            consent, json={"agreed": True}, headers={"x-csrf-token": host.csrf}
        )
        assert agreed.status_code == 200, agreed.text
        async with httpx.AsyncClient(base_url=server.url) as guest:
            answered = await guest.post(
                consent, json={"agreed": True}, headers={"x-participant-token": guest_token}
            )
            assert answered.json()["keeping"] is True, answered.text
        await speak(host_page, SHORT_SPEECH)
        transcript = f"/meetings/{meeting_id}/transcript"
        for url in (f"{transcript}.vtt", f"{transcript}.txt?language=es"):
            answer = await client.get(url)
            assert answer.status_code == 200 and answer.text.strip(), (url, answer.status_code)

    # A recording captioned, and its captions downloaded.
    async with host.client(server) as client:
        client.timeout = httpx.Timeout(120)
        job = await upload_file(client, SHORT_SPEECH, language="en")
        done, _ = await finished(client, job["id"])
        assert done["status"] == "done", done
        captions = await client.get(f"/recordings/{job['id']}/captions.vtt")
        assert captions.status_code == 200 and "-->" in captions.text

    assert recorded.addresses, "the audit hook heard nothing: is it installed?"
    assert recorded.beyond_loopback() == []
