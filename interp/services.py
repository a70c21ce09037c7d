"""The services one running interp holds, built from settings (the app's lifespan owns them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from interp.config import Settings
from interp.domain.accounts import Accounts
from interp.domain.bookings import Bookings, RecordedNotices
from interp.domain.caption_jobs import CaptionJobs
from interp.domain.consent import Consent
from interp.domain.feedback import Feedback
from interp.domain.glossary import Glossary
from interp.domain.meetings import Meetings
from interp.domain.organisation import Organisation
from interp.domain.requests import RequestQueue, ResidentLinks
from interp.domain.rooms import Rooms
from interp.domain.sessions import Sessions
from interp.domain.transcripts import Transcripts
from interp.hub import Hub, create_hub
from interp.jobs import CaptionWorker, Uploads
from interp.keys import secret_key
from interp.language_tools import LanguageTools
from interp.live.service import LiveCaptions
from interp.notify import Notifier
from interp.notify.bookings import BookingNotices
from interp.rate_limit import Limits, create_counters
from interp.realtime.bookings import BookingDesk
from interp.realtime.dispatch import Dispatcher
from interp.realtime.room import CallService
from interp.store.database import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    hub: Hub
    accounts: Accounts
    sessions: Sessions
    organisation: Organisation
    queue: RequestQueue
    rooms: Rooms
    meetings: Meetings
    consent: Consent
    glossary: Glossary
    feedback: Feedback
    transcripts: Transcripts
    caption_jobs: CaptionJobs
    uploads: Uploads
    caption_worker: CaptionWorker
    links: ResidentLinks
    dispatcher: Dispatcher
    language_tools: LanguageTools
    live: LiveCaptions
    calls: CallService
    limits: Limits
    bookings: Bookings
    booking_desk: BookingDesk
    booking_notices: RecordedNotices
    notifier: Notifier

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = Database(settings.effective_database_url)
        hub = create_hub(settings.redis_url)
        organisation = Organisation(db)
        queue = RequestQueue(
            db,
            organisation,
            request_ttl=timedelta(hours=settings.request_ttl_h),
            fallback_wait=timedelta(seconds=settings.fallback_wait_s),
        )
        rooms = Rooms(db)
        grace = timedelta(seconds=settings.reconnect_grace_s)
        dispatcher = Dispatcher(hub, queue, rooms, join_grace=grace)
        # Volunteers whose dashboard is closed hear of new requests by push or email.
        notifier = Notifier(db, settings)
        dispatcher.on_new_request(notifier.request_announced)
        transcripts = Transcripts(db)
        meetings = Meetings(
            db, secret_key(settings), settings.meeting_max_participants, organisation
        )
        consent = Consent(db)
        # One speech engine and translation worker for the process, whoever uses them.
        glossary = Glossary(db)
        language_tools = LanguageTools(settings, glossary=glossary.entries)
        live = LiveCaptions(settings, hub, rooms, language_tools, on_final=transcripts.keep)
        caption_jobs = CaptionJobs(db)
        uploads = Uploads(settings.data_dir / "uploads")
        booking_notices = RecordedNotices(db)
        bookings = Bookings(
            db,
            organisation,
            BookingNotices(booking_notices, notifier),
            reminders=(
                timedelta(hours=settings.booking_reminder_early_h),
                timedelta(hours=settings.booking_reminder_late_h),
            ),
            hold=timedelta(seconds=settings.booking_hold_s),
        )
        dispatcher.hold_for_booked(bookings.hold_request)

        async def end_booking_holds() -> None:
            await dispatcher.announce_unheld(await bookings.end_holds())

        dispatcher.also_sweep(end_booking_holds)
        return cls(
            settings=settings,
            db=db,
            hub=hub,
            accounts=Accounts(db, invite_ttl=timedelta(hours=settings.invite_ttl_h)),
            sessions=Sessions(db),
            organisation=organisation,
            queue=queue,
            rooms=rooms,
            meetings=meetings,
            consent=consent,
            glossary=glossary,
            feedback=Feedback(db),
            transcripts=transcripts,
            links=ResidentLinks(db, ttl=timedelta(hours=settings.invite_ttl_h)),
            dispatcher=dispatcher,
            language_tools=language_tools,
            live=live,
            calls=CallService(
                dispatcher,
                rooms,
                settings.ice_servers,
                settings.reconnect_grace_s,
                live,
                meetings,
                speaker_named=consent.label_speaker,
            ),
            caption_jobs=caption_jobs,
            uploads=uploads,
            # Without Redis this is the only node: every job's upload is on its disk.
            caption_worker=CaptionWorker(caption_jobs, uploads, language_tools,
                                         max_minutes=settings.upload_max_minutes,
                                         single_node=not settings.redis_url),
            # In Redis when there are several nodes, so a limit holds across all of them.
            limits=Limits(settings, create_counters(settings.redis_url)),
            bookings=bookings,
            booking_desk=BookingDesk(hub, bookings, on_open=notifier.booking_opened),
            booking_notices=booking_notices,
            notifier=notifier,
        )

    async def close(self) -> None:
        await self.notifier.close()
        await self.caption_worker.stop()
        await self.calls.close()
        await self.language_tools.close()
        await self.hub.close()
        await self.limits.close()
        await self.db.close()
