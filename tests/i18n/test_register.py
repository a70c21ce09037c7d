"""Each catalog addresses the reader in one register, never switching between formal and informal.

A resident reading "Su idioma" above "Elige un número" meets two different voices; public
services pick one and keep it. The register chosen per language, after public-service practice:

- es: formal "usted" (su, Elija, puede), as Spanish public administrations write.
- pt: formal third person (o seu, Escolha, pode), as European Portuguese public services write.
- pl: informal "ty" (Twoje, Wybierz, możesz), as gov.pl writes; no "Pan/Pani/Państwo", no "wy".
- uk: formal/plural "ви" (ваш, Виберіть, можете), as Ukrainian state services write.
- ro: formal "dumneavoastră" (Alegeți, vă, puteți), as Romanian public administrations write.

For each, a list of word forms that belong only to the register not chosen: pronouns,
possessives and second-person verb forms that cannot be read any other way. Forms that double
as something else are left out and were checked by reading: informal Spanish and Romanian
imperatives ("Elige", "Espera", "Salvează", "Așteaptă") are also the third person present ("she
chooses", "it waits"), Spanish "su" is also "his/her", Romanian "voi" is also "I will".
"""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Message

from interp import catalogs


def _words(forms: str) -> re.Pattern[str]:
    """Any of the space-separated forms as a whole word, ignoring case."""
    return re.compile(r"(?<!\w)(?:" + "|".join(forms.split()) + r")(?!\w)", re.IGNORECASE)


# Word forms of the register each catalog must not use.
_OTHER_REGISTER: dict[str, re.Pattern[str]] = {
    # Informal "tú"/"vosotros": pronouns and possessives, second person singular verbs
    # ("estás", "puedes": -as/-es, which no other person shares) and preterites ("identificaste").
    "es": _words(
        "tú tu tus te ti contigo tuyo tuya tuyos tuyas "
        "vosotros vosotras vuestro vuestra vuestros vuestras os "
        "estás eres has puedes tienes quieres necesitas debes sabes ves vas haces interpretas "
        "únete aceptaste cancelaste enviaste identificaste devolviste respondiste"
    ),
    # "tu" and "vós" address (their clitics too: "junta-te" matches "te") and second person
    # singular verbs.
    "pt": _words(
        "tu te ti contigo teu tua teus tuas "
        "vós vos vosso vossa vossos vossas convosco "
        "és estás podes tens queres precisas sabes vês vais fazes deves consegues escolhes "
        "escreves"
    ),
    # "Pan/Pani/Państwo" address and the second person plural. "pan/pani" are also nouns
    # ("gentleman/lady") and "państwo" also means "the state", but the interface calls people
    # residents, interpreters and staff, and never speaks of a state.
    "pl": _words(
        "pan pana panu panem pani panią państwo państwa państwu państwem "
        "wy was wam wami wasz wasza wasze waszego waszej waszemu waszym waszych waszą "
        "możecie jesteście chcecie widzicie "
        "wybierzcie wpiszcie kliknijcie naciśnijcie poczekajcie zaczekajcie spróbujcie dołączcie"
    ),
    # "ти": pronoun, possessive, second person singular verbs and singular imperatives (which
    # differ from every other form of the verb: "вибери", but "вибере", "виберіть").
    "uk": _words(
        "ти тебе тобі тобою "
        "твій твоя твоє твої твого твоєї твоєму твоїй твоїм твоїми твоїх твою "
        "можеш маєш хочеш бачиш знаєш "
        "вибери обери введи натисни торкнися зачекай спробуй напиши додай залиш перевір скажи "
        "увійди поговори скористайся"
    ),
    # "tu" and "voi" address: pronouns ("te", "ți", "tine" have no other meaning), possessives
    # and second person singular verbs ("poți", "alegi", "mergi"). "voastră" does not match
    # inside "dumneavoastră": only whole words do.
    "ro": _words(
        "tu te ți îți ție tine tău ta tăi tale "
        "vostru voastră voștri voastre "
        "ești poți vrei știi vezi alegi scrii apeși aștepți mergi fii"
    ),
}

# Word forms of the chosen register, to show the catalog really addresses its reader.
_OWN_REGISTER: dict[str, re.Pattern[str]] = {
    "es": _words("usted ustedes su sus"),
    "pt": _words("seu sua seus suas você si"),
    "pl": _words("ty cię ciebie tobie twój twoja twoje twojego twojej twoim twoją twoich możesz"),
    "uk": _words("ви вас вам ваш ваша ваше ваші вашого вашої вашому вашій вашим ваших вашу можете"),
    "ro": _words("dumneavoastră dvs vă puteți sunteți aveți"),
}

LOCALES = sorted(_OTHER_REGISTER)
_MIN_OWN_REGISTER = 10


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, (tuple, list)):
        return list(message.string)
    return [message.string] if message.string else []


def _translations(locale: str) -> list[tuple[str, str]]:
    """(msgid, translated string) for every form of every translated message."""
    return [
        (_key(message), form)
        for message in catalogs.read_catalog(locale)
        if message.id
        for form in _forms(message)
        if form
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_keeps_to_one_register(locale: str) -> None:
    pattern = _OTHER_REGISTER[locale]
    offenders = [
        (msgid, found, text)
        for msgid, text in _translations(locale)
        for found in pattern.findall(text)
    ]
    assert not offenders, f"{locale}: {len(offenders)} words of the other register:\n" + "\n".join(
        f"  {found!r} in {text!r} (msgid {msgid!r})" for msgid, found, text in offenders
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_addresses_the_reader_in_its_register(locale: str) -> None:
    pattern = _OWN_REGISTER[locale]
    addressing = {msgid for msgid, text in _translations(locale) if pattern.search(text)}
    assert len(addressing) >= _MIN_OWN_REGISTER, (
        f"{locale}: only {len(addressing)} strings address the reader in the chosen register"
    )
