"""Captions for everyone in a call: who may switch them on and off.

Anyone in a call may switch captions on for everyone: a deaf participant must not have to
ask each speaker. When the resident asked for captions on the request form, the call
depends on them, so only the resident may switch them off; otherwise anyone may.
"""

from __future__ import annotations

from interp.domain.errors import NotAllowed
from interp.domain.kinds import ParticipantRole
from interp.domain.rooms import Participant, RoomInfo

ONLY_THE_RESIDENT = "The resident asked for captions: only they can switch them off."


def check_may_switch_captions_for_all(room: RoomInfo, participant: Participant, on: bool) -> None:
    if not on and room.captions_asked and participant.role != ParticipantRole.RESIDENT:
        raise NotAllowed(ONLY_THE_RESIDENT)
