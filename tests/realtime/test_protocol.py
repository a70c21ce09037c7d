"""Client message validation: every malformed message gets a precise error code."""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from interp.realtime.close_codes import CloseCode
from interp.realtime.messages import SERVER_MESSAGES
from interp.realtime.protocol import (
    MAX_MESSAGE_BYTES,
    MAX_SDP_CHARS,
    RESIDENT_MESSAGES,
    ROOM_MESSAGES,
    VIEWER_MESSAGES,
    VOLUNTEER_MESSAGES,
    ProtocolError,
    describe,
    parse_message,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def test_valid_messages_pass_unchanged() -> None:
    offer = {"type": "offer", "to": "s1", "sdp": "v=0\r\n"}
    assert parse_message(json.dumps(offer), ROOM_MESSAGES) == offer
    ice = {"type": "ice", "to": "s1", "candidate": "", "sdp_mid": None, "sdp_mline_index": None}
    assert parse_message(json.dumps(ice), ROOM_MESSAGES) == ice
    assert parse_message(b'{"type": "accept", "request": "r1"}', VOLUNTEER_MESSAGES)


@pytest.mark.parametrize(
    ("raw", "schema", "code"),
    [
        ("not json", ROOM_MESSAGES, "malformed"),
        ("[1, 2]", ROOM_MESSAGES, "malformed"),
        (b"\xff\xfe", ROOM_MESSAGES, "malformed"),
        ('{"no": "type"}', ROOM_MESSAGES, "unknown_type"),
        ('{"type": "explode"}', ROOM_MESSAGES, "unknown_type"),
        ('{"type": "accept", "request": "r"}', ROOM_MESSAGES, "unknown_type"),  # wrong endpoint
        ('{"type": "offer", "to": "s"}', ROOM_MESSAGES, "invalid"),
        ('{"type": "offer", "to": "s", "sdp": 5}', ROOM_MESSAGES, "invalid"),
        ('{"type": "offer", "to": "s", "sdp": "x", "extra": 1}', ROOM_MESSAGES, "invalid"),
        ('{"type": "mute", "audio": 1, "video": true}', ROOM_MESSAGES, "invalid"),
        (
            '{"type": "ice", "to": "s", "candidate": "", "sdp_mline_index": true}',
            ROOM_MESSAGES,
            "invalid",
        ),
        ('{"type": "hello", "token": "' + "t" * 300 + '"}', RESIDENT_MESSAGES, "invalid"),
        ('{"type": "availability", "available": "yes"}', VOLUNTEER_MESSAGES, "invalid"),
    ],
)
def test_bad_messages_are_refused(raw: str | bytes, schema: dict, code: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_message(raw, schema)
    assert caught.value.code == code
    assert caught.value.message


def test_oversized_sdp_and_messages_are_refused() -> None:
    sdp = json.dumps({"type": "offer", "to": "s", "sdp": "a" * (MAX_SDP_CHARS + 1)})
    with pytest.raises(ProtocolError, match="limited") as caught:
        parse_message(sdp, ROOM_MESSAGES)
    assert caught.value.code == "too_large"
    huge = json.dumps({"type": "ping", "pad": "x" * MAX_MESSAGE_BYTES})
    with pytest.raises(ProtocolError) as caught:
        parse_message(huge, ROOM_MESSAGES)
    assert caught.value.code == "too_large"


def test_protocol_document_covers_every_message_and_field() -> None:
    text = DOCS.read_text()
    for schema in (VOLUNTEER_MESSAGES, RESIDENT_MESSAGES, ROOM_MESSAGES, VIEWER_MESSAGES):
        for kind, fields in describe(schema).items():
            assert f"`{kind}`" in text, kind
            for name in fields:
                assert f"`{name}`" in text, (kind, name)


def section(text: str, endpoint: str) -> str:
    """The part of the document about one endpoint ("" for the rules of every message)."""
    heading = f"## `{endpoint}`" if endpoint else "## Rules for every message"
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def message_type(cls: type) -> str:
    hint = get_type_hints(cls)["type"]
    assert get_origin(hint) is Literal, cls
    return str(get_args(hint)[0])


def field_names(hint: Any) -> Iterator[str]:
    """Every field name in a typed message, those of nested dicts and lists included."""
    if is_typeddict(hint):
        for name, inner in get_type_hints(hint).items():
            if name != "type":
                yield name
                yield from field_names(inner)
    elif get_origin(hint) in (list, Union, types.UnionType):
        for inner in get_args(hint):
            yield from field_names(inner)


def test_protocol_document_covers_every_server_message_and_field() -> None:
    # Checked within the endpoint's own section: a field documented for another
    # endpoint's message does not count.
    text = DOCS.read_text()
    for endpoint, sent in SERVER_MESSAGES.items():
        part = section(text, endpoint)
        for cls in sent:
            kind = message_type(cls)
            assert f"`{kind}`" in part, (endpoint, kind)
            for name in field_names(cls):
                assert f"`{name}`" in part, (endpoint, kind, name)


def test_the_check_of_server_messages_finds_nested_fields() -> None:
    joined = next(cls for cls in SERVER_MESSAGES["/ws/room"] if message_type(cls) == "joined")
    names = set(field_names(joined))
    assert {"you", "session", "captions", "reason_code", "meeting", "max_participants"} <= names


def test_protocol_document_lists_every_close_code() -> None:
    rules = section(DOCS.read_text(), "")
    documented = {int(code) for code in re.findall(r"\b(1\d{3}|4\d{3})\b", rules)}
    assert {int(code) for code in CloseCode} <= documented
