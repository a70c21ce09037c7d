"""The organisation's own settings: its name, logo and welcome texts, and the wait before
machine interpretation; each stored with an audit entry (SQLite and PostgreSQL), each
refused value changing nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from interp.domain.errors import InvalidInput
from interp.domain.fallback_wait import WAIT_RANGE, FallbackWait
from interp.domain.organisation_profile import (
    LOGO_MISSING,
    LOGO_NOT_IMAGE,
    LOGO_TOO_LARGE,
    NAME_CHARACTERS,
    NAME_TOO_LONG,
    WELCOME_CHARACTERS,
    WELCOME_TOO_LONG,
    OrganisationProfile,
    image_type,
)
from interp.domain.transcripts import Transcripts
from interp.store.database import Database
from interp.store.models import AuditEntry

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x40\x00\x00\x00WEBPVP8 " + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


async def audit(db: Database, event: str) -> list[dict[str, object]]:
    async with db.session() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
        )
        return [json.loads(row.detail) for row in rows]


@pytest.fixture
def profile(database: Database, tmp_path: Path) -> OrganisationProfile:
    return OrganisationProfile(database, tmp_path / "data")


async def test_the_name_is_stored_checked_and_cleared(
    database: Database, profile: OrganisationProfile
) -> None:
    assert await profile.name() is None
    assert await profile.set_name("  Riverside   Advice Centre ", "co") == "Riverside Advice Centre"
    assert await profile.name() == "Riverside Advice Centre"
    for bad, message in [("x" * 101, NAME_TOO_LONG), ("Two\nlines", NAME_CHARACTERS),
                         ("Nul\x00", NAME_CHARACTERS)]:
        with pytest.raises(InvalidInput) as refused:
            await profile.set_name(bad, "co")
        assert refused.value.message == message
    assert await profile.name() == "Riverside Advice Centre"
    assert await profile.set_name("مركز النهر", "co") == "مركز النهر"
    assert await profile.set_name("", "co") is None and await profile.name() is None
    entries = await audit(database, "settings.organisation_name")
    assert [e["name"] for e in entries] == ["Riverside Advice Centre", "مركز النهر", None]
    assert all(e["by"] == "co" for e in entries)


async def test_welcome_texts_per_language_fall_back_to_the_default(
    database: Database, profile: OrganisationProfile
) -> None:
    assert await profile.welcome("es") is None  # the page's built-in welcome
    long_text = "Bienvenido.\r\n" + "ñ" * 480  # longer than one row holds: kept whole
    await profile.set_welcome({"default": " Welcome.\r\nBring your letter. ", "es": long_text},
                              "co")
    assert await profile.welcome("en") == "Welcome.\nBring your letter."
    assert await profile.welcome("es") == long_text.replace("\r\n", "\n")
    assert await profile.welcome("ar") == "Welcome.\nBring your letter."

    for texts, message in [({"default": "x" * 501}, WELCOME_TOO_LONG),
                           ({"default": "ok", "pl": "bell\x07"}, WELCOME_CHARACTERS)]:
        with pytest.raises(InvalidInput) as refused:
            await profile.set_welcome(texts, "co")
        assert refused.value.message == message
    assert await profile.welcome("es") == long_text.replace("\r\n", "\n")  # unchanged

    # A shorter text replaces the long one entirely (no piece of the old one is left).
    await profile.set_welcome({"es": "Hola."}, "co")
    assert await profile.welcome_texts() == {"es": "Hola."}
    assert await profile.welcome("en") is None
    assert len(await audit(database, "settings.welcome")) == 2


def test_an_image_is_known_by_its_first_bytes() -> None:
    assert image_type(PNG) == "image/png"
    assert image_type(JPEG) == "image/jpeg"
    assert image_type(WEBP) == "image/webp"
    assert image_type(SVG) is None
    assert image_type(b"GIF89a" + b"\x00" * 10) is None
    assert image_type(b"RIFF\x00\x00\x00\x00WAVE") is None


async def test_the_logo_is_a_checked_image_kept_in_the_data_directory(
    database: Database, profile: OrganisationProfile
) -> None:
    assert await profile.logo() is None and await profile.logo_image() is None
    logo = await profile.set_logo(PNG, "co")
    assert logo.media_type == "image/png" and profile.logo_path.read_bytes() == PNG
    assert await profile.logo_image() == (logo, PNG)

    for data, message in [(SVG, LOGO_NOT_IMAGE), (b"", LOGO_MISSING),
                          (JPEG + b"\x00" * 200 * 1024, LOGO_TOO_LARGE)]:
        with pytest.raises(InvalidInput) as refused:
            await profile.set_logo(data, "co")
        assert refused.value.message == message
    assert await profile.logo_image() == (logo, PNG)  # nothing changed

    second = await profile.set_logo(WEBP, "co")
    assert second.fingerprint != logo.fingerprint
    await profile.remove_logo("co")
    assert await profile.logo() is None and not profile.logo_path.exists()
    assert [e["logo"] for e in await audit(database, "settings.organisation_logo")] == [
        "image/png", "image/webp", None
    ]


async def test_the_fallback_wait_overrides_the_servers_default(database: Database) -> None:
    waits = FallbackWait(database, timedelta(seconds=120), "UTC")
    assert await waits.configured_s() is None and await waits.seconds() == 120
    await waits.set_seconds(30, "co")
    assert await waits.seconds() == 30 and await waits.now() == timedelta(seconds=30)
    for bad in (-1, 3601):
        with pytest.raises(InvalidInput) as refused:
            await waits.set_seconds(bad, "co")
        assert refused.value.message == WAIT_RANGE
    assert await waits.seconds() == 30
    await waits.set_seconds(0, "co")
    assert await waits.seconds() == 0
    await waits.set_seconds(None, "co")  # back to the server's default
    assert await waits.configured_s() is None and await waits.seconds() == 120
    assert [e["seconds"] for e in await audit(database, "settings.fallback_wait")] == [
        30, 0, None
    ]


async def test_a_retention_change_is_audited(database: Database) -> None:
    await Transcripts(database).set_retention_days(14, "co")
    assert await audit(database, "settings.transcript_retention") == [{"by": "co", "days": 14}]
