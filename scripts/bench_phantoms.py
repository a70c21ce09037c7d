"""Benchmark invented captions: non-speech through the streaming engine, and WER on speech.

Whisper writes words on silence, breathing and noise ("Thank you.", "Come on.", subtitle
credits). This pushes non-speech through the streaming engine with the language pinned,
detected, and detected among two candidates (as automatic interpretation does), and
prints the captions per hour of non-speech for each source and mode (the target is 0).
The non-speech is (a) the real stretches between words in the shared speech set (room
tone, breaths, lip noise), found with the offline VAD and kept well away from words, and
(b) sounds made here with numpy: silence, white and pink noise, mains hum, music, clicks.
It then prints the WER on the speech files (tests/data and the long-form stream of
bench_captions.py), so that a stricter gate can be seen not to cost real words.

    .venv/bin/python scripts/bench_phantoms.py --model whisper-base
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from benchlib import AUDIO_DIR, build_long_form, speech_spans

from interp.captions import SAMPLE_RATE, CaptionEngine, CaptionEvent, StreamOptions, load_audio
from interp.captions.scoring import word_error_rate
from interp.config import load_settings
from interp.language_tools import speech_engine

TESTS_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
CHUNK = 320  # 20 ms, a WebRTC audio frame
# A gap must keep this far from the nearest word the offline VAD found (s): the VAD's
# bounds are loose on soft onsets and trailing consonants.
MARGIN_S = 0.3
MIN_GAP_S = 0.5
# Modes: (name, pinned language or None, candidate languages).
MODES: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("pinned en", "en", ()),
    ("pinned es", "es", ()),
    ("detected", None, ()),
    ("candidates es/en", None, ("es", "en")),
]


def run_stream(engine: CaptionEngine, audio: np.ndarray, language: str | None,
               candidates: tuple[str, ...] = ()) -> list[CaptionEvent]:
    """Push ``audio`` as fast as the engine takes it; every event of the stream."""
    events: list[CaptionEvent] = []
    options = StreamOptions(candidate_languages=candidates)
    stream = engine.open_stream(f"bench-{time.monotonic_ns()}", language,
                                on_event=events.append, options=options)
    for offset in range(0, len(audio), CHUNK):
        stream.push(audio[offset : offset + CHUNK])
    stream.close()
    if not stream.done.wait(600):
        raise RuntimeError("stream did not finish")
    return events


def manifest(directory: Path) -> list[dict[str, str]]:
    with open(directory / "manifest.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def real_gaps(directory: Path, seconds: float) -> tuple[np.ndarray, list[str]]:
    """About ``seconds`` of the stretches between words, joined with short fades; and a
    line per recording they came from (file, seconds taken, licence)."""
    margin, fade = int(MARGIN_S * SAMPLE_RATE), int(0.01 * SAMPLE_RATE)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    pieces, lines, total = [], [], 0
    for row in sorted(manifest(directory), key=lambda r: r["file"]):
        audio = load_audio(directory / row["file"])
        spans = speech_spans(audio)
        bounds = [0, *[b for span in spans for b in span], len(audio)]
        taken = 0
        for start, end in zip(bounds[::2], bounds[1::2], strict=True):
            # Away from the words on either side; the file's own edges need no margin.
            a = start + (margin if start else 0)
            b = end - (margin if end < len(audio) else 0)
            if b - a < MIN_GAP_S * SAMPLE_RATE:
                continue
            gap = audio[a:b].copy()
            gap[:fade] *= ramp
            gap[-fade:] *= ramp[::-1]
            pieces.append(gap)
            taken += len(gap)
        if taken:
            total += taken
            lines.append(f"{row['file']}: {taken / SAMPLE_RATE:.1f} s ({row['license']})")
        if total >= seconds * SAMPLE_RATE:
            break
    return np.concatenate(pieces), lines


def made_sounds(seconds: float, seed: int = 7) -> dict[str, np.ndarray]:
    """Non-speech of ``seconds`` each, at levels a phone microphone delivers."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE

    def at_dbfs(x: np.ndarray, dbfs: float) -> np.ndarray:
        rms = float(np.sqrt(np.mean(x**2))) or 1.0
        return (x * 10 ** (dbfs / 20) / rms).astype(np.float32)

    white = rng.standard_normal(n)
    # Pink: white noise shaped to 1/f in the frequency domain.
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 1.0))
    pink = np.fft.irfft(spectrum, n)
    pink /= np.std(pink)

    def hum(mains: float) -> np.ndarray:
        return np.sum([np.sin(2 * np.pi * mains * k * t) / k for k in (1, 2, 3, 5)], axis=0)

    # Music: plucked chords (decaying harmonics) alternating with single notes.
    music = np.zeros(n)
    chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6),
              (196.0, 246.9, 311.1)]
    note = int(0.5 * SAMPLE_RATE)
    tn = np.arange(note) / SAMPLE_RATE
    for i, start in enumerate(range(0, n - note, note)):
        chord = chords[(i // 4) % len(chords)]
        pitches = chord if i % 2 == 0 else (chord[i % 3] * 2,)
        tone = sum(np.sin(2 * np.pi * f * h * tn) / h for f in pitches for h in (1, 2, 3))
        music[start : start + note] += tone * np.exp(-tn * 4)
    # Breaths: soft noise bursts with a swell and fade, every few seconds, over a quiet line.
    breaths = 0.003 * white
    breath = int(0.7 * SAMPLE_RATE)
    swell = np.sin(np.linspace(0, np.pi, breath)) ** 2
    for start in range(SAMPLE_RATE, n - breath, int(3.1 * SAMPLE_RATE)):
        breaths[start : start + breath] += 0.15 * pink[start : start + breath] * swell
    # A hummed tune with pauses: loud and voiced against a quiet floor, as speech is.
    tune = 0.002 * white
    for i, start in enumerate(range(0, n - note, 2 * note)):
        pitch = (196.0, 220.0, 246.9, 261.6, 293.7)[i % 5]
        tune[start : start + note] += sum(
            np.sin(2 * np.pi * pitch * h * tn) / h for h in (1, 2, 3, 4)) * 0.1
    clicks = np.zeros(n)
    for position in rng.integers(0, n - 40, size=int(seconds * 3)):
        clicks[position : position + 40] += rng.standard_normal(40) * np.exp(-np.arange(40) / 6)
    return {
        "silence (digital zero)": np.zeros(n, dtype=np.float32),
        "white noise -50 dBFS": at_dbfs(white, -50),
        "white noise -30 dBFS": at_dbfs(white, -30),
        "pink noise -40 dBFS": at_dbfs(pink, -40),
        "mains hum 50 Hz": at_dbfs(hum(50.0) + 0.05 * white, -35),
        "mains hum 60 Hz": at_dbfs(hum(60.0) + 0.05 * white, -35),
        "music (plucked chords, notes)": at_dbfs(music, -25),
        "clicks": at_dbfs(clicks + 0.01 * white, -40),
        "breaths (noise bursts)": breaths.astype(np.float32),
        "hummed tune with pauses": tune.astype(np.float32),
    }


def phantom_table(engine: CaptionEngine, sources: dict[str, np.ndarray]) -> None:
    print("\nfinal captions per hour of non-speech (count); every caption shown is listed")
    print(f"{'source':32} {'minutes':>7} " + " ".join(f"{m[0]:>18}" for m in MODES))
    totals = [0] * len(MODES)
    seconds = 0.0
    for name, audio in sources.items():
        duration = len(audio) / SAMPLE_RATE
        seconds += duration
        cells, said = [], []
        for i, (_, language, candidates) in enumerate(MODES):
            shown = [e for e in run_stream(engine, audio, language, candidates) if e.text]
            finals = [e for e in shown if e.final]
            totals[i] += len(finals)
            cells.append(f"{len(finals) * 3600 / duration:>10.0f}/h ({len(finals):>2})")
            said += [f"{MODES[i][0]}: {e.text!r} [{e.language}]"
                     f"{'' if e.final else ' (partial)'}" for e in shown]
        print(f"{name:32} {duration / 60:>7.2f} " + " ".join(f"{c:>18}" for c in cells))
        for line in said:
            print(f"    {line}")
    cells = [f"{n * 3600 / seconds:>10.0f}/h ({n:>2})" for n in totals]
    print(f"{'all non-speech':32} {seconds / 60:>7.2f} " + " ".join(f"{c:>18}" for c in cells))


def speech_wer(engine: CaptionEngine, language_of: Callable[[str], str | None]) -> None:
    """WER on tests/data (each file its own stream) and on the long-form stream."""
    rows = [r for r in manifest(TESTS_DATA) if r["transcript"]]
    references, hypotheses = [], []
    for row in rows:
        events = run_stream(engine, load_audio(TESTS_DATA / row["file"]),
                            language_of(row["language"]))
        references.append(row["transcript"])
        hypotheses.append(" ".join(e.text for e in events if e.final and e.text))
    per_file = [word_error_rate(r, h) for r, h in zip(references, hypotheses, strict=True)]
    print(f"tests/data ({len(rows)} files): WER mean per file {100 * np.mean(per_file):.1f} %, "
          f"pooled {100 * word_error_rate(' '.join(references), ' '.join(hypotheses)):.1f} %")
    form = build_long_form(AUDIO_DIR, 150.0, 0.8)
    events = run_stream(engine, form.audio, language_of("en"))
    streamed = " ".join(e.text for e in events if e.final and e.text)
    print(f"long-form stream ({len(form.ends)} English utterances, "
          f"{len(form.audio) / SAMPLE_RATE:.0f} s): WER "
          f"{100 * word_error_rate(form.reference, streamed):.1f} %")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--audio-dir", type=Path, default=AUDIO_DIR)
    parser.add_argument("--gap-seconds", type=float, default=60.0,
                        help="real non-speech to collect from the speech set")
    parser.add_argument("--made-seconds", type=float, default=30.0,
                        help="length of each made sound")
    parser.add_argument("--no-wer", action="store_true", help="skip the speech WER")
    args = parser.parse_args()

    cpu0 = time.process_time()
    engine = speech_engine(load_settings(), args.model)
    gaps, lines = real_gaps(args.audio_dir, args.gap_seconds)
    print(f"model {args.model}; real non-speech: {len(gaps) / SAMPLE_RATE:.1f} s from "
          f"{len(lines)} recordings in {args.audio_dir} (licences from its manifest.tsv):")
    for line in lines:
        print(f"  {line}")
    print(f"made sounds: {args.made_seconds:.0f} s each, numpy, seeded")
    sources = {"real gaps between words": gaps, **made_sounds(args.made_seconds)}
    phantom_table(engine, sources)
    if not args.no_wer and engine.multilingual:
        print("\nspeech, language pinned:")
        speech_wer(engine, lambda language: language)
        print("speech, language detected:")
        speech_wer(engine, lambda language: None)
    engine.close()
    print(f"\nCPU {time.process_time() - cpu0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
