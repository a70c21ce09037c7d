"""Phrases Whisper is known to write on audio that carries no speech.

Whisper was trained on subtitles scraped from the web, where silent stretches carry
credits and sign-offs ("Subtítulos realizados por la comunidad de Amara.org", "Thanks
for watching!"); on silence, breathing and noise it writes them back. Other Whisper
projects keep per-language lists like this one (Vexa-ai/vexa#617). A list covers only
the languages someone wrote down, so it is one input to the decision in quality.py,
used only when the audio evidence is weak: a person who really says "Thank you." is
captioned.
"""

from __future__ import annotations

import re

# Sign-offs, per language, as Whisper writes them (compared without case or punctuation).
PHANTOMS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "thank you", "thanks", "thank you very much", "thank you for watching",
        "thanks for watching", "come on", "bye", "goodbye", "you", "okay", "oh",
        "please subscribe", "see you next time", "i'll see you next time",
    }),
    "es": frozenset({"gracias", "muchas gracias", "adiós", "gracias por ver el video",
                     "suscríbete"}),
    "fr": frozenset({"merci", "merci beaucoup", "au revoir"}),
    "de": frozenset({"danke", "vielen dank", "tschüss"}),
    "pt": frozenset({"obrigado", "obrigada"}),
    "it": frozenset({"grazie"}),
}
# Subtitle credits ("Subtítulos realizados por la comunidad de Amara.org", "Untertitel im
# Auftrag des ZDF"), in any language: they name the community or the word "subtitles".
CREDIT = re.compile(r"amara\.org|subt[ií]t|sous-titr|untertitel|legendas|sottotitoli", re.I)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w' -]", " ", text.lower()).split())


def is_phantom(text: str, language: str) -> bool:
    """Whether ``text`` is one of the phrases Whisper writes on non-speech."""
    if CREDIT.search(text):
        return True
    phrase = normalise(text)
    return any(phrase in phrases for phrases in (PHANTOMS.get(language, frozenset()),
                                                 PHANTOMS["en"]))
