"""Keeping the translation catalogs in step with the interface's strings.

Strings come from the templates (``_()``, ``ngettext`` and ``{% trans %}``, which
includes the JSON string blocks page scripts read) and from Python code marked with
``N_()``. ``update_catalogs`` merges them into every shipped locale's ``messages.po``:
new strings arrive untranslated (and show in English until translated), strings no
longer used are dropped, existing translations are kept.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from interp import i18n

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "web" / "templates"
PACKAGE_DIR = ROOT / "interp"
_JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}
_KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _add(catalog: Catalog, base: Path, found: Iterable[tuple]) -> None:
    for filename, lineno, message, comments, context in found:
        location = (str((base / filename).relative_to(ROOT)), lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)


def extract_messages() -> Catalog:
    """Every translatable string of the interface, with where it is used."""
    catalog = Catalog(project="interp", domain="messages", fuzzy=False)
    _add(catalog, TEMPLATES_DIR, extract_from_dir(
        TEMPLATES_DIR,
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": _JINJA_OPTIONS},
        keywords=_KEYWORDS,
    ))
    _add(catalog, PACKAGE_DIR, extract_from_dir(
        PACKAGE_DIR, method_map=[("**.py", "python")], keywords=_KEYWORDS,
    ))
    return catalog


def read_catalog(locale: str) -> Catalog:
    with i18n.catalog_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def update_catalogs(locales: Iterable[str] | None = None) -> dict[str, int]:
    """Merge the current strings into each locale's catalog; returns untranslated counts."""
    template = extract_messages()
    untranslated: dict[str, int] = {}
    codes = locales or [loc.code for loc in i18n.UI_LOCALES if loc.code != i18n.DEFAULT_LOCALE]
    for locale in codes:
        path = i18n.catalog_path(locale)
        if path.exists():
            catalog = read_catalog(locale)
            before = path.read_bytes()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=locale, project="interp", version="", domain="messages", fuzzy=False,
                header_comment=f"# {locale} translation of the interp interface.",
                msgid_bugs_address="", last_translator="", language_team="",
            )
            before = b""
        created = catalog.creation_date
        # No fuzzy matching: a guessed translation of a similar sentence is worse than English.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        if before:
            catalog.creation_date = created  # a run that changes no string changes no file
        output = io.BytesIO()
        # Without line numbers, editing a template does not touch every catalog.
        write_po(output, catalog, ignore_obsolete=True, include_previous=False, width=100,
                 include_lineno=False)
        if output.getvalue() != before:
            path.write_bytes(output.getvalue())
        untranslated[locale] = sum(1 for m in catalog if m.id and not is_translated(m))
    return untranslated


def is_translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return not message.fuzzy and all(s and s.strip() for s in strings)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))
