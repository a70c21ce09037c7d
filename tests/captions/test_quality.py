"""Suppression of loops, non-speech and low-confidence output."""

from __future__ import annotations

from interp.captions.quality import accept, collapse_repeats
from interp.captions.recognizer import Hypothesis, compression_ratio


def hyp(text: str, avg_logprob: float = -0.2, no_speech_prob: float = 0.01) -> Hypothesis:
    return Hypothesis(text, "en", 1.0, avg_logprob, no_speech_prob, compression_ratio(text),
                      False)


def test_loops_of_phrases_are_cut_to_one_copy():
    assert collapse_repeats("I am here I am here I am here now") == "I am here now"
    assert collapse_repeats("And so my fellow Americans. And so my fellow Americans.") == (
        "And so my fellow Americans."
    )


def test_short_repetitions_of_real_speech_survive():
    assert collapse_repeats("no, no, no.") == "no, no, no."
    assert collapse_repeats("no no no no no no") == "no no no"
    assert collapse_repeats("we need to go, go now") == "we need to go, go now"
    assert collapse_repeats("ask not ask what") == "ask not ask what"


def test_confident_speech_is_kept():
    assert accept(hyp("We must find a new home in the stars.")) == (
        "We must find a new home in the stars."
    )


def test_non_speech_and_low_confidence_are_dropped():
    assert accept(hyp("Thank you.", avg_logprob=-1.2, no_speech_prob=0.8)) == ""
    assert accept(hyp("Bla bla gibberish", avg_logprob=-2.0)) == ""
    assert accept(hyp("...")) == ""
    assert accept(hyp("")) == ""


def test_loops_are_collapsed_or_dropped():
    looping = "Thank you for watching. " * 20
    assert accept(hyp(looping)) == "Thank you for watching."
    assert accept(hyp("a" * 300)) == ""


def test_a_pass_cut_at_its_token_cap_keeps_whole_sentences():
    capped = Hypothesis("We met. Then we went to the the the", "en", 1.0, -0.3, 0.01, 1.2, True)
    assert accept(capped) == "We met."
