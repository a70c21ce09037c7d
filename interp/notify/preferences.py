"""What each volunteer chose (email, the language of their messages, weekly hours) and the
coordinator's switch that allows Web Push at all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from interp.domain.tokens import utcnow
from interp.notify.schedule import WeeklyHours
from interp.store.database import Database
from interp.store.models import NotificationPreference, OrganisationSetting

PUSH_SETTING = "web_push"


@dataclass(frozen=True)
class Preferences:
    email: bool = False
    locale: str = "en"
    hours: WeeklyHours = WeeklyHours()


class NotificationSettings:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def push_enabled(self) -> bool:
        """Off until the coordinator turns it on: it is the one connection that leaves
        the server."""
        async with self.db.session() as session:
            row = await session.get(OrganisationSetting, PUSH_SETTING)
        return row is not None and row.value == "on"

    async def set_push_enabled(self, enabled: bool) -> None:
        async with self.db.session() as session:
            await session.merge(
                OrganisationSetting(key=PUSH_SETTING, value="on" if enabled else "off")
            )

    async def of(self, user_id: str) -> Preferences:
        return (await self.of_many([user_id])).get(user_id, Preferences())

    async def saved(self, user_id: str) -> bool:
        """Whether the volunteer has saved their choices at least once."""
        async with self.db.session() as session:
            return await session.get(NotificationPreference, user_id) is not None

    async def of_many(self, user_ids: list[str]) -> dict[str, Preferences]:
        if not user_ids:
            return {}
        async with self.db.session() as session:
            rows = await session.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
            )
            return {row.user_id: _preferences(row) for row in rows}

    async def save(self, user_id: str, preferences: Preferences) -> Preferences:
        async with self.db.session() as session:
            await session.merge(
                NotificationPreference(
                    user_id=user_id,
                    email=preferences.email,
                    locale=preferences.locale,
                    weekly_hours=preferences.hours.to_json(),
                    time_zone=preferences.hours.time_zone,
                    updated_at=utcnow(),
                )
            )
        return preferences


def _preferences(row: NotificationPreference) -> Preferences:
    return Preferences(
        email=row.email,
        locale=row.locale,
        hours=WeeklyHours.from_json(row.weekly_hours, row.time_zone),
    )
