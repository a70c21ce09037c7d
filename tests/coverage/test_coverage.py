"""The coverage table's parts: speech tiers, translation reach, voices, the gap."""

from __future__ import annotations

from interp.coverage import Gap, language_coverage
from interp.coverage.argos_index import KNOWN_PAIRS
from interp.coverage.speech_quality import SpeechTier, speech_support
from interp.coverage.translation_reach import Reach, direction
from interp.coverage.voices import parse_espeak_voices
from interp.languages import LANGUAGES


def test_speech_tiers_follow_the_published_error_rates() -> None:
    assert speech_support("es").tier == SpeechTier.GOOD and speech_support("es").wer == 3.0
    assert speech_support("ar").tier == SpeechTier.FAIR
    assert speech_support("fa").tier == SpeechTier.WEAK
    assert speech_support("so").tier == SpeechTier.UNKNOWN  # Whisper knows it; no figure
    assert speech_support("ti").tier == SpeechTier.NONE  # Whisper does not
    assert speech_support("bfi", signed=True).tier == SpeechTier.SIGNED


def test_the_known_index_matches_what_was_counted() -> None:
    assert len(KNOWN_PAIRS) == 96
    assert len({code for pair in KNOWN_PAIRS for code in pair}) == 48
    for code in ("ps", "prs", "ti", "so", "ku", "am"):
        assert (code, "en") not in KNOWN_PAIRS and ("en", code) not in KNOWN_PAIRS


def test_reach_is_installed_installable_or_out_of_reach() -> None:
    installed = {("es", "en"), ("en", "fr")}
    assert direction("es", "fr", installed).route == ("es", "en", "fr")
    assert direction("es", "fr", installed).reach == Reach.INSTALLED
    fr_es = direction("fr", "es", installed)
    assert fr_es.reach == Reach.INSTALLABLE and fr_es.missing == (("fr", "en"), ("en", "es"))
    assert direction("so", "en", installed).reach == Reach.NO_MODEL
    assert direction("en", "en", installed).reach == Reach.SAME


def test_the_gap_of_a_language() -> None:
    spanish = language_coverage(LANGUAGES["es"], "en", {("en", "es")})
    assert spanish.gap == Gap.INSTALLABLE and spanish.missing_packages == (("es", "en"),)
    assert spanish.fix == "interp models install --offered"
    assert language_coverage(LANGUAGES["es"], "en", {("en", "es"), ("es", "en")}).gap == Gap.NONE
    somali = language_coverage(LANGUAGES["so"], "en", set())
    assert somali.gap == Gap.NO_MODEL and somali.fix == "" and not somali.ui
    assert language_coverage(LANGUAGES["bfi"], "en", set()).gap == Gap.SIGNED
    assert language_coverage(LANGUAGES["en"], "en", set()).gap == Gap.NONE


def test_espeak_voice_listing_is_read_by_language() -> None:
    listing = (
        "Pty Language       Age/Gender VoiceName          File                 Other Languages\n"
        " 5  af              --/M      Afrikaans          gmw/af\n"
        " 5  fa              --/M      Persian            trk/fa\n"
        " 5  en-gb-scotland  --/M      English_(Scotland) gmw/en-GB-scotland\n"
    )
    assert parse_espeak_voices(listing) >= {"af", "fa", "en", "en-gb-scotland"}
    assert "ps" not in parse_espeak_voices(listing)
