"""A meeting's rules as pure functions: who may send what, who is shown what, what ends it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interp.domain.errors import InvalidInput, NotAllowed
from interp.domain.meeting_rules import (
    HOST_ONLY,
    WHILE_WAITING,
    MeetingSeat,
    StillWaiting,
    check_may_name_speaker,
    check_may_send,
    ends_when_everyone_left,
    in_call,
    languages_heard,
    leaving_ends_room,
    seat_of,
    shown_to,
)
from interp.domain.meetings import Attendee, MeetingInfo

NOW = datetime(2030, 5, 1, 9, 30, tzinfo=UTC)
ME = "p-me"
SOMEONE_ELSE = "p-other"


def meeting(mode: str = "online") -> MeetingInfo:
    return MeetingInfo(
        id="m1",
        owner_id="u1",
        title="Housing review",
        scheduled_at=None,
        languages=("es", "ar"),
        mode=mode,
        room_id="r1",
        max_participants=3,
        request_id=None,
        created_at=NOW,
        started_at=None,
        ended_at=None,
        interpreter_joined_at=None,
    )


def attendee(role: str = "resident", admitted: bool = False, removed: bool = False) -> Attendee:
    return Attendee(ME, "Ana", role, "es", admitted, removed, present=True, joined_at=NOW)


HOST = MeetingSeat(meeting(), host=True, waiting=False)
WAITING = MeetingSeat(meeting(), host=False, waiting=True)
GUEST = MeetingSeat(meeting(), host=False, waiting=False)
# A call that is no meeting: nobody has a seat.
CALL = None


# -- seats ------------------------------------------------------------------------------------


def test_a_seat_says_whether_its_holder_hosts_or_waits() -> None:
    host = seat_of(meeting(), attendee("caseworker", admitted=True))
    assert host is not None and host.host and not host.waiting
    waiting = seat_of(meeting(), attendee())
    assert waiting is not None and waiting.waiting and not waiting.host
    guest = seat_of(meeting(), attendee(admitted=True))
    assert guest is not None and not guest.waiting and not guest.host


def test_someone_removed_has_no_seat() -> None:
    assert seat_of(meeting(), attendee(admitted=True, removed=True)) is None


def test_only_a_guest_not_yet_let_in_is_outside_the_call() -> None:
    assert not in_call(WAITING)
    assert in_call(HOST) and in_call(GUEST) and in_call(CALL)


# -- what each may send -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(WHILE_WAITING))
def test_a_waiting_guest_may_leave_mute_and_choose_languages(kind: str) -> None:
    check_may_send(kind, WAITING)


@pytest.mark.parametrize(
    "kind", ["hello", "offer", "answer", "ice", "release", "captions.start", "meeting.admit"]
)
def test_a_waiting_guest_may_send_nothing_else(kind: str) -> None:
    with pytest.raises(StillWaiting) as refused:
        check_may_send(kind, WAITING)
    assert refused.value.code == "waiting"


@pytest.mark.parametrize("kind", sorted(HOST_ONLY))
def test_only_a_host_may_admit_remove_end_and_name_speakers(kind: str) -> None:
    check_may_send(kind, HOST)
    for seat in (GUEST, CALL):
        with pytest.raises(NotAllowed) as refused:
            check_may_send(kind, seat)
        assert refused.value.code == "forbidden"


@pytest.mark.parametrize("seat", [HOST, GUEST, CALL])
def test_anyone_in_the_call_may_signal(seat: MeetingSeat | None) -> None:
    for kind in ("offer", "answer", "ice", "mute", "captions.start", "leave"):
        check_may_send(kind, seat)


# -- who is shown what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event", ["peer.joined", "peer.present", "signal", "mute", "captions.state", "room.started"]
)
def test_a_waiting_guest_sees_nobody(event: str) -> None:
    assert not shown_to(event, ME, WAITING)
    assert shown_to(event, ME, GUEST) and shown_to(event, ME, CALL)


def test_a_waiting_guest_is_shown_the_meeting_and_its_end() -> None:
    for event in ("meeting.started", "meeting.consent", "room.closed"):
        assert shown_to(event, ME, WAITING)


def test_an_event_addressed_to_a_participant_reaches_only_them() -> None:
    for seat in (WAITING, GUEST, HOST):
        assert shown_to("meeting.admitted", ME, seat, addressed_to=ME)
        assert not shown_to("meeting.admitted", ME, seat, addressed_to=SOMEONE_ELSE)


def test_an_event_for_the_hosts_reaches_only_hosts() -> None:
    assert shown_to("meeting.waiting", ME, HOST, audience="hosts")
    for seat in (WAITING, GUEST, CALL):
        assert not shown_to("meeting.waiting", ME, seat, audience="hosts")


# -- what ends a room -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role", "ends"),
    [
        ("call", "resident", True),
        ("call", "interpreter", True),
        ("machine", "resident", True),
        ("machine", "caseworker", False),
        ("meeting", "caseworker", False),
        ("meeting", "resident", False),
        ("meeting", "interpreter", False),
    ],
)
def test_leaving_ends_a_residents_call_but_not_a_meeting(kind: str, role: str, ends: bool) -> None:
    assert leaving_ends_room(kind, role) is ends


def test_a_call_ends_when_everyone_has_gone_a_meeting_does_not() -> None:
    assert ends_when_everyone_left("call") and ends_when_everyone_left("machine")
    assert not ends_when_everyone_left("meeting")


# -- a meeting held in a room -----------------------------------------------------------------


def test_speakers_are_named_only_in_a_meeting_held_in_a_room() -> None:
    check_may_name_speaker(MeetingSeat(meeting("in_room"), host=True, waiting=False))
    with pytest.raises(InvalidInput):
        check_may_name_speaker(HOST)


def test_the_hosts_device_in_a_room_hears_every_language_of_the_meeting() -> None:
    in_room = meeting("in_room")
    host = MeetingSeat(in_room, host=True, waiting=False)
    assert languages_heard(host, "en") == ("es", "ar", "en")
    assert languages_heard(MeetingSeat(in_room, host=False, waiting=False), "en") == ()
    assert languages_heard(HOST, "en") == ()  # online: each hears their own microphone
    assert languages_heard(CALL, "en") == ()
