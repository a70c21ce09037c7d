"""``interp caption FILE``: captions or a transcript of any audio or video file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from interp.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    from interp.captions.writers import FORMATS

    parser = subparsers.add_parser(
        "caption", help="caption an audio or video file (WebVTT, SRT, text or JSON)"
    )
    parser.add_argument("file", type=Path, help="any audio or video file PyAV can read")
    parser.add_argument("--language", help="spoken language (ISO 639-1); detected if omitted")
    parser.add_argument(
        "--translate-to", choices=["en"], help="English captions via Whisper's translate task"
    )
    parser.add_argument("--model", help="speech model (default: the asr_model setting)")
    parser.add_argument("--format", choices=FORMATS, help="default: from -o's suffix, else vtt")
    parser.add_argument("--speaker", default="", help="speaker name for the voice tags")
    parser.add_argument("--max-chars", type=int, default=42, help="characters per line")
    parser.add_argument(
        "--glossary", type=Path, metavar="FILE",
        help="terms likely to be said (names, places, local services), one a line: "
             "recognition hints",
    )
    parser.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from interp.captions import AudioError, load_audio
    from interp.captions.audio import SAMPLE_RATE
    from interp.captions.files import transcribe_audio
    from interp.captions.layout import LayoutOptions, layout
    from interp.captions.writers import FORMATS, render
    from interp.language_tools import speech_engine
    from interp.modelstore import ModelNotInstalledError

    fmt = args.format
    if fmt is None:
        suffix = args.output.suffix.lstrip(".").lower() if args.output else ""
        fmt = suffix if suffix in FORMATS else "vtt"
    if args.max_chars < 10:
        print("interp: --max-chars must be at least 10", file=sys.stderr)
        return 2
    settings = load_settings(args.config)
    hints: list[str] = []
    if args.glossary is not None:
        from interp.domain.errors import InvalidInput
        from interp.domain.glossary import parse_term_list

        try:
            hints = parse_term_list(args.glossary.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, InvalidInput) as exc:
            why = exc.message if isinstance(exc, InvalidInput) else exc
            print(f"interp: --glossary {args.glossary}: {why}", file=sys.stderr)
            return 2
    try:
        audio = load_audio(args.file)
        engine = speech_engine(settings, args.model)
    except (AudioError, ModelNotInstalledError) as exc:
        print(f"interp: {exc}", file=sys.stderr)
        return 1
    engine.hints = tuple(hints)
    task = "translate" if args.translate_to else "transcribe"
    duration = len(audio) / SAMPLE_RATE
    with engine, tqdm(total=round(duration, 1), unit="s", desc=args.file.name,
                      disable=None) as bar:
        def progress(done_s: float) -> None:
            bar.update(max(0.0, round(min(done_s, duration), 1) - bar.n))

        try:
            segments = transcribe_audio(engine, audio, args.language, task, progress,
                                        args.speaker)
        except ValueError as exc:  # e.g. an English-only model asked for another language
            print(f"interp: {exc}", file=sys.stderr)
            return 2
    blocks = layout(segments, LayoutOptions(max_chars=args.max_chars))
    # Whisper's translate task is machine translation: the file says so, once.
    notice = "Machine translation, may contain mistakes" if args.translate_to else ""
    text = render(fmt, segments, blocks, notice)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
