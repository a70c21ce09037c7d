"""Speech output on this machine: for each engine and language, the time from a caption's
text to its first playable audio (the whole sentence is made at once, so that is the
synthesis and encoding time), the real-time factor (that time over the seconds spoken)
and the processor time per spoken second (the engine's own process included).

    .venv/bin/python scripts/bench_tts.py [--repeat 5]

Prints one line per engine and language; languages without a voice here are listed last.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

from interp.config import load_settings
from interp.speech_output import SpeechOutput

# One caption-sized sentence per language (what a caseworker says most days).
SENTENCES = {
    "en": "Your appointment at the housing office is on Monday at ten o'clock.",
    "es": "Su cita en la oficina de vivienda es el lunes a las diez.",
    "ar": "موعدك في مكتب الإسكان يوم الاثنين الساعة العاشرة.",
    "pl": "Twoja wizyta w biurze mieszkaniowym jest w poniedziałek o dziesiątej.",
    "uk": "Ваш прийом у житловому офісі в понеділок о десятій.",
    "ro": "Programarea dumneavoastră la biroul de locuințe este luni la ora zece.",
    "pt": "A sua consulta no gabinete de habitação é na segunda-feira às dez.",
    "ur": "ہاؤسنگ آفس میں آپ کی ملاقات پیر کو دس بجے ہے۔",
    "fa": "وقت شما در دفتر مسکن دوشنبه ساعت ده است.",
    "tr": "Konut ofisindeki randevunuz pazartesi saat onda.",
    "so": "Ballantaada xafiiska guryaha waa Isniinta saacadda tobanka.",
    "ps": "ستاسو ملاقات د دوشنبې په ورځ په لسو بجو دی.",
}


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def measure(output: SpeechOutput, language: str, text: str, repeat: int) -> str | None:
    voice = output.voice(language)
    if voice is None:
        return None
    await output.speak(text, language)  # the first call finds and loads the voice
    walls, cpus, spoken, size = [], [], 0.0, 0
    for _ in range(repeat):
        cpu, start = cpu_s(), time.perf_counter()
        speech = await output.speak(text, language)
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_s() - cpu)
        assert speech is not None
        spoken, size = speech.duration_s, len(speech.audio)
    wall = sorted(walls)[len(walls) // 2]
    cpu = sorted(cpus)[len(cpus) // 2]
    return (
        f"{voice.engine:10} {language:3} first audio {wall * 1000:6.0f} ms  "
        f"RTF {wall / spoken:.3f}  CPU {cpu / spoken * 1000:5.1f} ms per spoken s  "
        f"{spoken:4.1f} s spoken  {size / 1024:5.1f} KiB mp3"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty:
        models = load_settings().models_dir if load_settings().models_dir.exists() else Path(empty)
        output = SpeechOutput(models)
        silent = []
        for language, text in SENTENCES.items():
            line = await measure(output, language, text, args.repeat)
            if line is None:
                silent.append(language)
            else:
                print(line, flush=True)
        print("no voice here:", ", ".join(silent) or "none")


if __name__ == "__main__":
    asyncio.run(main())
