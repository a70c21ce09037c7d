"""What the server sends to clients: each message type with its fields, as typed dicts.

The code builds every server-to-client message from these, so the type checker catches a
misspelt or missing field; ``SERVER_MESSAGES`` lists what each endpoint sends, and the
protocol document's test checks that each of them, with every field, is in
docs/protocol.md. (What clients may send is in ``interp.realtime.protocol``.)

A payload the domain shapes (a queued request, a waiting guest) is carried as the plain
dict its ``as_dict`` makes; events that other parts of the server publish and the room
passes on as they are (captions, meeting events) keep the fields their publisher gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict, cast

# -- on every endpoint ------------------------------------------------------------------------


class Error(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    # On /ws/volunteer, the request asked for: someone else accepted it first (code
    # "taken"), or the volunteer is still in another call (code "conflict"). Code
    # "no_languages": going available was refused, the account has no languages yet.
    request: NotRequired[str]


class Pong(TypedDict):
    type: Literal["pong"]


def error(code: str, message: str) -> Error:
    return {"type": "error", "code": code, "message": message}


# -- /ws/resident -----------------------------------------------------------------------------


class Status(TypedDict):
    type: Literal["status"]
    status: str
    language: str
    media: str
    position: int | None
    estimated_wait_s: float | None
    long_wait: bool
    fallback_wait_s: float
    machine: bool
    call_url: NotRequired[str]


# -- /ws/volunteer ----------------------------------------------------------------------------


class Queue(TypedDict):
    type: Literal["queue"]
    available: bool
    requests: list[dict[str, Any]]


class RequestNew(TypedDict):
    type: Literal["request.new"]
    request: dict[str, Any]
    returned: bool


class RequestGone(TypedDict):
    type: Literal["request.gone"]
    id: str
    reason: str
    by_you: bool


class BookingChanged(TypedDict):
    """A booking in one of the volunteer's languages opened (new or handed back) or went
    (claimed or cancelled)."""

    type: Literal["booking.new", "booking.gone"]
    booking: dict[str, Any]
    by_you: bool


class RequestLongWait(TypedDict):
    type: Literal["request.long_wait"]
    id: str


class Accepted(TypedDict):
    type: Literal["accepted"]
    request: str
    room: str
    call_url: str


# -- people -----------------------------------------------------------------------------------


class Person(TypedDict):
    """Who someone is, without how to reach them."""

    id: str
    name: str
    role: str


class Peer(Person):
    """A participant's page in a call."""

    language: str | None
    session: str
    audio: bool
    video: bool


# -- /ws/room ---------------------------------------------------------------------------------


class CaptionsAvailability(TypedDict):
    available: bool
    # "off" (switched off on this server) or "no_model", for the page to say in its language.
    reason_code: str | None
    reason: str | None


class CaptionsInfo(CaptionsAvailability):
    reading: list[str]
    languages: list[str]
    machine: bool
    local_language: str
    for_all: bool
    asked: bool
    speaking: list[str]
    voices: list[str]


class RoomRef(TypedDict):
    id: str
    media: str


class MeetingRef(TypedDict):
    id: str
    title: str
    mode: str
    max_participants: int
    host: bool


class Joined(TypedDict):
    type: Literal["joined"]
    you: Peer
    room: RoomRef
    ice_servers: list[dict[str, Any]]
    captions: CaptionsInfo
    # In a meeting only.
    meeting: NotRequired[MeetingRef]
    waiting: NotRequired[bool]


class PeerJoined(TypedDict):
    type: Literal["peer.joined"]
    peer: Peer


class PeerPresent(TypedDict):
    type: Literal["peer.present"]
    peer: Peer


class PeerReconnecting(TypedDict):
    type: Literal["peer.reconnecting"]
    peer: Peer


class PeerLeft(TypedDict):
    type: Literal["peer.left"]
    peer: Peer
    reason: str


# Signals reach their peer as the sender wrote them, with ``from`` (a keyword in Python)
# in place of ``to``.
Offer = TypedDict("Offer", {"type": Literal["offer"], "sdp": str, "from": str})
Answer = TypedDict("Answer", {"type": Literal["answer"], "sdp": str, "from": str})
Ice = TypedDict(
    "Ice",
    {
        "type": Literal["ice"],
        "candidate": str,
        "sdp_mid": NotRequired[str | None],
        "sdp_mline_index": NotRequired[int | None],
        "from": str,
    },
)

Signal = Offer | Answer | Ice


def relayed_signal(message: Mapping[str, Any], sender: str) -> Signal:
    """A signal as its peer gets it: as the sender wrote it (``to`` taken out), with ``from``."""
    return cast(Signal, {**message, "from": sender})


class Mute(TypedDict):
    type: Literal["mute"]
    peer: Peer


class RoomStarted(TypedDict):
    type: Literal["room.started"]


class RoomClosed(TypedDict):
    type: Literal["room.closed"]
    reason: str


class CaptionsAnswer(TypedDict):
    type: Literal["captions.answer"]
    sdp: str


class CaptionsStopped(TypedDict):
    type: Literal["captions.stopped"]


class CaptionsState(TypedDict):
    type: Literal["captions.state"]
    peer: Person
    on: bool


class CaptionsBehind(TypedDict):
    type: Literal["captions.behind"]
    peer: Person
    behind: bool


class CaptionsReading(TypedDict):
    type: Literal["captions.reading"]
    languages: list[str]


class CaptionsSpeaking(TypedDict):
    type: Literal["captions.speaking"]
    languages: list[str]


class Speech(TypedDict):
    """A final caption read aloud, for the pages that asked (``captions.speak``)."""

    type: Literal["speech"]
    stream: str
    seq: int
    reading: str
    language: str
    mime: str
    audio: str
    duration_s: float


class CaptionsAll(TypedDict):
    type: Literal["captions.all"]
    on: bool
    by: Person


class CaptionsSpeaker(TypedDict):
    type: Literal["captions.speaker"]
    name: str


class MeetingWaiting(TypedDict):
    type: Literal["meeting.waiting"]
    waiting: list[dict[str, Any]]


class MeetingAdmitted(TypedDict):
    type: Literal["meeting.admitted"]
    captions_for_all: bool


class MeetingStarted(TypedDict):
    type: Literal["meeting.started"]


# -- /ws/captions -----------------------------------------------------------------------------


class ViewedMeeting(TypedDict):
    title: str
    started: bool


class Viewing(TypedDict):
    type: Literal["viewing"]
    meeting: ViewedMeeting
    languages: list[str]
    reading: list[str]
    captions: CaptionsAvailability


class ViewerReading(TypedDict):
    type: Literal["viewer.reading"]
    languages: list[str]


class MeetingEnded(TypedDict):
    type: Literal["meeting.ended"]


def captions_availability(unavailable: tuple[str, str] | None) -> CaptionsAvailability:
    """Whether captions can start, from ``LiveCaptioning.unavailable()``."""
    return {
        "available": unavailable is None,
        "reason_code": unavailable[0] if unavailable else None,
        "reason": unavailable[1] if unavailable else None,
    }


def person(peer: Mapping[str, Any]) -> Person:
    """Who a peer is, without its session (for those who need no way to reach them)."""
    return {"id": peer["id"], "name": peer["name"], "role": peer["role"]}


# What each endpoint sends (by its heading in docs/protocol.md); "" for every endpoint.
# -- /ws/coordinator --------------------------------------------------------------------------


class Safeguarding(TypedDict):
    """A safeguarding report came in or was marked as seen: ``unseen`` is how many wait."""

    type: Literal["safeguarding"]
    unseen: int
    # The new report's id; absent when one was marked as seen.
    report: NotRequired[str]


SERVER_MESSAGES: dict[str, tuple[type, ...]] = {
    "": (Error, Pong),
    "/ws/resident": (Status,),
    "/ws/coordinator": (Safeguarding,),
    "/ws/volunteer": (Queue, RequestNew, RequestGone, RequestLongWait, Accepted),
    "/ws/room": (
        Joined,
        PeerJoined,
        PeerPresent,
        PeerReconnecting,
        PeerLeft,
        Offer,
        Answer,
        Ice,
        Mute,
        RoomStarted,
        RoomClosed,
        CaptionsAnswer,
        CaptionsStopped,
        CaptionsState,
        CaptionsBehind,
        CaptionsReading,
        CaptionsSpeaker,
        CaptionsAll,
        CaptionsSpeaking,
        Speech,
        MeetingWaiting,
        MeetingAdmitted,
        MeetingStarted,
    ),
    "/ws/captions": (
        Viewing,
        ViewerReading,
        CaptionsState,
        CaptionsBehind,
        MeetingStarted,
        MeetingEnded,
    ),
}
