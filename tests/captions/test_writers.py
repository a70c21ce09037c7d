"""WebVTT and SRT files, checked with independent parsers (webvtt-py and srt)."""

from __future__ import annotations

import html
import json

import pytest
import srt
import webvtt

from interp.captions.layout import Segment, layout
from interp.captions.writers import render, to_srt, to_text, to_vtt

SEGMENTS = [
    Segment(0.5, 4.2, "Fish & chips <now>, or later?", "en", "Ana"),
    Segment(4.2, 11.0, "And so, my fellow Americans, ask not what your country can do "
            "for you, ask what you can do for your country.", "en", "Ana"),
    Segment(3700.25, 3702.0, "Over an hour in.", "en", ""),
]


def test_vtt_parses_with_monotonic_timings_and_voice_tags(tmp_path):
    path = tmp_path / "out.vtt"
    path.write_text(to_vtt(layout(SEGMENTS)))
    captions = webvtt.read(str(path))
    assert len(captions) >= 3
    starts = [c.start_in_seconds for c in captions]
    assert starts == sorted(starts)
    for a, b in zip(captions, captions[1:], strict=False):
        assert a.start_in_seconds < a.end_in_seconds <= b.start_in_seconds + 1e-3
    assert captions[0].voice == "Ana"
    # webvtt-py keeps character references as written; they decode to the original text.
    assert html.unescape(captions[0].text) == "Fish & chips <now>, or later?"
    assert captions[-1].start == "01:01:40.250"
    assert "&lt;now&gt;" in path.read_text()


def test_srt_parses_with_monotonic_timings():
    parsed = list(srt.parse(to_srt(layout(SEGMENTS))))
    assert [p.index for p in parsed] == list(range(1, len(parsed) + 1))
    for a, b in zip(parsed, parsed[1:], strict=False):
        assert a.start < a.end <= b.start
    assert parsed[0].content.startswith("Ana: Fish & chips")
    assert parsed[-1].start.total_seconds() == pytest.approx(3700.25)


def test_text_and_json_transcripts():
    text = to_text(SEGMENTS)
    assert text.splitlines()[0] == "[00:00:00] Ana: Fish & chips <now>, or later?"
    assert text.splitlines()[2].startswith("[01:01:40] Over an hour in.")
    data = json.loads(render("json", SEGMENTS, []))
    assert data["segments"][1]["start_s"] == 4.2


NOTICE = "Machine translation, may contain mistakes"


def test_a_machine_translation_says_so_once_at_the_top_of_each_format(tmp_path):
    blocks = layout(SEGMENTS)
    path = tmp_path / "out.vtt"
    path.write_text(render("vtt", SEGMENTS, blocks, NOTICE))
    vtt = path.read_text()
    assert vtt.startswith(f"WEBVTT\n\nNOTE\n{NOTICE}\n\n")
    assert vtt.count(NOTICE) == 1
    # A NOTE is no cue: players show the same cues as without it.
    assert [c.text for c in webvtt.read(str(path))] == [
        c.text for c in webvtt.from_string(to_vtt(blocks))]

    notice, *cues = srt.parse(render("srt", SEGMENTS, blocks, NOTICE))
    assert notice.content == NOTICE and notice.index == 1
    assert notice.start.total_seconds() == 0 and notice.end.total_seconds() == 0.5
    assert [c.content for c in cues] == [c.content for c in srt.parse(to_srt(blocks))]
    assert [c.index for c in cues] == list(range(2, len(cues) + 2))
    assert sum(NOTICE in c.content for c in cues) == 0

    text = render("txt", SEGMENTS, blocks, NOTICE)
    assert text.splitlines()[:2] == [NOTICE, ""]
    assert text.count(NOTICE) == 1 and text.endswith(to_text(SEGMENTS))
    data = json.loads(render("json", SEGMENTS, blocks, NOTICE))
    assert data["notice"] == NOTICE and len(data["segments"]) == len(SEGMENTS)
    assert "notice" not in json.loads(render("json", SEGMENTS, blocks))


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="vtt"):
        render("docx", SEGMENTS, [])
