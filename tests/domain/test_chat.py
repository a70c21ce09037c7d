"""What a typed chat line may be, and the language it is taken to be written in."""

from __future__ import annotations

import pytest

from interp.domain.chat import MAX_CHAT_CHARS, clean_chat_text, written_in
from interp.domain.errors import InvalidInput
from interp.domain.rooms import Participant


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("hola", "hola"),
        ("  hola \n\t mundo  ", "hola mundo"),
        ("a\x07b\x1bc", "a b c"),  # control characters never reach another page
        ("مرحبا  بالعالم", "مرحبا بالعالم"),
        ("x" * MAX_CHAT_CHARS, "x" * MAX_CHAT_CHARS),
        ("y" * MAX_CHAT_CHARS + "   ", "y" * MAX_CHAT_CHARS),
    ],
)
def test_a_line_is_tidied_to_one_line(typed: str, shown: str) -> None:
    assert clean_chat_text(typed) == shown


@pytest.mark.parametrize("typed", ["", "   ", "\n\t", "\x00\x07", "x" * (MAX_CHAT_CHARS + 1)])
def test_nothing_or_too_much_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_chat_text(typed)
    assert refused.value.code == "invalid" and refused.value.field == "text"


def person(role: str, language: str | None) -> Participant:
    return Participant("p1", "room", role, "Rosa", language, None)


@pytest.mark.parametrize(
    ("role", "language", "writes"),
    [
        ("resident", "es", "es"),
        ("resident", "bfi", "en"),  # signs: types in the organisation's written language
        ("resident", None, "en"),
        ("interpreter", "es", "en"),
        ("caseworker", None, "en"),
    ],
)
def test_residents_type_in_their_language_and_staff_in_the_local_one(
    role: str, language: str | None, writes: str
) -> None:
    assert written_in(person(role, language), "en") == writes
