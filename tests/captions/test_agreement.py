"""LocalAgreement commits only what consecutive hypotheses agree on."""

from __future__ import annotations

from interp.captions.agreement import LocalAgreement


def test_words_commit_once_two_passes_agree():
    la = LocalAgreement()
    assert la.update("we must") == ("", "we must")
    assert la.update("we must find a") == ("we must", "find a")
    assert la.update("We must find a new home") == ("we must find a", "new home")


def test_committed_words_never_change():
    la = LocalAgreement()
    la.update("ask not what")
    la.update("ask not what your")
    committed, tentative = la.update("ask now what your country")
    assert committed == "ask not what"
    assert tentative == ""


def test_punctuation_and_case_do_not_block_agreement():
    la = LocalAgreement()
    la.update("Hello, world")
    committed, tentative = la.update("hello world again")
    assert committed == "hello world"
    assert tentative == "again"
