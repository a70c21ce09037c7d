"""Transcript files: WebVTT, SRT, plain text and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from interp.captions.layout import CaptionBlock, Segment

FORMATS = ("vtt", "srt", "txt", "json")


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(blocks: list[CaptionBlock]) -> str:
    out = ["WEBVTT", ""]
    for block in blocks:
        out.append(f"{_timestamp(block.start_s, '.')} --> {_timestamp(block.end_s, '.')}")
        lines = [_vtt_escape(line) for line in block.lines]
        if block.speaker:
            # A voice tag names the speaker; players can style or announce it.
            lines[0] = f"<v {_vtt_escape(block.speaker)}>{lines[0]}"
        out += [*lines, ""]
    return "\n".join(out)


def to_srt(blocks: list[CaptionBlock]) -> str:
    out = []
    for number, block in enumerate(blocks, 1):
        lines = list(block.lines)
        if block.speaker:
            lines[0] = f"{block.speaker}: {lines[0]}"
        out += [str(number), f"{_timestamp(block.start_s, ',')} --> "
                f"{_timestamp(block.end_s, ',')}", *lines, ""]
    return "\n".join(out)


def to_text(segments: list[Segment]) -> str:
    lines = []
    for seg in segments:
        who = f"{seg.speaker}: " if seg.speaker else ""
        lines.append(f"[{_timestamp(seg.start_s, '.')[:8]}] {who}{seg.text}")
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(segments: list[Segment]) -> str:
    return json.dumps({"segments": [asdict(s) for s in segments]}, ensure_ascii=False,
                      indent=2) + "\n"


def render(fmt: str, segments: list[Segment], blocks: list[CaptionBlock]) -> str:
    if fmt == "vtt":
        return to_vtt(blocks)
    if fmt == "srt":
        return to_srt(blocks)
    if fmt == "txt":
        return to_text(segments)
    if fmt == "json":
        return to_json(segments)
    raise ValueError(f"unknown caption format {fmt!r}; choose one of {', '.join(FORMATS)}")
