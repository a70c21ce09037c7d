"""Feedback after calls and safeguarding reports: who may answer, what is kept, what the
coordinator reads. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from interp.domain import feedback as rules
from interp.domain.accounts import Account
from interp.domain.errors import InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.feedback import Feedback
from interp.store.database import Database
from interp.store.models import AuditEntry, CallFeedback, SafeguardingReport
from tests.domain.services import Services


@dataclass
class Call:
    room_id: str
    token: str
    volunteer: Account


@pytest.fixture
def feedback(database: Database) -> Feedback:
    return Feedback(database)


async def call(services: Services, n: int = 1, language: str = "es", start: bool = True) -> Call:
    """A call between a resident and volunteer ``n``, both joined when ``start``."""
    new = await services.queue.create(language, "video")
    volunteer = await services.volunteer(n, (language,))
    match = await services.queue.accept(new.request.id, volunteer)
    if start:
        for participant in (await services.rooms.get(match.room_id)).participants:
            await services.rooms.mark_joined(participant.id)
    return Call(match.room_id, new.token, volunteer)


async def rows(database: Database) -> tuple[int, int]:
    async with database.session() as session:
        answers = await session.scalar(select(func.count()).select_from(CallFeedback))
        reports = await session.scalar(select(func.count()).select_from(SafeguardingReport))
    return answers or 0, reports or 0


async def test_the_resident_answers_once_and_may_change_it(
    services: Services, feedback: Feedback, database: Database
) -> None:
    c = await call(services)
    first = await feedback.answer_as_resident(c.token, "no", "  The line kept\r\ndropping. ")
    assert (first.understood, first.comment, first.language_code) == (
        False, "The line kept\ndropping.", "es",
    )
    second = await feedback.answer_as_resident(c.token, "yes")
    assert (second.understood, second.comment) == (True, "")
    assert await rows(database) == (1, 0)
    # After the call has ended the link still answers.
    await services.rooms.close(c.room_id)
    await feedback.answer_as_resident(c.token, "no", "x" * rules.MAX_COMMENT)
    seat = await feedback.resident_seat(c.token)
    answer = await feedback.answer_of(seat)
    assert answer is not None and answer.understood is False
    assert await rows(database) == (1, 0)


async def test_the_interpreter_says_how_it_went(
    services: Services, feedback: Feedback, database: Database
) -> None:
    c = await call(services)
    answer = await feedback.answer_as_interpreter(c.room_id, c.volunteer.id, "some_problems",
                                                  "Echo on the line")
    assert (answer.quality, answer.comment, answer.author_role) == (
        "some_problems", "Echo on the line", "interpreter",
    )
    await feedback.answer_as_interpreter(c.room_id, c.volunteer.id, "good")
    assert await rows(database) == (1, 0)
    recent = await feedback.recent_calls(c.volunteer.id)
    assert [(r.room_id, r.answered) for r in recent] == [(c.room_id, True)]


async def test_only_participants_of_a_started_call_answer(
    services: Services, feedback: Feedback, database: Database
) -> None:
    c = await call(services, 1)
    other = await call(services, 2)
    waiting = await call(services, 3, start=False)
    with pytest.raises(InvalidToken):
        await feedback.answer_as_resident("not a token", "yes")
    with pytest.raises(NotAllowed):  # volunteer 2 was not in volunteer 1's call
        await feedback.answer_as_interpreter(c.room_id, other.volunteer.id, "good")
    with pytest.raises(NotFound):
        await feedback.answer_as_interpreter("0" * 32, c.volunteer.id, "good")
    with pytest.raises(NotAllowed, match="started"):
        await feedback.answer_as_resident(waiting.token, "yes")
    with pytest.raises(NotAllowed, match="started"):
        await feedback.answer_as_interpreter(waiting.room_id, waiting.volunteer.id, "good")
    with pytest.raises(NotAllowed):
        await feedback.report_concern(c.room_id, other.volunteer.id, "Someone is at risk")
    assert await rows(database) == (0, 0)
    assert await feedback.recent_calls(waiting.volunteer.id) == []


@pytest.mark.parametrize(
    ("understood", "comment", "message"),
    [
        ("", "", rules.CHOOSE_UNDERSTOOD),
        ("maybe", "", rules.CHOOSE_UNDERSTOOD),
        ("yes", "x" * (rules.MAX_COMMENT + 1), rules.COMMENT_TOO_LONG),
        ("yes", "a\x00b", rules.UNREADABLE),
        ("no", "\ud800", rules.UNREADABLE),
    ],
)
async def test_bad_resident_answers_change_nothing(
    services: Services, feedback: Feedback, database: Database,
    understood: str, comment: str, message: str,
) -> None:
    c = await call(services)
    await feedback.answer_as_resident(c.token, "yes", "kept")
    with pytest.raises(InvalidInput) as refused:
        await feedback.answer_as_resident(c.token, understood, comment)
    assert refused.value.message == message
    answer = await feedback.answer_of(await feedback.resident_seat(c.token))
    assert answer is not None and (answer.understood, answer.comment) == (True, "kept")


@pytest.mark.parametrize(
    ("quality", "note", "message"),
    [
        ("", "", rules.CHOOSE_QUALITY),
        ("excellent", "", rules.CHOOSE_QUALITY),
        ("good", "x" * (rules.MAX_NOTE + 1), rules.FEEDBACK_NOTE_TOO_LONG),
    ],
)
async def test_bad_interpreter_answers_change_nothing(
    services: Services, feedback: Feedback, database: Database,
    quality: str, note: str, message: str,
) -> None:
    c = await call(services)
    with pytest.raises(InvalidInput) as refused:
        await feedback.answer_as_interpreter(c.room_id, c.volunteer.id, quality, note)
    assert refused.value.message == message
    assert await rows(database) == (0, 0)


async def test_safeguarding_reports_reach_coordinators_unseen_first(
    services: Services, feedback: Feedback, database: Database
) -> None:
    c = await call(services)
    coordinator = await services.accounts.create(
        "coordinator@example.org", "Cora Ordinator", "coordinator", "correct horse battery"
    )
    for bad in ("", "   ", "x" * (rules.MAX_CONCERN + 1), "a\x07b"):
        with pytest.raises(InvalidInput):
            await feedback.report_concern(c.room_id, c.volunteer.id, bad)
    assert await rows(database) == (0, 0)

    older = await feedback.report_concern(c.room_id, c.volunteer.id, "The child is alone.")
    newer = await feedback.report_concern(c.room_id, c.volunteer.id, "Threats were heard.")
    assert (older.reporter_name, older.language_code, older.seen_at) == ("Volunteer 1", "es", None)
    assert await feedback.unseen_count() == 2
    assert [r.id for r in await feedback.reports()] == [newer.id, older.id]

    seen = await feedback.mark_seen(newer.id, coordinator)
    assert seen.seen_at is not None and seen.seen_by_name == "Cora Ordinator"
    again = await feedback.mark_seen(newer.id, coordinator)
    assert again.seen_at == seen.seen_at  # seen once, recorded once
    assert [r.id for r in await feedback.reports()] == [older.id, newer.id]
    assert await feedback.unseen_count() == 1
    with pytest.raises(NotFound):
        await feedback.mark_seen("0" * 32, coordinator)
    async with database.session() as session:
        audit = list(await session.scalars(
            select(AuditEntry).where(AuditEntry.event == rules.SEEN_EVENT)
        ))
    assert len(audit) == 1
    assert newer.id in audit[0].detail and "Cora Ordinator" in audit[0].detail


async def test_a_report_may_come_before_the_call_starts(
    services: Services, feedback: Feedback
) -> None:
    c = await call(services, start=False)
    report = await feedback.report_concern(c.room_id, c.volunteer.id, "Heard a scream.")
    assert report.text == "Heard a scream."


async def test_the_summary_counts_by_language_and_volunteer(
    services: Services, feedback: Feedback
) -> None:
    es1 = await call(services, 1, "es")
    es2 = await call(services, 2, "es")
    ar = await call(services, 3, "ar")
    await feedback.answer_as_resident(es1.token, "yes", "Very kind")
    await feedback.answer_as_resident(es2.token, "no")
    await feedback.answer_as_resident(ar.token, "yes")
    await feedback.answer_as_interpreter(es1.room_id, es1.volunteer.id, "good")
    await feedback.answer_as_interpreter(ar.room_id, ar.volunteer.id, "could_not_interpret",
                                         "Wrong dialect")
    summary = await feedback.summary()
    assert list(summary.by_language) == ["ar", "es"]
    es = summary.by_language["es"]
    assert (es.understood, es.not_understood, dict(es.quality)) == (1, 1, {"good": 1})
    arabic = summary.by_language["ar"]
    assert (arabic.understood, dict(arabic.quality)) == (1, {"could_not_interpret": 1})
    first = summary.by_volunteer["Volunteer 1"]
    assert (first.understood, first.not_understood, dict(first.quality)) == (1, 0, {"good": 1})
    assert summary.by_volunteer["Volunteer 2"].not_understood == 1
    assert [(c.text, c.author_role) for c in summary.latest_comments] == [
        ("Wrong dialect", "interpreter"), ("Very kind", "resident"),
    ]
