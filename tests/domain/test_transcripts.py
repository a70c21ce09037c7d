"""Consent and transcripts of meetings: a final caption is kept only while every speaker
present has agreed; the purge deletes transcripts whose retention has run out, and says
so in the audit log. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from interp.domain.accounts import Account, Accounts
from interp.domain.consent import AGREED, DECLINED, IN_ROOM_SPEAKER, Consent, ConsentState
from interp.domain.errors import Conflict, InvalidInput, InvalidToken, NotAllowed, NotFound
from interp.domain.meetings import MeetingInfo, Meetings, Removed
from interp.domain.rooms import Rooms
from interp.domain.tokens import new_id, new_token, utcnow
from interp.domain.transcripts import PURGED_EVENT, KeptSegment, SpokenSegment, Transcripts
from interp.store.database import Database
from interp.store.models import AuditEntry, Meeting, RoomParticipant, TranscriptSegment
from tests.domain.services import PASSWORD


@dataclass
class World:
    db: Database
    accounts: Accounts
    meetings: Meetings
    rooms: Rooms
    consent: Consent
    transcripts: Transcripts
    host: Account
    # Each guest's call link token, by participant id: they answer with it.
    tokens: dict[str, str] = field(default_factory=dict)

    async def meeting(self, owner: Account | None = None) -> MeetingInfo:
        meeting = await self.meetings.create(owner or self.host, "Housing review", "online")
        await self.arrive(await self.host_seat(meeting))
        return meeting

    async def host_seat(self, meeting: MeetingInfo) -> str:
        async with self.db.session() as session:
            found = await session.scalar(
                select(RoomParticipant.id)
                .where(RoomParticipant.room_id == meeting.room_id)
                .where(RoomParticipant.user_id == meeting.owner_id)
            )
        assert found is not None
        return found

    async def guest(self, meeting: MeetingInfo, name: str, admitted: bool = True) -> str:
        """A resident with a call link of their own (as the invite link makes them)."""
        token, token_hash = new_token()
        row = RoomParticipant(
            id=new_id(), room_id=meeting.room_id, role="resident", display_name=name,
            language_code="es", token_hash=token_hash,
            admitted_at=utcnow() if admitted else None,
        )
        async with self.db.session() as session:
            session.add(row)
        self.tokens[row.id] = token
        return row.id

    async def record(
        self, meeting: MeetingInfo, participant_id: str, agreed: bool
    ) -> ConsentState:
        """A participant's own answer: a guest with their call link, the host signed in."""
        token = self.tokens.get(participant_id)
        if token is not None:
            asker = await self.consent.asker(meeting.id, token=token)
        else:
            asker = await self.consent.asker(meeting.id, account=self.host)
            assert asker.participant_id == participant_id
        return (await self.consent.answer(asker, agreed)).state

    async def record_for(
        self, meeting: MeetingInfo, speaker_id: str, agreed: bool, by: Account
    ) -> ConsentState:
        """What a host records that a speaker in the room said out loud."""
        asker = await self.consent.asker(meeting.id, account=by)
        return (await self.consent.answer(asker, agreed, speaker_id)).state

    async def arrive(self, participant_id: str) -> None:
        await self.rooms.mark_joined(participant_id)

    async def set_meeting(self, meeting: MeetingInfo, **values: object) -> None:
        async with self.db.session() as session:
            await session.execute(update(Meeting).where(Meeting.id == meeting.id).values(values))

    async def set_participant(self, participant_id: str, **values: object) -> None:
        async with self.db.session() as session:
            await session.execute(
                update(RoomParticipant).where(RoomParticipant.id == participant_id).values(values)
            )

    async def say(
        self, meeting: MeetingInfo, speaker_id: str, text: str = "Good morning",
        at: datetime | None = None, name: str = "Cora", role: str = "caseworker",
    ) -> bool:
        spoken = SpokenSegment(
            meeting.room_id, speaker_id, name, role, "en", text, at or utcnow(), 2.5
        )
        return await self.transcripts.keep(spoken)

    async def stored(self) -> int:
        async with self.db.session() as session:
            return int(await session.scalar(select(func.count(TranscriptSegment.id))) or 0)

    async def audit(self) -> list[AuditEntry]:
        """The purges' entries (a retention change has its own, of another event)."""
        async with self.db.session() as session:
            return list(await session.scalars(
                select(AuditEntry).where(AuditEntry.event == PURGED_EVENT).order_by(AuditEntry.id)
            ))


@pytest.fixture
async def world(database: Database) -> World:
    accounts = Accounts(database, invite_ttl=timedelta(hours=1))
    host = await accounts.create("cora@example.org", "Cora", "caseworker", PASSWORD, [])
    return World(
        database, accounts, Meetings(database, "secret", 6), Rooms(database), Consent(database),
        Transcripts(database), host,
    )


async def test_a_transcript_is_kept_only_while_every_speaker_present_agrees(world: World) -> None:
    meeting = await world.meeting()
    host = await world.host_seat(meeting)
    guest = await world.guest(meeting, "Rosa")
    await world.arrive(guest)

    assert not await world.say(meeting, host)  # nobody has answered
    await world.record(meeting, host, agreed=True)
    assert not await world.say(meeting, host)  # Rosa has not answered
    state = await world.record(meeting, guest, agreed=True)
    assert state.keeping and [s.consent for s in state.speakers] == [AGREED, AGREED]
    assert await world.say(meeting, host)
    assert await world.say(meeting, guest)

    # Someone joining later who has not agreed stops the transcript until they do.
    late = await world.guest(meeting, "Lena")
    await world.arrive(late)
    state = await world.consent.state(meeting.id)
    assert not state.keeping
    assert [(s.name, s.consent) for s in state.speakers] == [
        ("Cora", AGREED), ("Lena", None), ("Rosa", AGREED)
    ]
    assert not await world.say(meeting, host)
    await world.record(meeting, late, agreed=True)
    assert await world.say(meeting, host)

    # One refusal: nothing more is kept. Answers can change.
    assert not (await world.record(meeting, guest, agreed=False)).keeping
    assert not await world.say(meeting, host)
    await world.record(meeting, guest, agreed=True)
    assert await world.say(meeting, host)
    assert await world.stored() == 4


async def test_only_those_in_the_meeting_count(world: World) -> None:
    meeting = await world.meeting()
    host = await world.host_seat(meeting)
    await world.record(meeting, host, agreed=True)
    declining = await world.guest(meeting, "Dan")
    await world.arrive(declining)
    await world.record(meeting, declining, agreed=False)
    assert not await world.say(meeting, host)

    # Someone who left, or whom the host removed, no longer counts.
    await world.rooms.mark_left(declining)
    assert await world.say(meeting, host)
    await world.arrive(declining)
    assert not await world.say(meeting, host)
    await world.set_participant(declining, removed_at=utcnow())
    assert await world.say(meeting, host)
    with pytest.raises(NotAllowed):
        await world.record(meeting, declining, agreed=True)

    # A guest in the waiting room, or invited but not arrived, is not in the meeting yet.
    waiting = await world.guest(meeting, "Wim", admitted=False)
    await world.arrive(waiting)
    await world.guest(meeting, "Nadia")
    assert await world.say(meeting, host)
    # ... but the one whose microphone it is always counts.
    assert not await world.say(meeting, waiting)


async def test_the_host_records_what_speakers_in_the_room_said_out_loud(world: World) -> None:
    meeting = await world.meeting()
    host = await world.host_seat(meeting)
    await world.record(meeting, host, agreed=True)
    assert await world.say(meeting, host)
    labelled = await world.consent.label_speaker(meeting.room_id, "Mr Okafor")
    again = await world.consent.label_speaker(meeting.room_id, "Mr Okafor")
    speaker = labelled.participant_id
    assert again.participant_id == speaker and labelled.in_room
    state = await world.consent.state(meeting.id)
    assert [(s.name, s.in_room, s.consent) for s in state.speakers] == [
        ("Cora", False, AGREED), ("Mr Okafor", True, None)
    ]
    assert not await world.say(meeting, host)
    assert not await world.say(meeting, host, name="Mr Okafor", role=IN_ROOM_SPEAKER)

    other = await world.accounts.create("kim@example.org", "Kim", "caseworker", PASSWORD, [])
    with pytest.raises(NotAllowed):
        await world.record_for(meeting, speaker, True, by=other)
    state = await world.record_for(meeting, speaker, True, by=world.host)
    assert state.keeping
    assert [(s.name, s.recorded_by_host) for s in state.speakers] == [
        ("Cora", False), ("Mr Okafor", True)
    ]
    assert await world.say(meeting, host)
    assert await world.say(meeting, host, name="Mr Okafor", role=IN_ROOM_SPEAKER)
    coordinator = await world.accounts.create(
        "co@example.org", "Co", "coordinator", PASSWORD, []
    )
    assert not (await world.record_for(meeting, speaker, False, by=coordinator)).keeping

    # Someone the host named who was never asked (on another node, say) is not kept, and
    # is added to those asked.
    assert not await world.say(meeting, host, name="Mrs Okafor", role=IN_ROOM_SPEAKER)
    state = await world.consent.state(meeting.id)
    assert [(s.name, s.in_room, s.consent) for s in state.speakers] == [
        ("Cora", False, AGREED), ("Mr Okafor", True, DECLINED), ("Mrs Okafor", True, None)
    ]

    # People with a page of their own answer there, not through the host.
    guest = await world.guest(meeting, "Rosa")
    await world.arrive(guest)
    with pytest.raises(NotAllowed):
        await world.record_for(meeting, guest, True, by=world.host)


async def test_nobody_answers_for_anyone_else(world: World) -> None:
    meeting = await world.meeting()
    host = await world.host_seat(meeting)
    await world.record(meeting, host, agreed=False)
    speaker = (await world.consent.label_speaker(meeting.room_id, "Mr Okafor")).participant_id
    guest = await world.guest(meeting, "Rosa")
    await world.arrive(guest)
    rosa = await world.consent.asker(meeting.id, token=world.tokens[guest])
    for someone in (host, speaker):
        with pytest.raises(NotAllowed):
            await world.consent.answer(rosa, True, someone)
    assert (await world.consent.answer(rosa, True, guest)).your_answer == AGREED
    state = await world.consent.state(meeting.id)
    assert [(s.name, s.consent) for s in state.speakers] == [
        ("Cora", DECLINED), ("Mr Okafor", None), ("Rosa", AGREED)
    ]
    # A call link of another meeting is no key to this one; a removed guest's is none.
    other = await world.meeting()
    with pytest.raises(InvalidToken):
        await world.consent.asker(other.id, token=world.tokens[guest])
    await world.set_participant(guest, removed_at=utcnow())
    with pytest.raises(Removed):
        await world.consent.view(rosa)
    with pytest.raises(Removed):
        await world.consent.asker(meeting.id, token=world.tokens[guest])
    # Someone with an account who is neither in the meeting nor its host reads nothing.
    kim = await world.accounts.create("kim@example.org", "Kim", "caseworker", PASSWORD, [])
    with pytest.raises(NotAllowed):
        await world.consent.asker(meeting.id, account=kim)


async def test_answers_stop_with_the_meeting_and_only_meetings_ask(world: World) -> None:
    meeting = await world.meeting()
    host = await world.host_seat(meeting)
    await world.record(meeting, host, agreed=True)
    assert await world.say(meeting, host)
    await world.set_meeting(meeting, ended_at=utcnow())
    state = await world.consent.state(meeting.id)
    assert state.ended and state.everyone_agreed and not state.keeping
    assert not await world.say(meeting, host)
    with pytest.raises(Conflict):
        await world.record(meeting, host, agreed=False)
    with pytest.raises(Conflict):
        await world.consent.label_speaker(meeting.room_id, "Late comer")
    with pytest.raises(NotFound):
        await world.consent.state("nope")
    with pytest.raises(NotFound):
        await world.consent.asker("nope", account=world.host)

    # A call that is not a meeting keeps nothing and asks nothing.
    spoken = SpokenSegment("no-room", "x", "Vera", "interpreter", "en", "Hello", utcnow(), 1.0)
    assert not await world.transcripts.keep(spoken)
    assert await world.stored() == 1


async def test_segments_keep_words_speaker_language_and_times(world: World) -> None:
    meeting = await world.meeting()
    host = await world.host_seat(meeting)
    await world.record(meeting, host, agreed=True)
    start = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    await world.set_meeting(meeting, started_at=start)
    await world.say(meeting, host, "Second thing.", at=start + timedelta(seconds=40))
    await world.say(meeting, host, "  First thing.  ", at=start + timedelta(seconds=12.5))
    assert not await world.say(meeting, host, "   ")  # nothing said, nothing kept
    assert await world.transcripts.segments(meeting.id) == [
        KeptSegment("Cora", "caseworker", 12.5, 2.5, "en", "First thing."),
        KeptSegment("Cora", "caseworker", 40.0, 2.5, "en", "Second thing."),
    ]
    assert await world.transcripts.count(meeting.id) == 2
    other = await world.meeting()
    assert await world.transcripts.segments(other.id) == []
    with pytest.raises(NotFound):
        await world.transcripts.segments("nope")


async def test_retention_is_an_organisation_setting(world: World) -> None:
    assert await world.transcripts.retention_days() == 0  # deleted when the meeting ends
    assert await world.transcripts.set_retention_days(30) == 30
    assert await world.transcripts.retention_days() == 30
    await world.transcripts.set_retention_days(365)
    for bad in (-1, 366):
        with pytest.raises(InvalidInput):
            await world.transcripts.set_retention_days(bad)
    assert await world.transcripts.retention_days() == 365


async def test_the_purge_deletes_expired_transcripts_and_logs_each(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async def meeting_with(segments: int) -> MeetingInfo:
        meeting = await world.meeting()
        host = await world.host_seat(meeting)
        await world.record(meeting, host, agreed=True)
        for n in range(segments):
            assert await world.say(meeting, host, f"Sentence {n}.")
        return meeting

    ended, running = await meeting_with(3), await meeting_with(2)
    await world.set_meeting(ended, ended_at=utcnow())
    caplog.set_level("INFO", logger="interp.domain.transcripts")
    purged = await world.transcripts.purge()
    assert [(p.meeting_id, p.segments) for p in purged] == [(ended.id, 3)]
    assert await world.transcripts.segments(ended.id) == []
    assert len(await world.transcripts.segments(running.id)) == 2
    [entry] = await world.audit()
    assert entry.event == "transcripts.purged"
    assert json.loads(entry.detail) == {"meeting": ended.id, "segments": 3, "retention_days": 0}
    assert f"purged the transcript of meeting {ended.id} (3 segments" in caplog.text
    # Nothing else goes: the meeting and who took part stay for the caseworker's history.
    assert (await world.meetings.get(ended.id)).ended
    async with world.db.session() as session:
        people = await session.scalar(
            select(func.count()).where(RoomParticipant.room_id == ended.room_id)
        )
    assert people == 1
    assert await world.transcripts.purge() == []  # nothing left to purge, nothing logged
    assert len(await world.audit()) == 1

    # Kept N days after the end: not a day less.
    await world.transcripts.set_retention_days(2)
    now = utcnow()
    recent, old = await meeting_with(1), await meeting_with(4)
    await world.set_meeting(recent, ended_at=now - timedelta(days=1))
    await world.set_meeting(old, ended_at=now - timedelta(days=3))
    assert [(p.meeting_id, p.segments) for p in await world.transcripts.purge(now)] == [
        (old.id, 4)
    ]
    assert len(await world.transcripts.segments(recent.id)) == 1
    later = now + timedelta(days=1, seconds=1)
    assert [p.meeting_id for p in await world.transcripts.purge(later)] == [recent.id]
    assert len(await world.transcripts.segments(running.id)) == 2
    details = [json.loads(e.detail) for e in await world.audit()]
    assert [(d["meeting"], d["segments"], d["retention_days"]) for d in details] == [
        (ended.id, 3, 0), (old.id, 4, 2), (recent.id, 1, 2)
    ]
