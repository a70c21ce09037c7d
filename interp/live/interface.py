"""What the realtime handlers may ask of live captions, and nothing more.

The room and caption-view sockets depend on this protocol, not on how captions
are made (``interp.live.service.LiveCaptions`` is the implementation), so the two
layers meet in one small place and never import each other both ways.
"""

from __future__ import annotations

from typing import Any, Protocol

from interp.domain.rooms import Participant, RoomInfo
from interp.media.peers import OfferError

__all__ = [
    "HEARTBEAT_S",
    "CaptionsUnavailable",
    "LiveCaptioning",
    "OfferError",
    "gone_event",
    "languages_event",
]

# How often a caption viewer's connection says what it reads, for as long as it stays
# (the node that captions the room listens: see ``interp.live.viewers``).
HEARTBEAT_S = 5.0


def languages_event(viewer: str, languages: tuple[str, ...]) -> dict[str, Any]:
    """A caption viewer (``viewer``: a random id per connection) reads ``languages``."""
    return {"event": "viewer.languages", "viewer": viewer, "languages": list(languages)}


def gone_event(viewer: str) -> dict[str, Any]:
    """A caption viewer's connection has closed."""
    return {"event": "viewer.gone", "viewer": viewer}


class CaptionsUnavailable(Exception):
    """Captions cannot start here; the message says why, for the person who asked."""


class LiveCaptioning(Protocol):
    @property
    def local_language(self) -> str:
        """The language the organisation's staff speak."""
        ...

    def unavailable(self) -> tuple[str, str] | None:
        """None when captions can start here; otherwise (code, why not in a sentence)."""
        ...

    async def start(
        self,
        room: RoomInfo,
        participant: Participant,
        owner: str,
        offer_sdp: str,
        hears: tuple[str, ...] = (),
    ) -> str:
        """Caption the participant from the audio of their offer; returns the answer SDP.

        Raises ``CaptionsUnavailable`` or ``OfferError``.
        """
        ...

    async def stop(self, room_id: str, participant_id: str, owner: str | None = None) -> bool:
        """Stop captioning a participant (their last words still go out); False if off."""
        ...

    def is_on(self, participant_id: str, owner: str | None = None) -> bool: ...

    def relabel(self, room_id: str, participant_id: str, name: str | None) -> bool:
        """Say who the participant's microphone hears from now on (None: themselves)."""
        ...

    async def post_text(self, room: RoomInfo, participant: Participant, text: str) -> None:
        """Publish a line the participant typed (already checked) to the room's caption
        readers, translated once per language read; returns once it is out."""
        ...

    def speaks(self, language: str) -> bool:
        """Whether captions in ``language`` can be read aloud here (a voice speaks it)."""
        ...

    def readers_changed(self, room_id: str) -> None:
        """Someone came, went or chose another language: ask again who reads what."""
        ...

    async def close(self) -> None: ...
