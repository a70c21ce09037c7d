"""Live captions on this node: who is captioned in which room, and whose audio to skip.

A participant who turns captions on sends an offer for a send-only audio connection;
the answer comes from here, their audio feeds their caption stream in the room's
``RoomCaptions``, and the captions go out on the hub. The speech engine and
translation come from the process's ``LanguageTools``; which language a microphone
is captioned in is the domain's rule (``interp.domain.speakers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np

from interp.config import Settings
from interp.domain.chat import written_in
from interp.domain.rooms import Participant, RoomInfo, Rooms
from interp.domain.speakers import speaker_for
from interp.hub import Hub
from interp.hub.channels import room_channel
from interp.hub.events import RoomEvent
from interp.language_tools import LanguageTools, SpeechUnavailable, Unavailable
from interp.live.interface import CaptionsUnavailable
from interp.live.readers import RoomReaders
from interp.live.relay import CaptionFanout, OnFinal, RoomCaptions, finish
from interp.live.spoken import SpokenCaptions
from interp.live.viewers import ViewerLanguages
from interp.media.peers import CaptionPeers, check_offer

log = logging.getLogger(__name__)

# Why live captions cannot start here, for the person who asked.
UNAVAILABLE = {
    Unavailable.OFF: "Live captions are switched off on this server.",
    Unavailable.NO_MODEL: "Live captions are not set up on this server yet (no speech model).",
}

# Under overload a speaker's audio is skipped, rather than their captions falling ever
# further behind, from this many sentences waiting for recognition until none is.
SKIP_FROM_BACKLOG = 3


class _Speaking:
    """One participant's captions: the caption stream's input while it is the current one."""

    def __init__(
        self,
        push: Callable[[np.ndarray], None],
        backlog: Callable[[], int],
        on_behind: Callable[[bool], None],
        owner: str,
    ) -> None:
        self._push = push
        self._backlog = backlog
        self._on_behind = on_behind
        self.owner = owner  # the connection that turned them on
        self.current = True
        self.behind = False

    def __call__(self, samples: np.ndarray) -> None:
        if not self.current:
            return
        waiting = self._backlog()
        behind = waiting > 0 if self.behind else waiting >= SKIP_FROM_BACKLOG
        if behind != self.behind:
            self.behind = behind
            self._on_behind(behind)
        if not self.behind:
            self._push(samples)


class LiveCaptions:
    def __init__(
        self,
        settings: Settings,
        hub: Hub,
        rooms: Rooms,
        language_tools: LanguageTools,
        on_final: OnFinal | None = None,
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.language_tools = language_tools
        # Told of every final caption (meetings keep their transcripts through it).
        self.on_final = on_final
        self.peers = CaptionPeers(settings.ice_servers)
        self._rooms: dict[str, RoomCaptions] = {}
        self._speaking: dict[str, _Speaking] = {}
        self.viewers = ViewerLanguages(hub)
        self.readers = RoomReaders(rooms, self.viewers.languages, settings.local_language)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_typed = 0

    @property
    def local_language(self) -> str:
        return self.settings.local_language

    def speaks(self, language: str) -> bool:
        return self.language_tools.speech_output.speaks(language)

    def unavailable(self) -> tuple[str, str] | None:
        """None when captions can start here; otherwise (code, why not in a sentence)."""
        why = self.language_tools.unavailable()
        return None if why is None else (why, UNAVAILABLE[why])

    async def start(
        self,
        room: RoomInfo,
        participant: Participant,
        owner: str,
        offer_sdp: str,
        hears: tuple[str, ...] = (),
    ) -> str:
        """Caption this participant from the audio of their offer; returns the answer SDP.

        ``owner`` names the connection asking. A second offer replaces the first (a page
        that reconnected or was reloaded). ``hears``: see ``interp.domain.speakers``.
        Raises ``CaptionsUnavailable`` or ``interp.media.peers.OfferError``.
        """
        # First, before the speech model loads: a bad offer is refused at once, and must not
        # end the captions already running.
        check_offer(offer_sdp)
        try:
            engine = await self.language_tools.engine()
        except SpeechUnavailable as exc:
            raise CaptionsUnavailable(UNAVAILABLE[exc.why]) from exc
        speaker = speaker_for(room, participant, self.settings.local_language, hears)
        if not engine.multilingual and {speaker.language, *speaker.languages} - {"en", None}:
            raise CaptionsUnavailable("This server's speech model understands only English.")
        translation = self.language_tools.translation
        translation.translator.reload()  # pick up models installed since
        captions = self._rooms.get(room.id)
        if captions is None:
            captions = RoomCaptions(
                room.id,
                engine,
                self.hub,
                lambda: self.readers.languages(room.id),
                translation,
                on_final=self.on_final,
                spoken=self._spoken(room.id),
            )
            self._rooms[room.id] = captions
        await self.viewers.follow(room.id)
        key = participant.id
        self._retire(key)
        who = {"id": participant.id, "name": participant.display_name, "role": participant.role}

        def on_behind(behind: bool) -> None:
            event = {"event": RoomEvent.CAPTIONS_BEHIND, "peer": who, "behind": behind}
            self._spawn(self.hub.publish(room_channel(room.id), event))

        push = captions.start(speaker)
        speaking = _Speaking(push, lambda: captions.backlog(key), on_behind, owner)
        self._speaking[key] = speaking

        def track_ended() -> None:
            if self._speaking.get(key) is speaking:
                # The connection failed or was closed from the page's side: tell the room.
                self._spawn(self._ended(room.id, key, who))

        try:
            return await self.peers.answer(key, offer_sdp, lambda: speaking, track_ended)
        except Exception:
            await self.stop(room.id, key)
            raise

    async def _ended(self, room_id: str, participant_id: str, who: dict[str, str]) -> None:
        if await self.stop(room_id, participant_id):
            event = {"event": RoomEvent.CAPTIONS_STATE, "peer": who, "on": False}
            await self.hub.publish(room_channel(room_id), event)

    def _retire(self, key: str) -> None:
        previous = self._speaking.pop(key, None)
        if previous is not None:
            previous.current = False

    async def stop(self, room_id: str, participant_id: str, owner: str | None = None) -> bool:
        """Stop captioning a participant (their last words still go out); False if off.

        With ``owner``, only if that connection is the one whose audio is being captioned.
        """
        speaking = self._speaking.get(participant_id)
        if owner is not None and (speaking is None or speaking.owner != owner):
            return False
        self._retire(participant_id)
        # Retire this stream and connection before waiting on anything: a new start that
        # comes meanwhile must not have its own taken down.
        captions = self._rooms.get(room_id)
        retired = captions.retire(participant_id) if captions is not None else None
        await self.peers.close(participant_id)
        if captions is not None:
            # Returns once the last sentence has been finalised and delivered.
            await self._wind_down(room_id, captions, retired)
        return speaking is not None

    async def _wind_down(
        self, room_id: str, captions: RoomCaptions, retired: asyncio.Task[None] | None
    ) -> None:
        if retired is not None:
            await finish(retired)
        if not captions.speakers and self._rooms.get(room_id) is captions:
            del self._rooms[room_id]
            self.viewers.unfollow(room_id)

    def relabel(self, room_id: str, participant_id: str, name: str | None) -> bool:
        """Say who the participant's microphone hears from now on (None: themselves again);
        False when their captions are not on on this node."""
        captions = self._rooms.get(room_id)
        return captions is not None and captions.relabel(participant_id, name)

    def is_on(self, participant_id: str, owner: str | None = None) -> bool:
        speaking = self._speaking.get(participant_id)
        return speaking is not None and owner in (None, speaking.owner)

    def readers_changed(self, room_id: str) -> None:
        self.readers.changed(room_id)

    async def post_text(self, room: RoomInfo, participant: Participant, text: str) -> None:
        """Publish a typed line like a final caption, translated once per language read in
        the room. Only translation is needed: it goes out whether or not anyone's captions
        are on, and where this server has no speech model."""
        await self.language_tools.refresh_glossary()
        fanout = CaptionFanout(
            room.id,
            self.hub,
            lambda: self.readers.languages(room.id),
            self.language_tools.translation,
            self.on_final,
            self._spoken(room.id),
        )
        who = {"name": participant.display_name, "role": participant.role}
        await fanout.post_text(
            f"{participant.id}/chat",
            self._typed_number(),
            participant.id,
            who,
            written_in(participant, self.settings.local_language),
            text,
        )

    def _typed_number(self) -> int:
        """A typed line's block number: the time in milliseconds, raised past the last one.
        A sender whose page moves to another node, or comes back after a restart, then never
        gets a number already used (their pages would take the line for a correction)."""
        self._last_typed = max(self._last_typed + 1, time.time_ns() // 1_000_000)
        return self._last_typed

    def _spoken(self, room_id: str) -> SpokenCaptions:
        return SpokenCaptions(
            room_id,
            self.hub,
            lambda: self.readers.heard(room_id),
            self.language_tools.speech_output,
            self._spawn,
        )

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        await self.peers.close_all()
        await self.viewers.close()
        for captions in list(self._rooms.values()):
            await captions.close()
        self._rooms.clear()
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
