"""Benchmark the caption engine on a long-form stream replayed in real time.

Joins English utterances from the shared speech set into a 2-3 minute stream (with
short pauses, so the true end of every utterance is known), pushes it through the
streaming engine at the speed of a live microphone (the audio clock keeps running
while the engine computes), and prints accuracy, latency, CPU and memory figures.

    .venv/bin/python scripts/bench_captions.py --model whisper-base
    .venv/bin/python scripts/bench_captions.py --model whisper-tiny.en --jsonl out.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
from benchlib import (
    AUDIO_DIR,
    build_long_form,
    final_latencies,
    pct,
    replay,
    rss_mb,
    utterance_latencies,
    warm_up,
)

from interp.captions import SAMPLE_RATE, CaptionEngine, StreamOptions
from interp.captions.level import level_audio
from interp.captions.scoring import word_error_rate
from interp.config import load_settings
from interp.modelstore import resolve_speech_model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = StreamOptions()
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--audio-dir", type=Path, default=AUDIO_DIR)
    parser.add_argument("--seconds", type=float, default=150.0, help="long-form length")
    parser.add_argument("--pause", type=float, default=0.8, help="pause between utterances")
    parser.add_argument("--padding", type=float, default=defaults.padding_s,
                        help="encoder padding of finals (s)")
    parser.add_argument("--partial-padding", type=float, default=defaults.partial_padding_s,
                        help="encoder padding of partials (s)")
    parser.add_argument("--final-beam", type=int, default=5)
    parser.add_argument("--partial-interval", type=float, default=defaults.partial_interval_s)
    parser.add_argument("--partial-growth", type=float, default=defaults.partial_growth)
    parser.add_argument("--max-streams", type=int, default=6,
                        help="try up to this many simultaneous streams (0: skip)")
    parser.add_argument("--multi-seconds", type=float, default=45.0,
                        help="audio per stream in the simultaneous-streams test")
    parser.add_argument("--jsonl", type=Path, help="write committed segments here")
    args = parser.parse_args()

    settings = load_settings()
    path = resolve_speech_model(settings.models_dir, args.model)
    form = build_long_form(args.audio_dir, args.seconds, args.pause)
    duration = len(form.audio) / SAMPLE_RATE
    print(f"model {args.model}, {args.workers} worker(s) x {args.threads_per_worker} thread(s), "
          f"padding {args.padding} s (partials {args.partial_padding} s), "
          f"final beam {args.final_beam}, partials every "
          f"max({args.partial_interval} s, {args.partial_growth} x utterance)")
    print(f"long-form stream: {len(form.ends)} utterances, {duration:.1f} s")
    rss_before = rss_mb()
    engine = CaptionEngine(path, workers=args.workers, threads_per_worker=args.threads_per_worker)
    print(f"RSS: {rss_before:.0f} MB before the model, {rss_mb():.0f} MB with it loaded")
    # Every worker allocates its working memory on first use: warm them all up, so that
    # the per-stream figure below counts streams, not workers.
    warm_up(engine, form.audio[: 10 * SAMPLE_RATE], "en")
    print(f"RSS with {args.workers} workers warmed up: {rss_mb():.0f} MB")
    options = StreamOptions(padding_s=args.padding, partial_padding_s=args.partial_padding,
                            final_beam_size=args.final_beam,
                            partial_interval_s=args.partial_interval,
                            partial_growth=args.partial_growth)
    language = "en"
    (events,), cpu, peak_one = replay(engine, [form.audio], options, language)

    committed, last_stable = [], ""
    for t, e in events:
        if e.final or len(e.stable) > len(last_stable):
            committed.append({"emit_s": round(t, 3), "start_s": e.start_s, "end_s": e.end_s,
                              "text": e.text if e.final else e.stable, "final": e.final})
        last_stable = "" if e.final else e.stable
    if args.jsonl:
        args.jsonl.write_text("".join(json.dumps(c) + "\n" for c in committed))

    streamed = " ".join(e.text for _, e in events if e.final)
    whisper = engine.recognizer._whisper
    segments, _ = whisper.transcribe(level_audio(form.audio), language=language, beam_size=5)
    offline = " ".join(s.text for s in segments)
    wer_streamed = word_error_rate(form.reference, streamed)
    wer_offline = word_error_rate(form.reference, offline)
    final_lat = final_latencies(events)
    utt_lat, first_partial = utterance_latencies(form, events)

    print(f"WER streamed {100 * wer_streamed:.1f} %  offline one-pass (beam 5) "
          f"{100 * wer_offline:.1f} %  ratio {wer_streamed / max(wer_offline, 1e-9):.2f}")
    print(f"final-caption latency (emit - end_s): p50 {pct(final_lat, 50):.2f} s  "
          f"p95 {pct(final_lat, 95):.2f} s  max {max(final_lat):.2f} s  ({len(final_lat)} finals)")
    print(f"utterance-final latency (shown - true end): p50 {pct(utt_lat, 50):.2f} s  "
          f"p95 {pct(utt_lat, 95):.2f} s  max {max(utt_lat):.2f} s  "
          f"({len(utt_lat)}/{len(form.ends)} utterances)")
    print(f"first-partial latency (shown - true start): p50 {pct(first_partial, 50):.2f} s  "
          f"p95 {pct(first_partial, 95):.2f} s")
    cores = len(os.sched_getaffinity(0))
    print(f"real-time factor: {cpu / duration:.3f} CPU-s per audio second (one stream); "
          f"{cores} cores / that = {cores * duration / cpu:.1f} streams by CPU alone")

    if args.max_streams:
        clip = form.audio[: int(args.multi_seconds * SAMPLE_RATE)]
        best, rss_by_n = 0, {1: peak_one}
        for n in range(2, args.max_streams + 1):
            # Offset each copy so that the streams do not speak in lockstep.
            copies = [np.roll(clip, int(i * 3.7 * SAMPLE_RATE)) for i in range(n)]
            all_events, cpu_n, peak = replay(engine, copies, options, language)
            lat = [x for ev in all_events for x in final_latencies(ev)]
            keeps_up = pct(lat, 95) <= 3.0 and max(lat) <= 6.0
            rss_by_n[n] = peak
            print(f"{n} streams: final latency p50 {pct(lat, 50):.2f} s p95 {pct(lat, 95):.2f} s "
                  f"max {max(lat):.2f} s, {cpu_n / (n * len(clip) / SAMPLE_RATE):.3f} "
                  f"CPU-s per audio s, peak RSS {peak:.0f} MB -> "
                  f"{'real time' if keeps_up else 'falls behind'}")
            if not keeps_up:
                break
            best = n
        best = max(best, 1)
        print(f"max real-time streams: {best}")
        # From one stream to two, the second worker starts computing at the same time as
        # the first and its working memory joins the peak: a per-worker cost, counted apart.
        line = f"RSS: one stream {peak_one:.0f} MB"
        if 2 in rss_by_n:
            line += f", second stream +{rss_by_n[2] - peak_one:.0f} MB"
        top = max(rss_by_n)
        if top > 2:
            line += f", per stream beyond two {(rss_by_n[top] - rss_by_n[2]) / (top - 2):.1f} MB"
        print(line)
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
