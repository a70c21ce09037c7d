"""A coordinator's open page: safeguarding reports reach it the moment they are made.

The socket only listens. On connect, after a resync, and on each report (new, or marked
as seen on another page) it sends how many reports wait unseen; the page shows the count
and tells the coordinator. The account is read again before each message it sends, so a
deactivated coordinator's page hears nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib

from interp.domain.accounts import Account, Accounts
from interp.domain.feedback import Feedback
from interp.domain.kinds import AccountRole
from interp.hub import Hub, HubDown, SubscriptionLost
from interp.hub.channels import COORDINATORS_CHANNEL, account_channel
from interp.realtime.close_codes import CloseCode
from interp.realtime.connection import Connection
from interp.realtime.messages import Safeguarding
from interp.realtime.protocol import COORDINATOR_MESSAGES

NEW_REPORT = "safeguarding.new"
REPORT_SEEN = "safeguarding.seen"


async def announce(hub: Hub, event: str, report_id: str) -> bool:
    """Tell every coordinator's open page; False when the hub is down (the report is kept
    all the same, and the count in their navigation shows it on their next page)."""
    try:
        await hub.publish(COORDINATORS_CHANNEL, {"event": event, "report": report_id})
    except HubDown:
        return False
    return True


class CoordinatorSession:
    schema = COORDINATOR_MESSAGES

    def __init__(
        self, conn: Connection, account: Account, hub: Hub, accounts: Accounts, feedback: Feedback
    ) -> None:
        self.conn = conn
        self.account = account
        self.hub = hub
        self.accounts = accounts
        self.feedback = feedback

    async def run(self) -> None:
        pump = asyncio.create_task(self._pump())
        try:
            while await self.conn.receive() is not None:
                pass  # nothing but ping, which the connection answers
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _pump(self) -> None:
        try:
            while True:
                channels = (COORDINATORS_CHANNEL, account_channel(self.account.id))
                async with self.hub.subscribe(*channels) as sub:
                    if not await self._send(None):
                        return
                    try:
                        async for message in sub:
                            event = message.data.get("event")
                            new = message.data.get("report") if event == NEW_REPORT else None
                            if not await self._send(new):
                                return
                    except SubscriptionLost:
                        continue  # subscribe again and send the count afresh
                    return
        except Exception:
            await self.conn.fail()

    async def _send(self, report_id: str | None) -> bool:
        """The unseen count (and the new report's id), if the account may still hear it."""
        account = await self.accounts.get(self.account.id)
        if account is None or not account.active or account.role != AccountRole.COORDINATOR:
            await self.conn.close(CloseCode.UNAUTHORISED, "account deactivated")
            return False
        unseen = await self.feedback.unseen_count()
        update: Safeguarding = {"type": "safeguarding", "unseen": unseen}
        if report_id is not None:
            update["report"] = report_id
        await self.conn.send(update)
        return True
