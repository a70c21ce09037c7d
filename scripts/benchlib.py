"""What the caption benchmarks share: a long-form speech stream with known utterance
bounds, a real-time replay through the engine, and the latency figures.

Times of caption events are seconds since audio time zero (when the first 20 ms of
the stream went out), so that ``t - event.end_s`` is how long after its last audio a
caption was shown, whatever carried it there.
"""

from __future__ import annotations

import csv
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interp.captions import SAMPLE_RATE, CaptionEngine, CaptionEvent, StreamOptions, load_audio
from interp.captions.level import level_audio

AUDIO_DIR = Path(__file__).resolve().parents[2] / "shared" / "audio"
CHUNK_S = 0.02  # a WebRTC audio frame


@dataclass
class LongForm:
    audio: np.ndarray
    starts: list[float]  # true speech start of each utterance (s)
    ends: list[float]  # true speech end of each utterance (s)
    reference: str


def speech_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) sample of each stretch of speech (offline Silero VAD on the levelled
    audio; pauses of half a second or more split it)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    # A low threshold keeps whispered and falsetto speech, which Silero scores low.
    spans = get_speech_timestamps(level_audio(audio), VadOptions(
        threshold=0.2, min_silence_duration_ms=500, speech_pad_ms=50))
    return [(span["start"], span["end"]) for span in spans]


def trim_silence(audio: np.ndarray) -> np.ndarray:
    """Cut leading and trailing non-speech, so that the joins give the true bounds of
    the speech."""
    spans = speech_spans(audio)
    if not spans:
        return audio
    return audio[spans[0][0] : spans[-1][1]]


def build_long_form(audio_dir: Path, seconds: float, pause_s: float) -> LongForm:
    with open(audio_dir / "manifest.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    chosen = [r for r in rows if r["language"] == "en" and 3 <= float(r["duration_s"]) <= 16]
    pieces, starts, ends, texts, t = [], [], [], [], 0.0
    silence = np.zeros(int(pause_s * SAMPLE_RATE), dtype=np.float32)
    for row in sorted(chosen, key=lambda r: r["file"]):
        clip = trim_silence(load_audio(audio_dir / row["file"]))
        starts.append(t)
        t += len(clip) / SAMPLE_RATE
        ends.append(t)
        pieces += [clip, silence]
        t += pause_s
        texts.append(row["transcript"])
        if t >= seconds:
            break
    return LongForm(np.concatenate(pieces), starts, ends, " ".join(texts))


def long_form_from_file(path: Path, reference: str) -> LongForm:
    """One recording as a long-form stream: its utterances are its stretches of speech."""
    audio = load_audio(path)
    spans = speech_spans(audio)
    return LongForm(audio, [s / SAMPLE_RATE for s, _ in spans],
                    [e / SAMPLE_RATE for _, e in spans], reference)


def manifest_transcript(path: Path) -> str:
    """The transcript of a recording listed in the manifest.tsv beside it, or ""."""
    manifest = path.parent / "manifest.tsv"
    if not manifest.is_file():
        return ""
    with open(manifest, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["file"] == path.name:
                return row["transcript"]
    return ""


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def warm_up(engine: CaptionEngine, sample: np.ndarray, language: str) -> None:
    """Run every worker once: each allocates its working memory on first use."""
    warm = [threading.Thread(target=engine.recognizer.recognize, args=(sample, language))
            for _ in range(engine.workers)]
    for thread in warm:
        thread.start()
    for thread in warm:
        thread.join()


def replay(engine: CaptionEngine, streams: list[np.ndarray], options: StreamOptions,
           language: str | None) -> tuple[list[list[tuple[float, CaptionEvent]]], float, float]:
    """Push every stream at real-time pace; returns events with emit times, CPU s, peak RSS."""
    events: list[list[tuple[float, CaptionEvent]]] = [[] for _ in streams]
    t0 = time.monotonic()
    opened = []
    for i in range(len(streams)):
        def collect(event: CaptionEvent, i: int = i) -> None:
            events[i].append((time.monotonic() - t0, event))
        opened.append(engine.open_stream(f"s{i}", language, on_event=collect, options=options))
    peak = [rss_mb()]
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    cpu0 = time.process_time()
    chunk = int(CHUNK_S * SAMPLE_RATE)
    longest = max(len(a) for a in streams)
    for offset in range(0, longest, chunk):
        for stream, audio in zip(opened, streams, strict=True):
            if offset < len(audio):
                stream.push(audio[offset : offset + chunk])
        delay = t0 + (offset + chunk) / SAMPLE_RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    for stream in opened:
        stream.close()
    for stream in opened:
        stream.done.wait(600)
    cpu = time.process_time() - cpu0
    stop.set()
    sampler.join()
    return events, cpu, peak[0]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(values, q))


def final_latencies(events: list[tuple[float, CaptionEvent]]) -> list[float]:
    """Per final caption with text: shown minus the end of its audio (emit - end_s)."""
    return [t - e.end_s for t, e in events if e.final and e.text]


def utterance_latencies(
    form: LongForm, events: list[tuple[float, CaptionEvent]]
) -> tuple[list[float], list[float]]:
    """Per true utterance: when its last word was shown as final (the last final that
    overlaps it), and when its first caption of any kind was shown."""
    finals = [(t, e) for t, e in events if e.final and e.text]
    finals_latency: list[float] = []
    first_partial: list[float] = []
    for start, end in zip(form.starts, form.ends, strict=True):
        covering = [t for t, e in finals if e.start_s < end and e.end_s > start]
        if covering:
            finals_latency.append(max(covering) - end)
        shown = [t for t, e in events if e.text and e.start_s < end and e.end_s > start]
        if shown:
            first_partial.append(min(shown) - start)
    return finals_latency, first_partial
