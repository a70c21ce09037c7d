"""Every shipped catalog translates every interface string, keeping its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import write_po

from interp import catalogs, i18n

LOCALES = [loc.code for loc in i18n.UI_LOCALES if loc.code != i18n.DEFAULT_LOCALE]


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return catalogs.extract_messages()


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def test_extraction_finds_the_interface_strings(extracted: Catalog) -> None:
    ids = {_key(m) for m in extracted if m.id}
    # From base.html, from the caption area partial and its JSON strings.
    assert {"Skip to main content", "Language", "Pause captions"} <= ids


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete(locale: str, extracted: Catalog) -> None:
    catalog = catalogs.read_catalog(locale)
    missing = []
    for source in extracted:
        if not source.id:
            continue
        message = catalog.get(source.id, context=source.context)
        if message is None or not catalogs.is_translated(message):
            missing.append(_key(source))
    assert not missing, (
        f"{locale}: {len(missing)} strings untranslated (run scripts/update_catalogs.py and "
        f"translate them): {missing[:10]}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders(locale: str) -> None:
    catalog = catalogs.read_catalog(locale)
    nplurals = get_plural(locale).num_plurals
    wrong = []
    for message in catalog:
        if not message.id or not catalogs.is_translated(message):
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        expected = set().union(*(catalogs.placeholders(text) for text in ids))
        forms = _forms(message)
        if isinstance(message.id, (tuple, list)) and len(forms) != nplurals:
            wrong.append((_key(message), f"{len(forms)} plural forms, expected {nplurals}"))
        for form in forms:
            found = catalogs.placeholders(form)
            # A plural form may say the number in words ("one minute") but never invent
            # a placeholder or lose one that is not the count.
            if found - expected or (expected - {"num"}) - found:
                wrong.append((_key(message), form))
            try:
                form % dict.fromkeys(expected, 1)
            except (KeyError, ValueError, TypeError) as exc:
                wrong.append((_key(message), f"{form!r}: {exc}"))
    assert not wrong, f"{locale}: {wrong}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_declares_its_plural_rule(locale: str) -> None:
    catalog = catalogs.read_catalog(locale)
    assert catalog.num_plurals == get_plural(locale).num_plurals


def test_update_keeps_translations_adds_new_strings_and_drops_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extracted: Catalog
) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    total = len([m for m in extracted if m.id])
    assert catalogs.update_catalogs(["pl"]) == {"pl": total}  # a new catalog: all untranslated
    path = i18n.catalog_path("pl")
    catalog = catalogs.read_catalog("pl")
    assert catalog.num_plurals == 3
    catalog["Language"].string = "Język"
    catalog.add("A sentence no template uses any more", "Zdanie")
    with path.open("wb") as fh:
        write_po(fh, catalog)

    assert catalogs.update_catalogs(["pl"]) == {"pl": total - 1}
    updated = catalogs.read_catalog("pl")
    assert updated["Language"].string == "Język"
    assert "A sentence no template uses any more" not in updated
    assert i18n.load_translations(path, "pl").gettext("Language") == "Język"


# Placeholders that stand for a number, and the words that may follow one without a plural.
_NUMBERS = {"num", "count", "limit", "total", "minutes", "days", "hours", "seconds"}
_COUNTED_NOUN = re.compile(r"%\((\w+)\)[sd] (?!of\b)([a-z]+)")


def test_every_counted_word_goes_through_ngettext(extracted: Catalog) -> None:
    """"5 people" is a plural in every language but in many more ways than English's two
    (Polish "5 osób" / "3 osoby"); only ngettext lets a catalog say it right."""
    singular_counts = [
        message.id
        for message in extracted
        if message.id and isinstance(message.id, str)
        for number, _noun in _COUNTED_NOUN.findall(message.id)
        if number in _NUMBERS
    ]
    assert singular_counts == []


def test_a_singular_form_reads_as_a_singular() -> None:
    es = i18n.load_translations(i18n.catalog_path("es"), "es")
    assert es.ngettext("About %(num)s minute", "About %(num)s minutes", 1) % {"num": 1} == (
        "Alrededor de 1 minuto"
    )
    pl = i18n.load_translations(i18n.catalog_path("pl"), "pl")
    people = ("Up to %(num)s person at once", "Up to %(num)s people at once")
    assert [pl.ngettext(*people, n) % {"num": n} for n in (1, 3, 5)] == [
        "Do 1 osoby naraz", "Do 3 osób naraz", "Do 5 osób naraz",
    ]
