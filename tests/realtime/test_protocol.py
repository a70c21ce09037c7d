"""Client message validation: every malformed message gets a precise error code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
