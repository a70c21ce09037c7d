"""Who a participant's microphone carries, and the language the speech model listens for.

A resident speaks their own language; an interpreter speaks both sides of the call;
a shared device at a desk carries the resident and the person across from them; an
in-room meeting's host device carries whoever is in the room. Signed languages are
never listened for: only spoken words are captioned.
"""

from __future__ import annotations

from dataclasses import dataclass

from interp.domain.kinds import ParticipantRole, SpeakerRole
from interp.domain.rooms import Participant, RoomInfo
from interp.languages import is_signed


@dataclass(frozen=True)
class Speaker:
    key: str  # unique in the room: one caption stream per speaker
    name: str
    role: str  # a SpeakerRole
    language: str | None  # what they speak; None lets the engine detect it
    # With language None: the languages this microphone may hear, detected per
    # utterance (an interpreter; a device shared across a desk).
    languages: tuple[str, ...] = ()
    # On a shared device, who speaks which language: (language, name, role).
    voices: tuple[tuple[str, str, str], ...] = ()

    def label(self, language: str) -> dict[str, str]:
        """Who the words heard in ``language`` are credited to."""
        for voice_language, name, role in self.voices:
            if voice_language == language:
                return {"name": name, "role": role}
        return {"name": self.name, "role": self.role}


def speaker_for(
    room: RoomInfo, participant: Participant, local_language: str, hears: tuple[str, ...] = ()
) -> Speaker:
    """How the participant's microphone is captioned in ``room``.

    ``local_language``: the language the organisation's staff speak. ``hears``: the
    languages this microphone may pick up, when it is a room's (an in-room meeting's
    host device); each utterance's language is then detected.
    """
    in_room = tuple(dict.fromkeys(code for code in hears if code and not is_signed(code)))
    if in_room:
        return _room_microphone(participant, in_room)
    if participant.role == ParticipantRole.RESIDENT and room.machine:
        return _shared_device(room, participant, local_language)
    if participant.role == ParticipantRole.RESIDENT:
        own = participant.language_code
        language = own if own and not is_signed(own) else local_language
        return Speaker(participant.id, participant.display_name, SpeakerRole.RESIDENT, language)
    if participant.role == ParticipantRole.INTERPRETER:
        return _interpreter(room, participant, local_language)
    return Speaker(participant.id, participant.display_name, participant.role, local_language)


def _room_microphone(participant: Participant, in_room: tuple[str, ...]) -> Speaker:
    name, role = participant.display_name, participant.role
    if len(in_room) > 1:
        return Speaker(participant.id, name, role, None, in_room)
    return Speaker(participant.id, name, role, in_room[0])


def _shared_device(room: RoomInfo, participant: Participant, local_language: str) -> Speaker:
    """One device at a desk: the resident and the person across from them."""
    voices = (
        (participant.language_code, SpeakerRole.RESIDENT),
        (room.desk_language or local_language, SpeakerRole.DESK),
    )
    spoken = tuple((code, "", role) for code, role in voices if code and not is_signed(code))
    languages = tuple(dict.fromkeys(code for code, _, _ in spoken))
    if len(languages) == 1:
        _, only_name, only_role = spoken[-1]
        return Speaker(participant.id, only_name, only_role, languages[0])
    return Speaker(participant.id, "", SpeakerRole.RESIDENT, None, languages, spoken)


def _interpreter(room: RoomInfo, participant: Participant, local_language: str) -> Speaker:
    # An interpreter's language is the one of the request they took (with several
    # residents in a meeting, theirs is not simply the first resident's).
    interpreted = participant.language_code or next(
        (p.language_code for p in room.participants if p.role == ParticipantRole.RESIDENT),
        None,
    )
    name = participant.display_name
    if interpreted and interpreted != local_language and not is_signed(interpreted):
        # Interpreters speak both sides: each utterance's language is detected.
        return Speaker(
            participant.id, name, SpeakerRole.INTERPRETER, None, (interpreted, local_language)
        )
    return Speaker(participant.id, name, SpeakerRole.INTERPRETER, local_language)
