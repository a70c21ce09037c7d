"""The languages interp knows: ISO 639 codes, names, text direction, spoken or signed.

Codes are ISO 639-1 where one exists, else ISO 639-3 (every sign language has
only a 639-3 code, e.g. ``bfi`` for British Sign Language). Organisations offer
a subset of these to residents; volunteers record the ones they interpret.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def _spoken(code: str, english: str, native: str, direction: str = "ltr") -> Language:
    return Language(code, english, native, direction)


def _signed(code: str, english: str) -> Language:
    # Sign languages have no written native name; the English name is shown.
    return Language(code, english, english, "ltr", signed=True)


_ALL = (
    _spoken("en", "English", "English"),
    _spoken("ar", "Arabic", "العربية", "rtl"),
    _spoken("am", "Amharic", "አማርኛ"),
    _spoken("bg", "Bulgarian", "Български"),
    _spoken("bn", "Bengali", "বাংলা"),
    _spoken("ckb", "Central Kurdish (Sorani)", "کوردیی ناوەندی", "rtl"),
    _spoken("cs", "Czech", "Čeština"),
    _spoken("cy", "Welsh", "Cymraeg"),
    _spoken("de", "German", "Deutsch"),
    _spoken("el", "Greek", "Ελληνικά"),
    _spoken("es", "Spanish", "Español"),
    _spoken("fa", "Persian (Farsi)", "فارسی", "rtl"),
    _spoken("fr", "French", "Français"),
    _spoken("ga", "Irish", "Gaeilge"),
    _spoken("gu", "Gujarati", "ગુજરાતી"),
    _spoken("ha", "Hausa", "Hausa"),
    _spoken("he", "Hebrew", "עברית", "rtl"),
    _spoken("hi", "Hindi", "हिन्दी"),
    _spoken("hu", "Hungarian", "Magyar"),
    _spoken("hy", "Armenian", "Հայերեն"),
    _spoken("id", "Indonesian", "Bahasa Indonesia"),
    _spoken("ig", "Igbo", "Asụsụ Igbo"),
    _spoken("it", "Italian", "Italiano"),
    _spoken("ja", "Japanese", "日本語"),
    _spoken("ka", "Georgian", "ქართული"),
    _spoken("kmr", "Northern Kurdish (Kurmanji)", "Kurmancî"),
    _spoken("ko", "Korean", "한국어"),
    _spoken("lt", "Lithuanian", "Lietuvių"),
    _spoken("lv", "Latvian", "Latviešu"),
    _spoken("ml", "Malayalam", "മലയാളം"),
    _spoken("mr", "Marathi", "मराठी"),
    _spoken("ne", "Nepali", "नेपाली"),
    _spoken("nl", "Dutch", "Nederlands"),
    _spoken("om", "Oromo", "Afaan Oromoo"),
    _spoken("pa", "Punjabi", "ਪੰਜਾਬੀ"),
    _spoken("pl", "Polish", "Polski"),
    _spoken("ps", "Pashto", "پښتو", "rtl"),
    _spoken("pt", "Portuguese", "Português"),
    _spoken("ro", "Romanian", "Română"),
    _spoken("ru", "Russian", "Русский"),
    _spoken("sk", "Slovak", "Slovenčina"),
    _spoken("so", "Somali", "Soomaali"),
    _spoken("sq", "Albanian", "Shqip"),
    _spoken("sw", "Swahili", "Kiswahili"),
    _spoken("ta", "Tamil", "தமிழ்"),
    _spoken("te", "Telugu", "తెలుగు"),
    _spoken("th", "Thai", "ไทย"),
    _spoken("ti", "Tigrinya", "ትግርኛ"),
    _spoken("tl", "Tagalog", "Tagalog"),
    _spoken("tr", "Turkish", "Türkçe"),
    _spoken("uk", "Ukrainian", "Українська"),
    _spoken("ur", "Urdu", "اردو", "rtl"),
    _spoken("vi", "Vietnamese", "Tiếng Việt"),
    _spoken("yo", "Yoruba", "Yorùbá"),
    _spoken("yue", "Cantonese", "粵語"),
    _spoken("zh", "Chinese (Mandarin)", "中文"),
    _signed("ase", "American Sign Language"),
    _signed("bfi", "British Sign Language"),
    _signed("isg", "Irish Sign Language"),
    _signed("fsl", "French Sign Language"),
    _signed("gsg", "German Sign Language"),
    _signed("ssp", "Spanish Sign Language"),
    _signed("pso", "Polish Sign Language"),
    _signed("ise", "Italian Sign Language"),
    _signed("dse", "Dutch Sign Language"),
    _signed("asf", "Australian Sign Language (Auslan)"),
    _signed("nzs", "New Zealand Sign Language"),
    _signed("ukl", "Ukrainian Sign Language"),
)

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _ALL}

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
