"""Captions on a room connection: the page's own speech captioned, the captions it reads,
and whose speech is captioned.

While a participant's captions are on, their audio reaches the server over a connection
of its own (through ``LiveCaptioning``); every page follows the caption channels of the
languages it reads. In a meeting held in a room, the host's device captions the whole
room and the host says who is speaking.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

from interp.domain.call_captions import check_may_switch_captions_for_all
from interp.domain.meeting_rules import check_may_name_speaker, languages_heard
from interp.domain.meetings import clean_name
from interp.hub.events import RoomEvent
from interp.live.interface import CaptionsUnavailable, OfferError
from interp.realtime.caption_follower import CaptionFollower
from interp.realtime.messages import (
    CaptionsAll,
    CaptionsAnswer,
    CaptionsBehind,
    CaptionsInfo,
    CaptionsReading,
    CaptionsSpeaker,
    CaptionsSpeaking,
    CaptionsState,
    CaptionsStopped,
    captions_availability,
    person,
)
from interp.realtime.protocol import language_codes
from interp.realtime.room.call import Call, Handler


class CaptionsPart:
    def __init__(self, call: Call) -> None:
        self.call = call
        live = call.services.live
        participant = call.me.participant
        self.reading = participant.caption_languages or call.room.default_reading(
            participant, live.local_language
        )
        # In a meeting held in a room: who the host's microphone hears, when not the host.
        self.speaker_name: str | None = None
        # The languages this page has read aloud (speech messages of the others are dropped).
        self.speaking: tuple[str, ...] = participant.speech_languages
        self.follower = CaptionFollower(call.services.hub, call.room.id, self._deliver)
        self._starting: set[asyncio.Task[None]] = set()
        self.events: dict[str, Handler] = {
            RoomEvent.CAPTIONS_STATE: self._state,
            RoomEvent.CAPTIONS_BEHIND: self._behind,
            RoomEvent.CAPTIONS_ALL: self._all_changed,
        }
        self.messages: dict[str, Handler] = {
            "captions.start": self._start,
            "captions.stop": self._stop,
            "captions.language": self._choose_languages,
            "captions.speaker": self._name_speaker,
            "captions.all": self._switch_for_all,
            "captions.speak": self._choose_speech,
        }

    @property
    def on(self) -> bool:
        """Whether this connection's speech is being captioned."""
        live = self.call.services.live
        return live.is_on(self.call.me.participant.id, self.call.connection_id)

    def info(self) -> CaptionsInfo:
        live, room = self.call.services.live, self.call.room
        return {
            **captions_availability(live.unavailable()),
            "reading": list(self.reading),
            "languages": list(room.spoken_languages(live.local_language)),
            "machine": room.machine,
            "local_language": live.local_language,
            "for_all": room.captions_for_all,
            "asked": room.captions_asked,
            "speaking": list(self.speaking),
            "voices": [code for code in room.spoken_languages(live.local_language)
                       if live.speaks(code)],
        }

    def follow(self) -> None:
        """(Re)subscribe to the caption channels of the languages this page reads."""
        self.follower.follow(self.reading)

    def readers_changed(self) -> None:
        self.call.services.live.readers_changed(self.call.room.id)

    async def announce(self, on: bool) -> None:
        call = self.call
        await call.publish({"event": RoomEvent.CAPTIONS_STATE, "peer": call.me.as_dict(), "on": on})

    async def close(self) -> None:
        """The connection has ended: stop reading, and stop captioning this page's speech."""
        for task in list(self._starting):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.follower.stop()
        await self._stop_captioning()

    async def _state(self, event: dict[str, Any]) -> None:
        state: CaptionsState = {"type": "captions.state", "peer": event["peer"], "on": event["on"]}
        await self.call.send(state)

    async def _behind(self, event: dict[str, Any]) -> None:
        behind: CaptionsBehind = {
            "type": "captions.behind",
            "peer": event["peer"],
            "behind": event["behind"],
        }
        await self.call.send(behind)

    async def _deliver(self, message: dict[str, Any]) -> None:
        # Spoken captions travel with the captions of their language, but only to the
        # pages that asked to hear them: the others are spared the data.
        if message.get("type") == "speech" and message.get("reading") not in self.speaking:
            return
        await self.call.send(message)

    async def _choose_speech(self, message: dict[str, Any]) -> None:
        languages = language_codes(message["languages"])
        call = self.call
        chosen = await call.services.rooms.set_speech_languages(call.me.participant.id, languages)
        self.speaking = chosen
        self.readers_changed()
        speaking: CaptionsSpeaking = {"type": "captions.speaking", "languages": list(chosen)}
        await call.send(speaking)

    async def _switch_for_all(self, message: dict[str, Any]) -> None:
        call = self.call
        on: bool = message["on"]
        room = await call.services.rooms.get(call.room.id)
        check_may_switch_captions_for_all(room, call.me.participant, on)
        if await call.services.rooms.set_captions_for_all(room.id, on):
            event = {"event": RoomEvent.CAPTIONS_ALL, "peer": call.me.as_dict(), "on": on}
            await call.publish(event)

    async def _all_changed(self, event: dict[str, Any]) -> None:
        # Kept here too: a page that reconnects is told the room's state in its `joined`.
        self.call.room = dataclasses.replace(self.call.room, captions_for_all=event["on"])
        changed: CaptionsAll = {
            "type": "captions.all",
            "on": event["on"],
            "by": person(event["peer"]),
        }
        await self.call.send(changed)

    async def _start(self, message: dict[str, Any]) -> None:
        if self._starting:
            # One caption connection at a time per page: a flood of starts opens no more.
            await self.call.reject("rate_limited", "Captions are already starting: wait for them.")
            return
        # Answering may first load the speech model: signalling must not wait for it.
        task = asyncio.create_task(self._answer(message["sdp"]))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _answer(self, offer_sdp: str) -> None:
        call = self.call
        live, me = call.services.live, call.me.participant
        hears = languages_heard(call.seat, live.local_language)
        try:
            room = await call.services.rooms.get(call.room.id)
            answer = await live.start(room, me, call.connection_id, offer_sdp, hears)
        except CaptionsUnavailable as exc:
            await call.reject("captions_unavailable", str(exc))
            return
        except OfferError as exc:
            await call.reject("invalid_offer", f"The caption connection failed: {exc}.")
            return
        if self.speaker_name:
            live.relabel(call.room.id, me.id, self.speaker_name)
        answered: CaptionsAnswer = {"type": "captions.answer", "sdp": answer}
        await call.send(answered)
        await self.announce(True)

    async def _stop(self, message: dict[str, Any]) -> None:
        await self._stop_captioning()
        stopped: CaptionsStopped = {"type": "captions.stopped"}
        await self.call.send(stopped)

    async def _stop_captioning(self) -> None:
        if self.on:
            # Said at once; the last sentence is still finalised and delivered after.
            await self.announce(False)
            call = self.call
            await call.services.live.stop(call.room.id, call.me.participant.id, call.connection_id)

    async def _choose_languages(self, message: dict[str, Any]) -> None:
        languages = language_codes(message["languages"])
        call = self.call
        chosen = await call.services.rooms.set_caption_languages(call.me.participant.id, languages)
        self.reading = chosen
        self.readers_changed()
        if call.in_call:
            self.follow()
        reading: CaptionsReading = {"type": "captions.reading", "languages": list(chosen)}
        await call.send(reading)

    async def _name_speaker(self, message: dict[str, Any]) -> None:
        """Label what the host's microphone hears next; "" gives it back to the host."""
        call = self.call
        assert call.seat is not None
        check_may_name_speaker(call.seat)
        name: str = message["name"]
        self.speaker_name = clean_name(name) if name.strip() else None
        call.services.live.relabel(call.room.id, call.me.participant.id, self.speaker_name)
        speaker_named = call.services.speaker_named
        if self.speaker_name and speaker_named is not None:
            await speaker_named(call.room.id, self.speaker_name)
        named: CaptionsSpeaker = {"type": "captions.speaker", "name": self.speaker_name or ""}
        await call.send(named)
