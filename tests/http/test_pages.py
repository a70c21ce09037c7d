"""What a form says about a value the domain refuses: by the field at fault, then by the
error's code, else the form's own default."""

from __future__ import annotations

from interp.domain.errors import Conflict, InvalidInput, InvalidToken
from interp.http.pages import form_error

FIELDS = {"note": "The note is too long."}
CODES = {InvalidToken.code: "The link is wrong.", "invalid": "Never used: fields come first."}


def test_a_refused_field_gets_its_own_message() -> None:
    exc = InvalidInput("The note must be at most 500 characters.", "note")
    assert form_error(exc, "Choose a language.", FIELDS, CODES) == "The note is too long."


def test_an_error_without_a_known_field_is_told_by_its_code_or_the_default() -> None:
    assert form_error(InvalidToken("x"), "Choose a language.", FIELDS, CODES) == (
        "The link is wrong."
    )
    assert form_error(Conflict("x"), "Choose a language.", FIELDS, CODES) == "Choose a language."
    assert form_error(InvalidInput("x", "language"), "Choose a language.", FIELDS) == (
        "Choose a language."
    )
