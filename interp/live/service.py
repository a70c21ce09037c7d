"""Live captions on this node: who is being captioned, in which room, and the models.

A participant who turns captions on sends an offer for a send-only audio connection;
the answer comes from here, their audio feeds their caption stream in the room's
``RoomCaptions``, and the captions go out on the hub. The speech model loads when
captions are first needed (a server where nobody uses them never pays for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np

from interp.captions.engine import CaptionEngine
from interp.config import Settings
from interp.domain.rooms import Participant, RoomInfo, Rooms
from interp.hub import Hub
from interp.hub.channels import room_channel
from interp.languages import is_signed
from interp.live.interface import CaptionsUnavailable
from interp.live.relay import OnFinal, RoomCaptions, Speaker, finish
from interp.live.viewers import ViewerLanguages
from interp.media.peers import CaptionPeers, check_offer
from interp.modelstore import resolve_speech_model
from interp.translation.service import TranslationService
from interp.translation.translator import Translator

log = logging.getLogger(__name__)

# How long a room's reader languages are reused before the database is asked again (a
# change on this node, or someone arriving or leaving, asks again at once).
READERS_TTL_S = 5.0


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
        self, settings: Settings, hub: Hub, rooms: Rooms, on_final: OnFinal | None = None
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.rooms = rooms
        # Told of every final caption (meetings keep their transcripts through it).
        self.on_final = on_final
        self.peers = CaptionPeers(settings.ice_servers)
        self._engine: CaptionEngine | None = None
        self._engine_lock = asyncio.Lock()
        self._translation: TranslationService | None = None
        self._rooms: dict[str, RoomCaptions] = {}
        self._speaking: dict[str, _Speaking] = {}
        self._readers: dict[str, tuple[float, set[str]]] = {}
        # Caption viewers are no participants: what they read is heard on the hub.
        self.viewers = ViewerLanguages(hub)
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def local_language(self) -> str:
        return self.settings.local_language

    def unavailable(self) -> tuple[str, str] | None:
        """None when captions can start here; otherwise (code, why not in a sentence)."""
        if not self.settings.captions:
            return "off", "Live captions are switched off on this server."
        if self._engine is not None:
            return None
        try:
            resolve_speech_model(self.settings.models_dir, self.settings.asr_model)
        except Exception as exc:  # the model store says what to install
            log.warning("live captions unavailable: %s", exc)
            return "no_model", "Live captions are not set up on this server yet (no speech model)."
        return None

    @property
    def translation(self) -> TranslationService:
        if self._translation is None:
            translator = Translator(self.settings.models_dir)
            for problem in translator.problems:
                log.warning("translation model: %s", problem)
            self._translation = TranslationService(translator, self.settings.english_via)
        return self._translation

    async def engine(self) -> CaptionEngine:
        async with self._engine_lock:
            if self._engine is None:
                why = self.unavailable()
                if why is not None:
                    raise CaptionsUnavailable(why[1])
                # Loading takes a second or two: not on the event loop.
                self._engine = await asyncio.to_thread(CaptionEngine.from_settings, self.settings)
            return self._engine

    def speaker_for(
        self, room: RoomInfo, participant: Participant, hears: tuple[str, ...] = ()
    ) -> Speaker:
        """``hears``: the languages this microphone may pick up, when it is a room's (an
        in-room meeting's host device); each utterance's language is then detected."""
        local = self.settings.local_language
        own = participant.language_code
        name = participant.display_name
        in_room = tuple(dict.fromkeys(code for code in hears if code and not is_signed(code)))
        if len(in_room) > 1:
            return Speaker(participant.id, name, participant.role, None, in_room)
        if in_room:
            return Speaker(participant.id, name, participant.role, in_room[0])
        if participant.role == "resident" and room.machine:
            # One device at a desk: the resident and the person across from them.
            voices = [(own, "", "resident"), (room.desk_language or local, "", "desk")]
            spoken = [(lang, n, r) for lang, n, r in voices if lang and not is_signed(lang)]
            languages = tuple(dict.fromkeys(lang for lang, _, _ in spoken))
            if len(languages) == 1:
                _, only_name, only_role = spoken[-1]
                return Speaker(participant.id, only_name, only_role, languages[0])
            return Speaker(participant.id, "", "resident", None, languages, tuple(spoken))
        if participant.role == "resident":
            language = own if own and not is_signed(own) else local
            return Speaker(participant.id, name, "resident", language)
        # An interpreter's language is the one of the request they took (with several
        # residents in a meeting, theirs is not simply the first resident's).
        interpreted = own or next(
            (p.language_code for p in room.participants if p.role == "resident"), None
        )
        spoken_other = interpreted and interpreted != local and not is_signed(interpreted)
        if participant.role == "interpreter" and spoken_other:
            # Interpreters speak both sides: each utterance's language is detected.
            assert interpreted is not None
            return Speaker(participant.id, name, "interpreter", None, (interpreted, local))
        return Speaker(participant.id, name, participant.role, local)

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
        that reconnected or was reloaded). ``hears``: see ``speaker_for``. Raises
        ``CaptionsUnavailable`` or ``interp.media.peers.OfferError``.
        """
        engine = await self.engine()
        speaker = self.speaker_for(room, participant, hears)
        if not engine.multilingual and {speaker.language, *speaker.languages} - {"en", None}:
            raise CaptionsUnavailable("This server's speech model understands only English.")
        check_offer(offer_sdp)  # a bad offer must not end the captions already running
        self.translation.translator.reload()  # pick up models installed since
        captions = self._rooms.get(room.id)
        if captions is None:
            captions = RoomCaptions(
                room.id,
                engine,
                self.hub,
                lambda: self.readers(room.id),
                self.translation,
                on_final=self.on_final,
            )
            self._rooms[room.id] = captions
        await self.viewers.follow(room.id)
        key = participant.id
        self._retire(key)
        who = {"id": participant.id, "name": participant.display_name, "role": participant.role}

        def on_behind(behind: bool) -> None:
            event = {"event": "captions.behind", "peer": who, "behind": behind}
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
            event = {"event": "captions.state", "peer": who, "on": False}
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

    async def readers(self, room_id: str) -> set[str]:
        """The languages read in the room now: by its participants (asked of the database at
        most every READERS_TTL_S, or when they change) and by its caption viewers."""
        cached = self._readers.get(room_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < READERS_TTL_S:
            wanted = cached[1]
        else:
            wanted = await self.rooms.caption_readers(room_id, self.settings.local_language)
            self._readers[room_id] = (now, wanted)
        return wanted | self.viewers.languages(room_id)

    def readers_changed(self, room_id: str) -> None:
        self._readers.pop(room_id, None)

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
        if self._translation is not None:
            self._translation.close()
        if self._engine is not None:
            await asyncio.to_thread(self._engine.close)
