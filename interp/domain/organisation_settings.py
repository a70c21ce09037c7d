"""The organisation's settings as rows of ``organisation_settings`` (key, value), and each
change with its entry in the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from interp.domain.tokens import utcnow
from interp.store.database import Database
from interp.store.models import AuditEntry, OrganisationSetting


async def all_settings(db: Database) -> dict[str, str]:
    """Every stored setting: the table is small, and one read serves a whole page."""
    async with db.session() as session:
        rows = await session.scalars(select(OrganisationSetting))
        return {row.key: row.value for row in rows}


async def change_settings(
    db: Database,
    changes: Mapping[str, str | None],
    event: str,
    actor_id: str,
    detail: Mapping[str, Any],
) -> None:
    """Store ``changes`` (None removes a key) and say so in the audit log, together."""
    async with db.session() as session:
        for key, value in changes.items():
            if value is None:
                await session.execute(
                    delete(OrganisationSetting).where(OrganisationSetting.key == key)
                )
            else:
                await session.merge(OrganisationSetting(key=key, value=value))
        entry = {"by": actor_id, **detail}
        session.add(AuditEntry(at=utcnow(), event=event, detail=json.dumps(entry)))
