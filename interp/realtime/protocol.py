"""The WebSocket client protocol: every message a client may send, with its schema.

Messages are JSON objects with a ``type`` and the fields listed here, nothing
else. A message that is not JSON, too large, nested too deeply, of an unknown type,
with text that cannot be stored (a lone surrogate, a NUL), or with a missing, unknown
or ill-typed field is answered with an ``error`` message and changes nothing.
``parse_message`` raises nothing but ``ProtocolError``, whatever the frame holds.
docs/protocol.md describes the same schema for client authors; what the server sends
back is typed in ``interp.realtime.messages``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from interp.domain.chat import MAX_CHAT_CHARS
from interp.domain.errors import InvalidInput

# A whole message, in bytes; offers with many codecs stay well below this.
MAX_MESSAGE_BYTES = 64 * 1024
# Objects and lists inside one another; no message needs more than two. Checked on the
# raw text, because the JSON decoder recurses and a deep enough frame exhausts the stack.
MAX_DEPTH = 8
# An SDP offer or answer, in characters (a browser's video offer is 5-10 KB).
MAX_SDP_CHARS = 32 * 1024
ID_CHARS = 64
TOKEN_CHARS = 256
# A person's name, as interp.domain.meetings.MAX_NAME.
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class Field:
    kind: type
    required: bool = True
    max_length: int | None = None
    nullable: bool = False


def _id(required: bool = True) -> Field:
    return Field(str, required, ID_CHARS)


_SDP = {"to": _id(), "sdp": Field(str, max_length=MAX_SDP_CHARS)}

# Message types per endpoint: what a client may send on each.
VOLUNTEER_MESSAGES: dict[str, dict[str, Field]] = {
    "ping": {},
    "availability": {"available": Field(bool)},
    "accept": {"request": _id()},
}
# A coordinator's open page only listens (safeguarding reports as they come).
COORDINATOR_MESSAGES: dict[str, dict[str, Field]] = {"ping": {}}
RESIDENT_MESSAGES: dict[str, dict[str, Field]] = {
    "ping": {},
    "hello": {"token": Field(str, max_length=TOKEN_CHARS)},
    "cancel": {},
}
ROOM_MESSAGES: dict[str, dict[str, Field]] = {
    "ping": {},
    # Token holders send ``token``; signed-in participants send ``room`` (their cookie
    # says who they are). ``session`` is a random id per page load, so peers can tell
    # a page that reconnected (same session) from one that was reloaded (new session).
    "hello": {
        "token": Field(str, False, TOKEN_CHARS),
        "room": _id(required=False),
        "session": Field(str, max_length=ID_CHARS),
    },
    "offer": _SDP,
    "answer": _SDP,
    "ice": {
        "to": _id(),
        # An empty candidate marks the end of candidates.
        "candidate": Field(str, max_length=2048),
        "sdp_mid": Field(str, False, ID_CHARS, nullable=True),
        "sdp_mline_index": Field(int, False, nullable=True),
    },
    "mute": {"audio": Field(bool), "video": Field(bool)},
    # Hand an accepted request back to the queue before the call has started.
    "release": {},
    "leave": {},
    # Caption my speech: the offer of a send-only audio connection to the server.
    "captions.start": {"sdp": Field(str, max_length=MAX_SDP_CHARS)},
    "captions.stop": {},
    # The languages this page reads captions in (codes, or "original").
    "captions.language": {"languages": Field(list)},
    # Meetings, from the host only: let a waiting guest in, remove someone, end the meeting.
    "meeting.admit": {"participant": _id()},
    "meeting.remove": {"participant": _id()},
    "meeting.end": {},
    # In-room meetings, from the host only: who their microphone hears now ("" for the host).
    "captions.speaker": {"name": Field(str, max_length=MAX_NAME_CHARS)},
    # The reading languages this page wants read aloud ([]: none).
    "captions.speak": {"languages": Field(list)},
    # Captions on (or off) for everyone in the call: every speaker's page then sends its audio.
    "captions.all": {"on": Field(bool)},
    # A line typed in the room's chat; it reaches every page as a caption.
    "chat.send": {"text": Field(str, max_length=MAX_CHAT_CHARS)},
}
# The caption view of a meeting (no account: the view link's token).
VIEWER_MESSAGES: dict[str, dict[str, Field]] = {
    "ping": {},
    "hello": {"token": Field(str, max_length=TOKEN_CHARS), "languages": Field(list)},
    "viewer.language": {"languages": Field(list)},
}


class ProtocolError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# A JSON string (its escapes included), or one bracket outside strings.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def language_codes(languages: list[Any]) -> list[str]:
    """A message's ``languages`` field, checked to hold short strings (what they name is the
    domain's to judge); raises ``InvalidInput``."""
    if not all(isinstance(code, str) and len(code) <= ID_CHARS for code in languages):
        raise InvalidInput("'languages' must be a list of language codes.")
    return languages


def _nesting(text: str) -> int:
    """How deeply objects and lists nest in ``text``, counting only brackets outside
    strings (an unclosed string ends the text: the decoder refuses it anyway)."""
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


def _storable(value: Any) -> bool:
    """Whether every string in ``value`` (keys included) is text a database can hold:
    encodable as UTF-8 (no lone surrogate) and without NUL, which PostgreSQL refuses."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def parse_message(raw: str | bytes, schema: dict[str, dict[str, Field]]) -> dict[str, Any]:
    """Decode and validate one client message against ``schema``."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError("too_large", f"Messages are limited to {MAX_MESSAGE_BYTES} bytes.")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise ProtocolError("malformed", "A message must be a JSON object.") from exc
    if _nesting(text) > MAX_DEPTH:
        raise ProtocolError("invalid", f"Messages may nest at most {MAX_DEPTH} levels deep.")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("malformed", "A message must be a JSON object.") from exc
    if not isinstance(message, dict):
        raise ProtocolError("malformed", "A message must be a JSON object.")
    if not _storable(message):
        raise ProtocolError("invalid", "Text must be valid Unicode, without NUL characters.")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in schema:
        raise ProtocolError("unknown_type", f"Unknown message type {kind!r}.")
    fields = schema[kind]
    unknown = set(message) - set(fields) - {"type"}
    if unknown:
        raise ProtocolError("invalid", f"Unknown fields in {kind!r}: {', '.join(sorted(unknown))}.")
    for name, spec in fields.items():
        _check_field(kind, name, spec, message)
    return message


def _check_field(kind: str, name: str, spec: Field, message: dict[str, Any]) -> None:
    if name not in message:
        if spec.required:
            raise ProtocolError("invalid", f"{kind!r} needs the field {name!r}.")
        return
    value = message[name]
    if value is None and spec.nullable:
        return
    # bool is an int in Python; a JSON true must not pass as a number, nor 1 as a flag.
    if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
        raise ProtocolError("invalid", f"{kind!r} field {name!r} must be {spec.kind.__name__}.")
    if isinstance(value, str) and spec.max_length is not None and len(value) > spec.max_length:
        code = "too_large" if name == "sdp" else "invalid"
        raise ProtocolError(
            code, f"{kind!r} field {name!r} is limited to {spec.max_length} characters."
        )


def describe(schema: dict[str, dict[str, Field]]) -> dict[str, dict[str, str]]:
    """A readable summary of a schema (used by the protocol document's tests)."""
    return {
        kind: {
            name: f"{spec.kind.__name__}{'' if spec.required else ' (optional)'}"
            for name, spec in fields.items()
        }
        for kind, fields in schema.items()
    }
