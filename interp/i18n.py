"""Interface language: which locale a page speaks, and its gettext translations.

Catalogs are ``web/locale/<locale>/LC_MESSAGES/messages.po``. They are compiled in
memory when first used, so there is no build step; a message missing from a
catalog (or left empty there) falls back to the English source text, never to a key.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
DEFAULT_LOCALE = "en"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


@dataclass(frozen=True)
class UILocale:
    code: str
    # The language's own name, so a resident recognises it whatever the page speaks now.
    native_name: str


# Locales the interface ships in, in the order the language picker lists them.
UI_LOCALES: tuple[UILocale, ...] = (
    UILocale("en", "English"),
    UILocale("es", "Español"),
    UILocale("pl", "Polski"),
    UILocale("ar", "العربية"),
    UILocale("uk", "Українська"),
    UILocale("ur", "اردو"),
    UILocale("ro", "Română"),
    UILocale("pt", "Português"),
)
_UI_CODES = frozenset(loc.code for loc in UI_LOCALES)


def N_(message: str) -> str:
    """Mark a string for extraction; pages translate it later with ``_(message)``."""
    return message


def text_direction(locale: str) -> str:
    return "rtl" if locale.split("-")[0].split("_")[0] in RTL_LANGUAGES else "ltr"


@cache
def _cldr_language_names(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).languages)
    except (UnknownLocaleError, ValueError):
        return {}


def language_name(code: str, locale: str) -> str | None:
    """A language's name in the UI locale (``so`` in Arabic: الصومالية), None if unknown.

    From CLDR; a sign language CLDR does not name comes from the interface catalog.
    """
    from interp.languages import get_language  # languages marks its names with N_ from here

    name = _cldr_language_names(locale).get(code)
    language = get_language(code)
    if not name and language and language.signed:
        name = translations(locale).gettext(language.english_name)
    # CLDR writes names in lower case in many languages ("somalí"); a list item starts upper.
    return name[:1].upper() + name[1:] if name else None


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


@cache
def translations(locale: str) -> NullTranslations:
    """Gettext translations for ``locale``; English (the source text) when it has no catalog."""
    path = catalog_path(locale)
    if locale == DEFAULT_LOCALE or locale not in _UI_CODES or not path.exists():
        return NullTranslations()
    return load_translations(path, locale)


def load_translations(po_file: Path, locale: str) -> NullTranslations:
    """Compile a .po catalog in memory; its empty and fuzzy entries fall back to English."""
    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    compiled = io.BytesIO()
    # write_mo leaves out empty and fuzzy entries, so gettext returns the English msgid for them.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    result = Translations(compiled)
    result.add_fallback(NullTranslations())
    return result


def _normalise(tag: str) -> str | None:
    """The shipped locale a language tag asks for: ``pt-BR`` → ``pt``, ``xx`` → None."""
    tag = tag.strip().replace("_", "-").lower()
    if tag in _UI_CODES:
        return tag
    primary = tag.split("-")[0]
    return primary if primary in _UI_CODES else None


def parse_accept_language(header: str) -> list[str]:
    """Language tags from an Accept-Language header, most preferred first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            # Sort by quality, then keep the header's own order for equal qualities.
            weighted.append((-quality, index, tag))
    return [tag for _q, _i, tag in sorted(weighted)]


def negotiate_locale(requested: str | None, accept_language: str | None) -> str:
    """The UI locale for an explicit choice (query or cookie), else the browser's header."""
    if requested:
        chosen = _normalise(requested)
        if chosen:
            return chosen
    for tag in parse_accept_language(accept_language or ""):
        chosen = _normalise(tag)
        if chosen:
            return chosen
    return DEFAULT_LOCALE
