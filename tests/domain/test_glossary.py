"""The glossary: terms the coordinator keeps, checked whole before anything changes.
On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from interp.domain import glossary as rules
from interp.domain.errors import Conflict, InvalidInput, NotFound
from interp.domain.glossary import MAX_TERMS, Glossary, parse_term_list
from interp.store.database import Database
from interp.store.models import GlossaryTerm
from interp.translation.glossary import GlossaryEntry


@pytest.fixture
def glossary(database: Database) -> Glossary:
    return Glossary(database)


async def test_terms_are_added_changed_and_removed(glossary: Glossary) -> None:
    tax = await glossary.add("  council   tax ", {"es": "impuesto municipal (council tax)",
                                                   "pl": " "})
    credit = await glossary.add("Universal Credit")
    assert tax.term == "council tax"
    assert tax.renderings == {"es": "impuesto municipal (council tax)"}
    assert [t.term for t in await glossary.terms()] == ["council tax", "Universal Credit"]
    assert await glossary.entries() == [
        GlossaryEntry("council tax", {"es": "impuesto municipal (council tax)"}),
        GlossaryEntry("Universal Credit", {}),
    ]

    changed = await glossary.update(credit.id, "Universal Credit", {"ar": "الائتمان الشامل"})
    assert changed.renderings == {"ar": "الائتمان الشامل"}
    # Changing a term's case is not a duplicate of itself.
    assert (await glossary.update(tax.id, "Council Tax", {})).term == "Council Tax"

    assert await glossary.remove(tax.id)
    assert not await glossary.remove(tax.id)
    assert [t.term for t in await glossary.terms()] == ["Universal Credit"]


@pytest.mark.parametrize(
    ("term", "renderings", "message"),
    [
        ("", {}, rules.NO_TERM),
        ("   ", {}, rules.NO_TERM),
        ("x" * 101, {}, rules.TERM_TOO_LONG),
        ("council\x00tax", {}, rules.INVISIBLE),
        ("council\ntax", {}, rules.INVISIBLE),
        ("council\u200btax", {}, rules.INVISIBLE),
        ("council tax", {"es": "impuesto\x07"}, rules.INVISIBLE),
        ("council tax", {"es": "y" * 201}, rules.RENDERING_TOO_LONG),
        ("council tax", {"xx": "hm"}, rules.UNKNOWN_LANGUAGE),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    glossary: Glossary, database: Database, term: str, renderings: dict[str, str], message: str
) -> None:
    kept = await glossary.add("Food bank")
    with pytest.raises(InvalidInput) as refused:
        await glossary.add(term, renderings)
    assert refused.value.message == message
    with pytest.raises(InvalidInput):
        await glossary.update(kept.id, term, renderings)
    assert await glossary.terms() == [kept]


async def test_a_duplicate_is_refused_whatever_its_case_or_spacing(glossary: Glossary) -> None:
    first = await glossary.add("Council Tax")
    other = await glossary.add("Housing Benefit")
    with pytest.raises(Conflict):
        await glossary.add("council  tax")
    with pytest.raises(Conflict):
        await glossary.update(other.id, "COUNCIL TAX")
    assert [t.term for t in await glossary.terms()] == [first.term, other.term]
    with pytest.raises(NotFound):
        await glossary.update("no-such-term", "Rent")


async def test_the_glossary_holds_at_most_its_limit(glossary: Glossary, database: Database) -> None:
    async with database.session() as session:
        session.add_all(
            GlossaryTerm(id=f"t{i}", term=f"term {i}", term_key=f"term {i}", renderings="{}",
                         created_at=rules.utcnow())
            for i in range(MAX_TERMS)
        )
    with pytest.raises(InvalidInput) as refused:
        await glossary.add("one too many")
    assert refused.value.message == rules.TOO_MANY
    assert len(await glossary.terms()) == MAX_TERMS


def test_a_term_list_file_is_read_one_term_a_line() -> None:
    text = "# our words\nUniversal Credit\n\n  council   tax \nCouncil Tax\n"
    assert parse_term_list(text) == ["Universal Credit", "council tax"]
    with pytest.raises(InvalidInput) as refused:
        parse_term_list("fine\n" + "x" * 101)
    assert refused.value.message.startswith("Line 2: ")
