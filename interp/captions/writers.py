"""Transcript files: WebVTT, SRT, plain text and JSON.

A machine-translated transcript says so once, at its top (``notice``), never per cue:
a WebVTT ``NOTE``, the first SRT cue (from 0 s, ending before the first words and at
most ``NOTICE_S`` long), the text file's first line, the JSON's ``notice``.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from interp.captions.layout import CaptionBlock, Segment

FORMATS = ("vtt", "srt", "txt", "json")
# The longest an SRT notice cue stays on screen, before the first words at the latest.
NOTICE_S = 5.0


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(blocks: list[CaptionBlock], notice: str = "") -> str:
    out = ["WEBVTT", ""]
    if notice:
        # "-->" would end a NOTE block early; it has no business in a notice anyway.
        out += ["NOTE", notice.replace("-->", "->"), ""]
    for block in blocks:
        out.append(f"{_timestamp(block.start_s, '.')} --> {_timestamp(block.end_s, '.')}")
        lines = [_vtt_escape(line) for line in block.lines]
        if block.speaker:
            # A voice tag names the speaker; players can style or announce it.
            lines[0] = f"<v {_vtt_escape(block.speaker)}>{lines[0]}"
        out += [*lines, ""]
    return "\n".join(out)


def to_srt(blocks: list[CaptionBlock], notice: str = "") -> str:
    out = []
    if notice:
        # SRT has no comments: the notice is a cue of its own, shown before the first words.
        end = min(NOTICE_S, blocks[0].start_s) if blocks else NOTICE_S
        out += ["1", f"{_timestamp(0, ',')} --> {_timestamp(end, ',')}", notice, ""]
    for number, block in enumerate(blocks, 2 if notice else 1):
        lines = list(block.lines)
        if block.speaker:
            lines[0] = f"{block.speaker}: {lines[0]}"
        out += [str(number), f"{_timestamp(block.start_s, ',')} --> "
                f"{_timestamp(block.end_s, ',')}", *lines, ""]
    return "\n".join(out)


def to_text(segments: list[Segment], notice: str = "") -> str:
    lines = [notice, ""] if notice else []
    for seg in segments:
        who = f"{seg.speaker}: " if seg.speaker else ""
        lines.append(f"[{_timestamp(seg.start_s, '.')[:8]}] {who}{seg.text}")
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(segments: list[Segment], notice: str = "") -> str:
    body: dict[str, object] = {"notice": notice} if notice else {}
    body["segments"] = [asdict(s) for s in segments]
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def render(
    fmt: str, segments: list[Segment], blocks: list[CaptionBlock], notice: str = ""
) -> str:
    """The transcript in ``fmt``; ``notice``: said once at the top (a machine translation)."""
    if fmt == "vtt":
        return to_vtt(blocks, notice)
    if fmt == "srt":
        return to_srt(blocks, notice)
    if fmt == "txt":
        return to_text(segments, notice)
    if fmt == "json":
        return to_json(segments, notice)
    raise ValueError(f"unknown caption format {fmt!r}; choose one of {', '.join(FORMATS)}")
