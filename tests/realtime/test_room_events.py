"""The room connection's handling of hub events and client messages, without a server
(the room world of tests/helpers/room_world.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from interp.hub.channels import captions_channel, room_channel
from interp.realtime.close_codes import CloseCode
from interp.realtime.protocol import ROOM_MESSAGES
from interp.realtime.room.call import PeerState
from interp.realtime.room.connection import CallConnection
from tests.helpers.room_world import (
    GRACE_S,
    FakeConnection,
    Page,
    World,
    in_call,
    joined,
    meeting_with_guests,
    room_of,
    seat_of,
)


async def test_every_client_message_of_the_room_has_a_handler(world: World) -> None:
    resident, _, _ = await world.call()
    room = await world.rooms.get(resident.room_id)
    connection = CallConnection(
        world.calls.services,
        world.calls.departures,
        FakeConnection(),  # type: ignore[arg-type]
        room,
        PeerState(resident, "s1"),
        None,
    )
    # ping is answered by the connection itself.
    assert set(connection.messages) == set(ROOM_MESSAGES) - {"ping"}


# -- signalling -------------------------------------------------------------------------------


async def test_the_second_to_arrive_learns_who_is_there(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    assert joined(resident)["you"]["role"] == "resident"
    assert joined(resident)["room"]["media"] == "video"
    assert joined(interpreter)["room"] == joined(resident)["room"]
    met = await resident.expect("peer.joined")
    assert met["peer"]["session"] == "s-interpreter" and met["peer"]["role"] == "interpreter"
    present = await interpreter.expect("peer.present")
    assert present["peer"]["session"] == "s-resident"
    # Nobody is told of themselves.
    assert not any(m["peer"]["session"] == "s-resident" for m in resident.of_type("peer.joined"))
    assert not interpreter.of_type("peer.joined")


async def test_a_signal_reaches_only_the_session_it_names(world: World) -> None:
    _, host, (ana, bo) = await meeting_with_guests(world)
    host.send({"type": "offer", "to": "s-ana", "sdp": "v=0 offer"})
    host.send({"type": "ice", "to": "s-bo", "candidate": "", "sdp_mid": None})
    # Bo's candidate went out after Ana's offer: once Bo has it, the offer has been relayed.
    ice = await bo.expect("ice")
    assert ice == {"type": "ice", "candidate": "", "sdp_mid": None, "from": "s-host"}
    offer = await ana.expect("offer")
    assert offer == {"type": "offer", "sdp": "v=0 offer", "from": "s-host"}
    assert not bo.of_type("offer") and not ana.of_type("ice")
    assert not host.of_type("offer") and not host.of_type("ice")


async def test_mute_is_shown_to_the_others(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    interpreter.send({"type": "mute", "audio": False, "video": True})
    muted = await resident.expect("mute")
    assert muted["peer"]["session"] == "s-interpreter"
    assert (muted["peer"]["audio"], muted["peer"]["video"]) == (False, True)
    resident.send({"type": "mute", "audio": True, "video": False})
    await interpreter.expect("mute")
    assert len(resident.of_type("mute")) == 1  # not told of its own


async def test_a_hello_after_joining_is_refused(world: World) -> None:
    resident, _, _ = await in_call(world)
    resident.send({"type": "hello", "token": "t", "session": "s"})
    refused = await resident.expect("error")
    assert refused["code"] == "invalid"


# -- arriving and leaving ---------------------------------------------------------------------


async def test_a_second_page_of_the_same_participant_replaces_the_first(world: World) -> None:
    first, interpreter, _ = await in_call(world)
    second = await world.connect(seat_of(world, first), "s-resident-reloaded")
    assert (await first.expect("room.closed"))["reason"] == "replaced"
    assert await first.closed() == (CloseCode.DONE, "room closed")
    came = await interpreter.expect("peer.joined")
    assert came["peer"]["session"] == "s-resident-reloaded"
    present = await second.expect("peer.present")
    assert present["peer"]["session"] == "s-interpreter"
    # The replaced page has not gone: nobody sees it reconnect or leave.
    assert not interpreter.of_type("peer.reconnecting") and not interpreter.of_type("peer.left")


async def test_leaving_a_residents_call_ends_it_for_both(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    interpreter.send({"type": "leave"})
    assert await interpreter.closed() == (CloseCode.DONE, "left")
    left = await resident.expect("peer.left")
    assert left["peer"]["session"] == "s-interpreter" and left["reason"] == "left"
    assert (await resident.expect("room.closed"))["reason"] == "ended"
    assert await resident.closed() == (CloseCode.DONE, "room closed")
    assert (await world.rooms.get(room_of(resident))).closed_at is not None


async def test_a_page_back_within_the_grace_period_was_only_reconnecting(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    await interpreter.gone()
    away = await resident.expect("peer.reconnecting")
    assert away["peer"]["session"] == "s-interpreter"
    await world.connect(seat_of(world, interpreter), "s-interpreter")
    await resident.conn.wait_for(lambda: len(resident.of_type("peer.joined")) == 2)
    assert resident.of_type("peer.joined")[1]["peer"] == away["peer"]
    await asyncio.sleep(GRACE_S * 2)
    assert not resident.of_type("peer.left")


async def test_a_page_not_back_in_time_has_left(world: World) -> None:
    _, host, (ana, _) = await meeting_with_guests(world)
    await ana.gone()
    await host.expect("peer.reconnecting")
    left = await host.expect("peer.left")
    assert left["peer"]["session"] == "s-ana" and left["reason"] == "gone"
    # Nobody but the host leaving ends a meeting.
    assert not host.of_type("room.closed")


async def test_an_interpreter_handed_back_leaves_machine_interpretation_going(
    world: World,
) -> None:
    new = await world.queue.create("es", "video")
    room_id = await world.queue.start_machine_room(new.token, "en")
    resident = await world.connect(await world.rooms.participant_by_token(new.token), "s-res")
    volunteer = await world.volunteer()
    await world.dispatcher.accept(new.request.id, volunteer)
    interpreter = await world.connect(
        await world.rooms.participant_for_user(room_id, volunteer.id), "s-int"
    )
    await resident.expect("peer.joined")
    # As the dispatcher says it when the request goes back to the queue (it is refused
    # once the interpreter has joined: see tests/domain/test_machine_rooms.py).
    event = {"event": "interpreter.released", "user": volunteer.id}
    await world.hub.publish(room_channel(room_id), event)
    assert (await interpreter.expect("room.closed"))["reason"] == "released"
    assert await interpreter.closed() == (CloseCode.DONE, "room closed")
    # Only the interpreter's page ends: the resident's goes on.
    await world.hub.publish(room_channel(room_id), {"event": "room.started"})
    await resident.expect("room.started")
    assert resident.conn.open and not resident.of_type("room.closed")


async def test_only_an_interpreter_may_hand_a_request_back(world: World) -> None:
    resident, _, _ = await in_call(world)
    resident.send({"type": "release"})
    assert (await resident.expect("error"))["code"] == "forbidden"


async def test_the_room_closing_closes_every_page(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    await world.dispatcher.close_room(room_of(resident), "expired")
    for page in (resident, interpreter):
        assert (await page.expect("room.closed"))["reason"] == "expired"
        assert await page.closed() == (CloseCode.DONE, "room closed")


# -- meetings ---------------------------------------------------------------------------------


async def test_a_waiting_guest_sees_nobody_until_let_in(world: World) -> None:
    meeting, host_seat = await world.meeting()
    host = await world.connect(host_seat, "s-host")
    assert joined(host)["meeting"]["host"] is True and joined(host)["waiting"] is False
    await host.expect("meeting.waiting", waiting=[])
    guest_seat = await world.guest(meeting, "Ana")
    guest = await world.connect(guest_seat, "s-ana")
    assert joined(guest)["waiting"] is True and joined(guest)["meeting"]["host"] is False
    listed = await host.expect("meeting.waiting", waiting=[
        {"id": guest_seat.id, "name": "Ana", "role": "resident", "language": "es"}
    ])
    assert listed
    # The guest may not signal, and the host's doings do not reach them.
    guest.send({"type": "offer", "to": "s-host", "sdp": "v=0"})
    assert (await guest.expect("error"))["code"] == "waiting"
    guest.send({"type": "mute", "audio": False, "video": False})
    host.send({"type": "mute", "audio": False, "video": False})
    guest.send({"type": "captions.language", "languages": ["es"]})
    await guest.expect("captions.reading", languages=["es"])
    await world.hub.publish(captions_channel(meeting.room_id, "es"), {"type": "caption"})
    await asyncio.sleep(0.1)
    assert not any(
        m["type"] in ("peer.joined", "peer.present", "mute", "offer", "caption")
        for m in guest.seen
    )
    assert not host.of_type("peer.joined") and not host.of_type("mute")
    # Let in: the others meet them now, and they meet the others.
    host.send({"type": "meeting.admit", "participant": guest_seat.id})
    await guest.expect("meeting.admitted")
    came = await host.expect("peer.joined")
    assert came["peer"]["session"] == "s-ana" and came["peer"]["audio"] is False
    await guest.expect("peer.present")
    await host.expect("meeting.waiting", waiting=[])
    await world.hub.publish(captions_channel(meeting.room_id, "es"), {"type": "caption"})
    await guest.expect("caption")


async def test_a_waiting_guest_who_goes_is_told_only_to_the_host(world: World) -> None:
    meeting, host_seat = await world.meeting()
    host = await world.connect(host_seat, "s-host")
    guest = await world.connect(await world.guest(meeting, "Ana"), "s-ana")
    await host.expect("meeting.waiting", waiting=[{"id": joined(guest)["you"]["id"],
                                                   "name": "Ana", "role": "resident",
                                                   "language": "es"}])
    guest.send({"type": "leave"})
    await guest.closed()
    assert len(host.of_type("meeting.waiting")) >= 3
    await host.conn.wait_for(lambda: host.of_type("meeting.waiting")[-1]["waiting"] == [])
    assert not host.of_type("peer.left")


@pytest.mark.parametrize(
    "message",
    [
        {"type": "meeting.admit", "participant": "p"},
        {"type": "meeting.remove", "participant": "p"},
        {"type": "meeting.end"},
        {"type": "captions.speaker", "name": "Jo"},
    ],
)
async def test_only_the_host_may_run_the_meeting(world: World, message: dict[str, Any]) -> None:
    meeting, _, (ana, _) = await meeting_with_guests(world)
    ana.send(message)
    assert (await ana.expect("error"))["code"] == "forbidden"
    assert not (await world.meetings.get(meeting.id)).ended


async def test_nobody_runs_a_residents_call_as_a_meeting(world: World) -> None:
    resident, _, _ = await in_call(world)
    resident.send({"type": "meeting.end"})
    assert (await resident.expect("error"))["code"] == "forbidden"


async def test_the_host_removes_a_guest(world: World) -> None:
    meeting, host, (ana, bo) = await meeting_with_guests(world)
    removed = joined(ana)["you"]
    host.send({"type": "meeting.remove", "participant": removed["id"]})
    assert (await ana.expect("room.closed"))["reason"] == "removed"
    assert await ana.closed() == (CloseCode.DONE, "room closed")
    for page in (host, bo):
        gone = await page.expect("peer.left", reason="removed")
        assert gone["peer"]["session"] == "s-ana"
    # The guest's link no longer lets them in.
    again = await world.connect(seat_of(world, ana), "s-ana-again")
    assert again.seen == [{"type": "room.closed", "reason": "removed"}]
    assert await again.closed() == (CloseCode.DONE, "removed")


async def test_the_host_ends_the_meeting_for_everyone(world: World) -> None:
    meeting, host, guests = await meeting_with_guests(world)
    host.send({"type": "meeting.end"})
    for page in (host, *guests):
        assert (await page.expect("room.closed"))["reason"] == "ended"
        assert await page.closed() == (CloseCode.DONE, "room closed")
    assert (await world.meetings.get(meeting.id)).ended


async def test_meeting_events_reach_whom_they_address(world: World) -> None:
    meeting, host, (ana, bo) = await meeting_with_guests(world)
    channel = room_channel(meeting.room_id)
    ana_id = joined(ana)["you"]["id"]
    await world.hub.publish(channel, {"event": "meeting.note", "participant": ana_id, "n": 1})
    await world.hub.publish(channel, {"event": "meeting.note", "audience": "hosts", "n": 2})
    await world.hub.publish(channel, {"event": "meeting.note", "n": 3})
    for page in (host, ana, bo):
        await page.expect("meeting.note", n=3)
    assert [m["n"] for m in ana.of_type("meeting.note")] == [1, 3]
    assert [m["n"] for m in host.of_type("meeting.note")] == [2, 3]
    assert [m["n"] for m in bo.of_type("meeting.note")] == [3]
    assert ana.of_type("meeting.note")[0] == {"type": "meeting.note", "participant": ana_id, "n": 1}
    assert "audience" not in host.of_type("meeting.note")[0]


async def test_the_hosts_arrival_starts_the_meeting(world: World) -> None:
    meeting, host_seat = await world.meeting()
    guest = await world.connect(await world.guest(meeting, "Ana"), "s-ana")
    await world.connect(host_seat, "s-host")
    await guest.expect("meeting.started")
    assert (await world.meetings.get(meeting.id)).started_at is not None


# -- captions ---------------------------------------------------------------------------------


async def test_captions_state_is_passed_on_to_everyone(world: World) -> None:
    resident, interpreter, _ = await in_call(world)
    assert joined(resident)["captions"]["available"] is True
    assert joined(resident)["captions"]["reason_code"] is None
    resident.send({"type": "captions.start", "sdp": "v=0 audio"})
    answer = await resident.expect("captions.answer")
    me = joined(resident)["you"]
    assert answer["sdp"] == "answer for " + me["id"]
    for page in (resident, interpreter):
        state = await page.expect("captions.state", on=True)
        assert state["peer"]["session"] == "s-resident"
    # Live captions say the speaker fell behind, then that their connection ended.
    room = room_channel(room_of(resident))
    who = {"id": me["id"], "name": me["name"], "role": "resident"}
    await world.hub.publish(room, {"event": "captions.behind", "peer": who, "behind": True})
    await world.hub.publish(room, {"event": "captions.state", "peer": who, "on": False})
    for page in (resident, interpreter):
        behind = await page.expect("captions.behind")
        assert behind == {"type": "captions.behind", "peer": who, "behind": True}
        assert await page.expect("captions.state", on=False) == {
            "type": "captions.state", "peer": who, "on": False
        }


async def test_a_newcomer_learns_whose_speech_is_captioned(world: World) -> None:
    resident_seat, interpreter_seat, _ = await world.call()
    resident = await world.connect(resident_seat, "s-resident")
    resident.send({"type": "captions.start", "sdp": "v=0 audio"})
    await resident.expect("captions.state", on=True)
    interpreter = await world.connect(interpreter_seat, "s-interpreter")
    state = await interpreter.expect("captions.state", on=True)
    assert state["peer"]["session"] == "s-resident"


async def test_captions_stop_when_asked_and_when_the_page_goes(world: World) -> None:
    resident, interpreter, _ = await in_call(world)

    def states(page: Page, session: str) -> list[bool]:
        return [m["on"] for m in page.of_type("captions.state") if m["peer"]["session"] == session]

    resident.send({"type": "captions.start", "sdp": "v=0 audio"})
    await interpreter.conn.wait_for(lambda: states(interpreter, "s-resident") == [True])
    resident.send({"type": "captions.stop"})
    await resident.expect("captions.stopped")
    await interpreter.conn.wait_for(lambda: states(interpreter, "s-resident") == [True, False])
    assert not world.live.captioning
    interpreter.send({"type": "captions.start", "sdp": "v=0 audio"})
    await resident.conn.wait_for(lambda: states(resident, "s-interpreter") == [True])
    await interpreter.gone()
    await resident.conn.wait_for(lambda: states(resident, "s-interpreter") == [True, False])
    assert not world.live.captioning


async def test_a_caption_offer_that_fails_is_refused(world: World) -> None:
    resident, _, _ = await in_call(world)
    resident.send({"type": "captions.start", "sdp": "v=0 video only"})
    assert (await resident.expect("error"))["code"] == "invalid_offer"
    world.live.why_not = ("off", "Captions are switched off on this server.")
    resident.send({"type": "captions.start", "sdp": "v=0 audio"})
    assert (await resident.expect("error", code="captions_unavailable"))["message"]
    assert not resident.of_type("captions.answer")


async def test_a_page_reads_captions_in_the_languages_it_chooses(world: World) -> None:
    resident, _, _ = await in_call(world)
    room = room_of(resident)
    assert joined(resident)["captions"]["reading"] == ["es"]
    before = world.live.readers_changes
    resident.send({"type": "captions.language", "languages": ["ar", "original"]})
    await resident.expect("captions.reading", languages=["ar", "original"])
    assert world.live.readers_changes > before  # who reads what is asked again
    await world.hub.publish(captions_channel(room, "es"), {"type": "caption", "n": 1})
    await world.hub.publish(captions_channel(room, "ar"), {"type": "caption", "n": 2})
    await resident.expect("caption", n=2)
    assert [m["n"] for m in resident.of_type("caption")] == [2]
    resident.send({"type": "captions.language", "languages": ["xx"]})
    assert (await resident.expect("error"))["code"] == "invalid"


async def test_the_host_of_a_meeting_in_a_room_names_who_speaks(world: World) -> None:
    meeting, host_seat = await world.meeting("in_room")
    host = await world.connect(host_seat, "s-host")
    host.send({"type": "captions.start", "sdp": "v=0 audio"})
    await host.expect("captions.answer")
    assert world.live.heard == ("es", "ar", "en")
    host.send({"type": "captions.speaker", "name": "  Jo   Smith "})
    await host.expect("captions.speaker", name="Jo Smith")
    assert world.live.labels[host_seat.id] == "Jo Smith"
    host.send({"type": "captions.speaker", "name": ""})
    await host.expect("captions.speaker", name="")
    assert world.live.labels[host_seat.id] is None


async def test_speakers_are_not_named_in_an_online_meeting(world: World) -> None:
    _, host, _ = await meeting_with_guests(world)
    host.send({"type": "captions.speaker", "name": "Jo"})
    assert (await host.expect("error"))["code"] == "invalid"

