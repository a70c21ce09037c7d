"""A room's text chat: what a typed line may be, and the language it is written in.

A typed line joins the room's captions (``interp.live.relay``): shown to everyone,
translated for each reader and kept only where a meeting's speakers all agreed. It is
one line of text, so runs of whitespace become one space.
"""

from __future__ import annotations

import unicodedata

from interp.domain.errors import InvalidInput
from interp.domain.kinds import ParticipantRole
from interp.domain.rooms import Participant
from interp.languages import is_signed

# A typed line, in characters: about what a caption block shows in two lines at a time.
MAX_CHAT_CHARS = 500


def clean_chat_text(text: str) -> str:
    """The line as shown: one space between words, no control characters; raises
    ``InvalidInput`` when nothing is left, or it is longer than ``MAX_CHAT_CHARS``."""
    visible = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    line = " ".join(visible.split())
    if not line:
        raise InvalidInput("Type a message first.", field="text")
    if len(line) > MAX_CHAT_CHARS:
        raise InvalidInput(f"A message is limited to {MAX_CHAT_CHARS} characters.", field="text")
    return line


def written_in(participant: Participant, local_language: str) -> str:
    """The language a participant types in: a resident's own written language, and the
    organisation's for staff, interpreters and residents who sign."""
    own = participant.language_code
    if participant.role == ParticipantRole.RESIDENT and own and not is_signed(own):
        return own
    return local_language
