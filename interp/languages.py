"""The languages interp knows: ISO 639 codes, names, text direction, spoken or signed.

Codes are ISO 639-1 where one exists, else ISO 639-3 (every sign language has
only a 639-3 code, e.g. ``bfi`` for British Sign Language). Organisations offer
a subset of these to residents; volunteers record the ones they interpret.
"""

from __future__ import annotations

from dataclasses import dataclass

from interp.i18n import N_


@dataclass(frozen=True)
class Language:
    code: str
    english_name: str
    native_name: str
    direction: str = "ltr"  # "rtl" for scripts written right to left
    signed: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "english_name": self.english_name,
            "native_name": self.native_name,
            "direction": self.direction,
            "signed": self.signed,
        }


# One language a line: code | English name | native name [| rtl, for a script written
# right to left].
_SPOKEN = """
en  | English                     | English
ar  | Arabic                      | العربية | rtl
am  | Amharic                     | አማርኛ
bg  | Bulgarian                   | Български
bn  | Bengali                     | বাংলা
ckb | Central Kurdish (Sorani)    | کوردیی ناوەندی | rtl
cs  | Czech                       | Čeština
cy  | Welsh                       | Cymraeg
de  | German                      | Deutsch
el  | Greek                       | Ελληνικά
es  | Spanish                     | Español
fa  | Persian (Farsi)             | فارسی | rtl
fr  | French                      | Français
ga  | Irish                       | Gaeilge
gu  | Gujarati                    | ગુજરાતી
ha  | Hausa                       | Hausa
he  | Hebrew                      | עברית | rtl
hi  | Hindi                       | हिन्दी
hu  | Hungarian                   | Magyar
hy  | Armenian                    | Հայերեն
id  | Indonesian                  | Bahasa Indonesia
ig  | Igbo                        | Asụsụ Igbo
it  | Italian                     | Italiano
ja  | Japanese                    | 日本語
ka  | Georgian                    | ქართული
kmr | Northern Kurdish (Kurmanji) | Kurmancî
ko  | Korean                      | 한국어
lt  | Lithuanian                  | Lietuvių
lv  | Latvian                     | Latviešu
ml  | Malayalam                   | മലയാളം
mr  | Marathi                     | मराठी
ne  | Nepali                      | नेपाली
nl  | Dutch                       | Nederlands
om  | Oromo                       | Afaan Oromoo
pa  | Punjabi                     | ਪੰਜਾਬੀ
pl  | Polish                      | Polski
ps  | Pashto                      | پښتو | rtl
pt  | Portuguese                  | Português
ro  | Romanian                    | Română
ru  | Russian                     | Русский
sk  | Slovak                      | Slovenčina
so  | Somali                      | Soomaali
sq  | Albanian                    | Shqip
sw  | Swahili                     | Kiswahili
ta  | Tamil                       | தமிழ்
te  | Telugu                      | తెలుగు
th  | Thai                        | ไทย
ti  | Tigrinya                    | ትግርኛ
tl  | Tagalog                     | Tagalog
tr  | Turkish                     | Türkçe
uk  | Ukrainian                   | Українська
ur  | Urdu                        | اردو | rtl
vi  | Vietnamese                  | Tiếng Việt
yo  | Yoruba                      | Yorùbá
yue | Cantonese                   | 粵語
zh  | Chinese (Mandarin)          | 中文
"""
# Sign languages have no written name of their own, and CLDR names only a few of them, so
# their names are interface strings, translated in the catalogs like any other.
_SIGNED = (
    ("ase", N_("American Sign Language")),
    ("bfi", N_("British Sign Language")),
    ("isg", N_("Irish Sign Language")),
    ("fsl", N_("French Sign Language")),
    ("gsg", N_("German Sign Language")),
    ("ssp", N_("Spanish Sign Language")),
    ("pso", N_("Polish Sign Language")),
    ("ise", N_("Italian Sign Language")),
    ("dse", N_("Dutch Sign Language")),
    ("asf", N_("Australian Sign Language (Auslan)")),
    ("nzs", N_("New Zealand Sign Language")),
    ("ukl", N_("Ukrainian Sign Language")),
)


def _spoken(text: str) -> list[Language]:
    languages = []
    for line in text.strip().splitlines():
        code, english, native, *rest = (cell.strip() for cell in line.split("|"))
        direction = rest[0] if rest else "ltr"
        languages.append(Language(code, english, native, direction))
    return languages


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        *_spoken(_SPOKEN),
        *(Language(code, name, name, signed=True) for code, name in _SIGNED),
    ]
}

# Offered to residents on first start; coordinators change the list afterwards.
DEFAULT_OFFERED = ("ar", "es", "pl", "uk", "ur", "ro", "pt", "fa", "so", "bfi")


def get_language(code: str) -> Language | None:
    return LANGUAGES.get(code)


def is_signed(code: str | None) -> bool:
    language = LANGUAGES.get(code or "")
    return bool(language and language.signed)


def sorted_languages() -> list[Language]:
    """Spoken languages first, then signed, each alphabetical by English name."""
    return sorted(LANGUAGES.values(), key=lambda lang: (lang.signed, lang.english_name))
