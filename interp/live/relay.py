"""Relaying one room's caption events to its listeners, each in the language they read.

Each speaker has their own caption stream, so the speaker label comes free. A final
segment is translated once per language that someone in the room reads, not once
per listener, and published on that language's hub channel; a listener's connection
subscribes to the channel of the language it reads. Partials go out too, as
tentative text: in the speaker's language at once, and translated for the other
languages beside the relay, at most every ``partial_translation_interval_s`` per
stream and never in a final's way (``interp.live.partials``). A line typed
in the room's chat goes out the same way as a final (``CaptionFanout.post_text``),
marked ``kind: "chat"``, and needs no speech model.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from interp.captions.engine import CaptionEngine
from interp.captions.events import CaptionEvent, StreamOptions
from interp.captions.stream import CaptionStream
from interp.domain.kinds import CaptionKind, SpeakerRole
from interp.domain.rooms import ORIGINAL
from interp.domain.speakers import Speaker
from interp.domain.tokens import utcnow
from interp.domain.transcripts import SpokenSegment
from interp.hub import Hub
from interp.hub.channels import captions_channel
from interp.live.partials import PartialTranslations
from interp.live.spoken import SpokenCaptions
from interp.translation.service import TranslationService
from interp.translation.translator import Translation

log = logging.getLogger(__name__)

LanguagesWanted = Callable[[], Awaitable[set[str]]]
# Told of every final caption with words, in the speaker's language (to keep a transcript).
OnFinal = Callable[[SpokenSegment], Awaitable[object]]


@dataclass
class _SpeakerStream:
    speaker: Speaker
    stream: CaptionStream
    # Block number of each utterance in progress, by its start time.
    utterances: dict[float, int] = field(default_factory=dict)
    # Translates the utterance in progress for readers of other languages.
    partials: PartialTranslations | None = None
    task: asyncio.Task[None] | None = None
    # Who the microphone hears now, when someone other than its speaker (see relabel).
    label: dict[str, str] | None = None


class CaptionFanout:
    """Publishing one room's caption lines: each once as said, then translated once per
    language read in the room, and each final with words handed to ``on_final``."""

    def __init__(
        self,
        room_id: str,
        hub: Hub,
        languages_wanted: LanguagesWanted,
        translation: TranslationService | None = None,
        on_final: OnFinal | None = None,
        spoken: SpokenCaptions | None = None,
    ) -> None:
        self.room_id = room_id
        self.hub = hub
        self.languages_wanted = languages_wanted
        self.translation = translation
        self.on_final = on_final
        # Reads finals aloud to those who asked (speech output).
        self.spoken = spoken

    async def _publish_caption(self, language: str, message: dict[str, Any]) -> None:
        await self.hub.publish(captions_channel(self.room_id, language), message)
        if self.spoken is not None:
            self.spoken.offer(message)

    async def publish_original(
        self, base: dict[str, Any], text: str, stable: str, source: str
    ) -> None:
        original = {**base, "text": text, "stable": stable, "language": source,
                    "translated": False, "available": True}
        for reading in (ORIGINAL, source):
            await self._publish_caption(reading, {**original, "reading": reading})

    async def targets(self, source: str) -> set[str]:
        """The languages read in the room that a line in ``source`` is translated into."""
        wanted = await self.languages_wanted()
        return {lang for lang in wanted if lang not in (source, ORIGINAL)}

    async def publish_translations(
        self,
        base: dict[str, Any],
        text: str,
        source: str,
        translations: dict[str, Translation],
    ) -> None:
        final = base["final"]
        for language, result in sorted(translations.items()):
            reachable = self.translation is not None and self.translation.reachable(
                source, language
            )
            if not result.translated and reachable and not final:
                continue  # only finals get Whisper's English: readers wait for the final
            message = {
                **base,
                "text": result.text,
                "stable": "",
                "language": language if result.translated else source,
                "reading": language,
                "translated": result.translated,
                # False: no installed model reaches the language, so the text is the speaker's.
                "available": result.translated or reachable or not text,
            }
            await self._publish_caption(language, message)

    async def tell_final(self, segment: SpokenSegment) -> None:
        if self.on_final is None:
            return
        try:
            await self.on_final(segment)
        except Exception:  # the captions go on even if the transcript cannot
            log.exception("could not hand on a final caption in room %s", self.room_id)

    async def post_text(
        self, stream: str, seq: int, speaker_id: str, speaker: dict[str, str], language: str,
        text: str,
    ) -> None:
        """Publish a typed line as a final caption of its own, from ``speaker`` (who typed
        it, in ``language``), and keep it under the same rules as spoken words."""
        posted_at = utcnow()
        base = {
            "type": "caption",
            "kind": CaptionKind.CHAT,
            "room": self.room_id,
            "stream": stream,
            "seq": seq,
            "speaker": speaker,
            "start_s": 0.0,
            "end_s": 0.0,
            "final": True,
            "source_language": language,
            "lag_s": 0.0,
        }
        await self.publish_original(base, text, "", language)
        targets = await self.targets(language)
        if targets:
            if self.translation is None:
                translations = {
                    lang: Translation(text, language, lang, False, ()) for lang in targets
                }
            else:
                translations = await self.translation.translate_to(text, language, targets)
            await self.publish_translations(base, text, language, translations)
        await self.tell_final(
            SpokenSegment(
                self.room_id, speaker_id, speaker["name"], speaker["role"], language, text,
                posted_at, 0.0,
            )
        )


class RoomCaptions:
    """The caption streams of one room on this node."""

    def __init__(
        self,
        room_id: str,
        engine: CaptionEngine,
        hub: Hub,
        languages_wanted: LanguagesWanted,
        translation: TranslationService | None = None,
        partial_translation_interval_s: float = 0.8,
        on_final: OnFinal | None = None,
        spoken: SpokenCaptions | None = None,
    ) -> None:
        self.room_id = room_id
        self.engine = engine
        self.translation = translation
        self.partial_translation_interval_s = partial_translation_interval_s
        self.fanout = CaptionFanout(
            room_id, hub, languages_wanted, translation, on_final, spoken
        )
        self._speakers: dict[str, _SpeakerStream] = {}
        # Blocks numbered per speaker key across restarts, so a page never mistakes a new
        # utterance for a correction of an old one with the same number.
        self._blocks: dict[str, int] = {}
        self._opened = itertools.count()
        self._retiring: set[asyncio.Task[None]] = set()

    @property
    def speakers(self) -> list[Speaker]:
        return [s.speaker for s in self._speakers.values()]

    def start(self, speaker: Speaker) -> Callable[[np.ndarray], None]:
        """Open the speaker's caption stream; returns where their audio goes."""
        self.retire(speaker.key)  # a speaker's new connection replaces the old
        options = StreamOptions(candidate_languages=speaker.languages)
        # A stream id the engine has not seen: the speaker's previous stream may still be
        # delivering its last final.
        stream_id = f"{self.room_id}/{speaker.key}/{next(self._opened)}"
        stream = self.engine.open_stream(stream_id, speaker.language, options=options)
        state = _SpeakerStream(speaker, stream)
        if self.translation is not None:
            state.partials = PartialTranslations(
                self.translation,
                self.fanout.publish_translations,
                self.partial_translation_interval_s,
            )
        state.task = asyncio.create_task(self._relay(state), name=f"captions-{speaker.key}")
        self._speakers[speaker.key] = state
        return stream.push

    def relabel(self, speaker_key: str, name: str | None) -> bool:
        """Name the person a speaker's microphone hears from now on (a room microphone that
        several people speak into, their host saying who speaks); None goes back to the
        speaker's own label. Applies to every caption published from now on, the rest of an
        utterance already under way included. False when the speaker is not captioned."""
        state = self._speakers.get(speaker_key)
        if state is None:
            return False
        state.label = {"name": name, "role": SpeakerRole.SPEAKER} if name else None
        return True

    def backlog(self, speaker_key: str) -> int:
        """Sentences of the speaker's waiting for recognition (0 when not captioned)."""
        state = self._speakers.get(speaker_key)
        return state.stream.backlog if state is not None else 0

    def retire(self, speaker_key: str) -> asyncio.Task[None] | None:
        """Close the speaker's stream; its relay goes on until the last final is out."""
        state = self._speakers.pop(speaker_key, None)
        if state is None or state.task is None:
            return None
        state.stream.close()
        self._retiring.add(state.task)
        state.task.add_done_callback(self._retiring.discard)
        return state.task

    async def stop(self, speaker_key: str) -> None:
        """Finalise what the speaker said last, deliver it, and close their stream."""
        task = self.retire(speaker_key)
        if task is not None:
            await finish(task)

    async def close(self) -> None:
        for key in list(self._speakers):
            self.retire(key)
        for task in list(self._retiring):
            await finish(task)

    async def _relay(self, state: _SpeakerStream) -> None:
        try:
            async for event in state.stream:
                try:
                    await self._publish(state, event)
                except Exception:  # one bad segment must not end the speaker's captions
                    log.exception("could not relay a caption in room %s", self.room_id)
        finally:
            if state.partials is not None:
                await state.partials.close()

    async def _publish(self, state: _SpeakerStream, event: CaptionEvent) -> None:
        if not event.text and not event.final:
            return
        heard_at = utcnow()
        key = state.speaker.key
        # One block per utterance: its partials and its final share a number.
        if event.start_s not in state.utterances:
            state.utterances[event.start_s] = self._blocks.get(key, 0)
            self._blocks[key] = state.utterances[event.start_s] + 1
        block = state.utterances[event.start_s]
        if event.final:
            del state.utterances[event.start_s]
            if state.partials is not None:
                state.partials.finished(block)
        source = event.language or state.speaker.language or "und"
        base = {
            "type": "caption",
            "kind": CaptionKind.SPEECH,
            "room": self.room_id,
            "stream": key,
            "seq": block,
            "speaker": state.label or state.speaker.label(source),
            "start_s": event.start_s,
            "end_s": event.end_s,
            "final": event.final,
            "source_language": source,
            "lag_s": event.lag_s,
        }
        await self.fanout.publish_original(base, event.text, event.stable, source)
        # Who reads which language is looked up only now: the speaker's own words never
        # wait for it.
        targets = await self.fanout.targets(source)
        if self.translation is not None:
            state.stream.want_english(self.translation.wants_whisper_english(source, targets))
        if targets and state.partials is not None and not event.final:
            # Translated beside the relay: the next caption never waits for it.
            state.partials.offer(base, event.text, source, targets)
        elif targets:
            translations = await self._translate(event, source, targets)
            await self.fanout.publish_translations(base, event.text, source, translations)
        if event.final and event.text:
            await self._tell_final(key, base, event, source, heard_at)

    async def _tell_final(
        self, key: str, base: dict[str, Any], event: CaptionEvent, source: str, heard_at: datetime
    ) -> None:
        # The audio arrives in real time: the utterance ended lag_s before it was heard.
        spoken_s = event.end_s - event.start_s
        started_at = heard_at - timedelta(seconds=event.lag_s + spoken_s)
        speaker = base["speaker"]
        segment = SpokenSegment(
            self.room_id, key, speaker["name"], speaker["role"], source, event.text,
            started_at, spoken_s,
        )
        await self.fanout.tell_final(segment)

    async def _translate(
        self, event: CaptionEvent, source: str, targets: set[str]
    ) -> dict[str, Translation]:
        if self.translation is None or not event.text:
            return {lang: Translation(event.text, source, lang, False, ()) for lang in targets}
        return await self.translation.translate_to(
            event.text, source, targets, english=event.english
        )


async def finish(task: asyncio.Task[None], timeout_s: float = 60.0) -> None:
    """Wait for a stream's relay to deliver its last final, then give up on it."""
    await asyncio.wait({task}, timeout=timeout_s)
    if not task.done():
        task.cancel()
