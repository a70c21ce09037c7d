"""Locale negotiation, catalog loading with English fallback, and page rendering per locale."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from interp import i18n
from interp.http import templating


@pytest.mark.parametrize(
    ("requested", "header", "expected"),
    [
        ("ar", "es", "ar"),  # an explicit choice beats the browser
        (None, "es-MX,es;q=0.9,en;q=0.8", "es"),
        (None, "de-DE,de;q=0.9,pl;q=0.5", "pl"),  # first language the interface speaks
        (None, "en;q=0.2, uk;q=0.9", "uk"),  # quality, not order, decides
        (None, "pt-BR", "pt"),  # a region falls back to its language
        (None, "ur-PK;q=0", "en"),  # q=0 means "not this one"
        ("xx", "ro", "ro"),  # an unknown choice is ignored
        ("AR", None, "ar"),
        (None, None, "en"),
        (None, "garbage;;q=abc,,", "en"),
    ],
)
def test_negotiate_locale(requested: str | None, header: str | None, expected: str) -> None:
    assert i18n.negotiate_locale(requested, header) == expected


def test_parse_accept_language_orders_by_quality_then_position() -> None:
    assert i18n.parse_accept_language("fr;q=0.5, ar, es;q=0.5, *;q=0.1") == ["ar", "fr", "es"]


@pytest.mark.parametrize(("locale", "direction"), [
    ("ar", "rtl"), ("ur", "rtl"), ("fa", "rtl"), ("he", "rtl"), ("en", "ltr"), ("uk", "ltr"),
])
def test_text_direction(locale: str, direction: str) -> None:
    assert i18n.text_direction(locale) == direction


def test_every_shipped_locale_has_a_catalog() -> None:
    for locale in i18n.UI_LOCALES:
        if locale.code != i18n.DEFAULT_LOCALE:
            assert i18n.catalog_path(locale.code).is_file(), locale.code


def test_empty_and_fuzzy_entries_fall_back_to_english(tmp_path: Path) -> None:
    po = tmp_path / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && '
        '(n%100<10 || n%100>=20) ? 1 : 2);\\n"\n\n'
        'msgid "Cancel"\nmsgstr "Anuluj"\n\n'
        'msgid "Untranslated"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Guessed"\nmsgstr "Zgadnięte"\n\n'
        'msgid "%(num)s minute"\nmsgid_plural "%(num)s minutes"\n'
        'msgstr[0] "%(num)s minuta"\nmsgstr[1] "%(num)s minuty"\nmsgstr[2] "%(num)s minut"\n',
        encoding="utf-8",
    )
    translations = i18n.load_translations(po, "pl")
    assert translations.gettext("Cancel") == "Anuluj"
    assert translations.gettext("Untranslated") == "Untranslated"
    assert translations.gettext("Guessed") == "Guessed"
    assert translations.gettext("Not in the catalog") == "Not in the catalog"
    forms = [translations.ngettext("%(num)s minute", "%(num)s minutes", n) for n in (1, 3, 5)]
    assert forms == ["%(num)s minuta", "%(num)s minuty", "%(num)s minut"]


def test_unknown_locale_speaks_english() -> None:
    assert i18n.translations("xx").gettext("Language") == "Language"
    assert i18n.translations("es").gettext("Language") == "Idioma"


def test_template_gettext_interpolates_and_escapes_values() -> None:
    env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    functions = templating.gettext_functions(i18n.translations("en"))
    template = env.from_string(
        '{{ _("Hello %(name)s", name=who) }} '
        '{{ ngettext("%(num)s minute", "%(num)s minutes", 3) }} '
        "{% trans count=1 %}{{ count }} person{% pluralize %}{{ count }} people{% endtrans %}"
    )
    html = template.render(**functions, who="<b>Ana</b>")
    assert html == "Hello &lt;b&gt;Ana&lt;/b&gt; 3 minutes 1 person"


@pytest.fixture()
def client() -> TestClient:
    async def page(request: Request):  # type: ignore[no-untyped-def]
        return templating.render(request, "base.html")

    return TestClient(Starlette(routes=[Route("/page", page)]))


def test_lang_query_renders_the_language_and_remembers_it(client: TestClient) -> None:
    response = client.get("/page?lang=ar&room=abc")
    assert '<html lang="ar" dir="rtl"' in response.text
    assert "انتقل إلى المحتوى الرئيسي" in response.text
    assert response.cookies.get("interp_lang") == "ar"
    # The language form keeps the page's other query parameters.
    assert '<input type="hidden" name="room" value="abc">' in response.text
    again = client.get("/page", headers={"accept-language": "es"})
    assert '<html lang="ar" dir="rtl"' in again.text  # the cookie beats the browser header


def test_accept_language_is_used_without_a_choice(client: TestClient) -> None:
    response = client.get("/page", headers={"accept-language": "uk-UA,uk;q=0.9"})
    assert '<html lang="uk" dir="ltr"' in response.text
    assert "Перейти до основного вмісту" in response.text
    assert "interp_lang" not in response.cookies


def test_unknown_lang_query_changes_nothing(client: TestClient) -> None:
    response = client.get("/page?lang=klingon", headers={"accept-language": "ro"})
    assert '<html lang="ro"' in response.text
    assert "interp_lang" not in response.cookies


def test_display_preferences_render_and_are_remembered(client: TestClient) -> None:
    response = client.get("/page?text_size=3&contrast=high")
    assert 'data-text-size="3" data-contrast="high"' in response.text
    assert response.cookies.get("interp_text_size") == "3"
    assert response.cookies.get("interp_contrast") == "high"
    assert 'data-text-size="3"' in client.get("/page").text


def test_invalid_display_preferences_are_ignored(client: TestClient) -> None:
    response = client.get("/page?text_size=99&contrast=neon")
    assert 'data-text-size="1" data-contrast="standard"' in response.text
    assert "interp_text_size" not in response.cookies
    assert "interp_contrast" not in response.cookies


def test_language_names_in_the_interface_language() -> None:
    assert i18n.language_name("so", "es") == "Somalí"
    assert i18n.language_name("so", "ar") == "الصومالية"
    # Sign languages CLDR does not name come from the catalogs, in the reader's language.
    assert i18n.language_name("bfi", "en") == "British Sign Language"
    assert i18n.language_name("bfi", "es") == "Lengua de signos británica"
    assert i18n.language_name("ukl", "ar") == "لغة الإشارة الأوكرانية"
    assert i18n.language_name("xx", "es") is None
