"""Benchmark the glossary as recognition hints: terms recognised, and the WER elsewhere.

Captions recordings through the caption engine (levelled, VAD-segmented, beam 5, as
uploaded recordings are captioned) twice, without and with a glossary of rare names in
the prompt, and prints:

- how many times the glossary's terms were spelled right in recordings that say them,
  out of how many times they were said;
- the WER on those recordings, and on the other English and Spanish recordings of
  tests/data, which say none of the terms: hints must not cost words elsewhere (the
  budget is 0.5 points of WER);
- what one recognition pass writes on non-speech made here (silence, white and pink
  noise, mains hum, breath-like noise; the VAD heard as speech), with and without the
  hints, and how many of those captions the quality gate would show (target 0): given
  hints, Whisper writes words of the glossary on noise instead of "Thank you."

    .venv/bin/python scripts/bench_glossary.py [--model whisper-base] [--audio DIR]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from interp.captions import SAMPLE_RATE, load_audio
from interp.captions.engine import CaptionEngine, hint_text
from interp.captions.files import transcribe_audio
from interp.captions.level import level_audio
from interp.captions.quality import accept
from interp.captions.scoring import normalise, terms_recognised, word_error_rate
from interp.config import load_settings
from interp.language_tools import speech_engine

TESTS_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
GLOSSARY = (
    "Universal Credit", "council tax", "Quilter", "Sintra", "Lord Byron", "Northern Marianas",
    "Montreal Forced Aligner", "Carpanedo",
)
SAYING_TERMS = [
    "en_fleurs_002.ogg", "en_fleurs_006.ogg", "en_mfa_youknow.flac",
    "en_librispeech_1272-128104-0000.wav", "es_fleurs_004.ogg",
]
# English and Spanish recordings of tests/data that say none of the terms.
OTHERS = [
    "en_jfk_inaugural.flac", "en_librispeech_2412-153948-0000.flac", "en_fleurs_001.ogg",
    "en_speechbrain_spk1_snt1.wav", "en_mfa_falsetto2.flac", "es_fleurs_000.ogg",
    "es_fleurs_002.ogg",
]
WER_BUDGET = 0.005


def manifest(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "manifest.tsv", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def caption(engine: CaptionEngine, path: Path, language: str, hints: tuple[str, ...]) -> str:
    engine.hints = hints
    segments = transcribe_audio(engine, level_audio(load_audio(path)), language)
    return " ".join(s.text for s in segments)


def non_speech(seed: int, seconds: float = 5.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    pink = np.cumsum(rng.normal(0, 1, n))
    pink -= pink.mean()
    sounds = {
        "silence": np.zeros(n),
        "white noise": rng.normal(0, 0.01, n),
        "pink noise": 0.05 * pink / np.abs(pink).max(),
        "50 Hz hum": 0.02 * np.sin(2 * np.pi * 50 * t),
        "breath-like": 0.02 * rng.normal(0, 1, n) * np.clip(np.sin(2 * np.pi * 0.3 * t), 0, None),
    }
    return {name: audio.astype(np.float32) for name, audio in sounds.items()}


def phantoms(engine: CaptionEngine, hints: str, seeds: int = 3) -> tuple[list[str], int, int]:
    """(texts written, passes, captions the quality gate would show at full VAD confidence)."""
    written, shown, passes = [], 0, 0
    for seed in range(seeds):
        for audio in non_speech(seed).values():
            hypothesis = engine.recognizer.recognize(audio, "en", beam_size=5, hints=hints)
            passes += 1
            written.append(hypothesis.text)
            shown += bool(accept(hypothesis, 1.0))
    return written, passes, shown


def pooled_wer(pairs: list[tuple[str, str]]) -> float:
    """Errors over all reference words (each file weighs by its length)."""
    words = sum(len(normalise(ref)) for ref, _ in pairs)
    return sum(word_error_rate(ref, hyp) * len(normalise(ref)) for ref, hyp in pairs) / words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--audio", type=Path, default=TESTS_DATA,
                        help="folder with the recordings and their manifest.tsv")
    args = parser.parse_args()
    rows = manifest(args.audio)
    engine = speech_engine(load_settings(), args.model)
    started = time.monotonic()
    results: dict[str, dict[tuple[str, ...], str]] = {}
    with engine:
        for name in [*SAYING_TERMS, *OTHERS]:
            row = rows[name]
            results[name] = {
                hints: caption(engine, args.audio / name, row["language"], hints)
                for hints in ((), GLOSSARY)
            }
    print(f"model {args.model}, {len(results)} recordings, "
          f"{time.monotonic() - started:.0f} s; glossary: {', '.join(GLOSSARY)}\n")

    print(f"{'recording':40} {'terms without':>14} {'terms with':>11}")
    totals = {(): 0, GLOSSARY: 0}
    said_total = 0
    for name in SAYING_TERMS:
        counts = {}
        for hints in ((), GLOSSARY):
            counts[hints], said = terms_recognised(GLOSSARY, rows[name]["transcript"],
                                                   results[name][hints])
            totals[hints] += counts[hints]
        said_total += said
        print(f"{name:40} {counts[()]:>10}/{said:<3} {counts[GLOSSARY]:>7}/{said:<3}")
    print(f"{'all':40} {totals[()]:>10}/{said_total:<3} {totals[GLOSSARY]:>7}/{said_total:<3}\n")

    print(f"{'WER':40} {'without':>8} {'with':>8} {'change':>8}")
    for label, names in (("recordings saying the terms", SAYING_TERMS),
                         ("English, no terms", [n for n in OTHERS if n.startswith("en_")]),
                         ("Spanish, no terms", [n for n in OTHERS if n.startswith("es_")]),
                         ("all without the terms", OTHERS)):
        wers = [pooled_wer([(rows[n]["transcript"], results[n][hints]) for n in names])
                for hints in ((), GLOSSARY)]
        print(f"{label:40} {wers[0]:>7.1%} {wers[1]:>7.1%} {100 * (wers[1] - wers[0]):>+7.1f} pt")
    others = [pooled_wer([(rows[n]["transcript"], results[n][h]) for n in OTHERS])
              for h in ((), GLOSSARY)]
    verdict = "within" if others[1] - others[0] <= WER_BUDGET else "OVER"
    print(f"\nhints on recordings without the terms: {verdict} the "
          f"{100 * WER_BUDGET:.1f}-point WER budget")
    changed = [n for n in OTHERS if results[n][()] != results[n][GLOSSARY]]
    for name in changed:
        print(f"  {name}:\n    without: {results[name][()]}\n"
              f"    with:    {results[name][GLOSSARY]}")

    print("\nnon-speech, one pass each (English pinned, beam 5):")
    with speech_engine(load_settings(), args.model) as engine:
        for label, prompt in (("without", ""), ("with", hint_text(GLOSSARY))):
            written, passes, shown = phantoms(engine, prompt)
            common = sorted({t for t in written if t.strip()}, key=written.count, reverse=True)
            print(f"  {label:8} texts on {sum(bool(t.strip()) for t in written)}/{passes} "
                  f"passes, shown {shown}; e.g. {common[:3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
