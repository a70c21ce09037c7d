"""How the organisation introduces itself to residents: its name, its logo, and the
welcome at the top of the request page (a default text and one per interface language).

The logo is kept as a file in the data directory, never in the database; its row holds
the image's type and a fingerprint that changes with each new image (for caching).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from interp.domain.errors import InvalidInput
from interp.domain.organisation_settings import (
    all_settings,
    change_settings,
)
from interp.i18n import N_, UI_LOCALES
from interp.store.database import Database

NAME_KEY = "organisation_name"
LOGO_KEY = "organisation_logo"  # "<media type>:<fingerprint>"
WELCOME_KEY = "welcome.{locale}"  # locale "default": whatever the page's language
DEFAULT_WELCOME = "default"
NAME_EVENT = "settings.organisation_name"
LOGO_EVENT = "settings.organisation_logo"
WELCOME_EVENT = "settings.welcome"

MAX_NAME = 100
MAX_WELCOME = 500
MAX_LOGO_BYTES = 200 * 1024
WELCOME_LOCALES = (DEFAULT_WELCOME, *(loc.code for loc in UI_LOCALES))

# What the settings form says about a refused value, in the reader's language.
NAME_TOO_LONG = N_("The name may be at most 100 characters long.")
NAME_CHARACTERS = N_("The name may not contain line breaks or control characters.")
WELCOME_TOO_LONG = N_("A welcome text may be at most 500 characters long.")
WELCOME_CHARACTERS = N_("A welcome text may not contain control characters.")
LOGO_TOO_LARGE = N_("The logo may be at most 200 kB.")
LOGO_NOT_IMAGE = N_("The logo must be a PNG, JPEG or WebP image.")
LOGO_MISSING = N_("Choose an image file for the logo.")


@dataclass(frozen=True)
class Logo:
    media_type: str
    fingerprint: str  # changes with the image: part of its address, so caches can keep it


def image_type(data: bytes) -> str | None:
    """The image's type from its first bytes (never from its name or what the browser
    said). SVG is not accepted: it may carry scripts and outside references."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _has_control(text: str, allowed: str = "") -> bool:
    return any(
        unicodedata.category(c) in ("Cc", "Cs", "Co") and c not in allowed for c in text
    )


def checked_name(name: str) -> str | None:
    if _has_control(name):  # line breaks too: the name is one line in the page's header
        raise InvalidInput(NAME_CHARACTERS, "name")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise InvalidInput(NAME_TOO_LONG, "name")
    return name or None


def checked_welcome(text: str) -> str | None:
    """Plain text: its line breaks kept (as \\n), spaces at either end dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _has_control(text, "\n"):
        raise InvalidInput(WELCOME_CHARACTERS, "welcome")
    if len(text) > MAX_WELCOME:
        raise InvalidInput(WELCOME_TOO_LONG, "welcome")
    return text or None


class OrganisationProfile:
    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.logo_path = data_dir / "organisation" / "logo"

    async def name(self) -> str | None:
        return (await all_settings(self.db)).get(NAME_KEY)

    async def set_name(self, name: str, actor_id: str) -> str | None:
        """Set the name residents see; empty goes back to the product's name."""
        clean = checked_name(name)
        await change_settings(self.db, {NAME_KEY: clean}, NAME_EVENT, actor_id, {"name": clean})
        return clean

    async def welcome_texts(self) -> dict[str, str]:
        """The texts set, by locale (``default`` for any language without its own)."""
        settings = await all_settings(self.db)
        texts = {loc: settings.get(WELCOME_KEY.format(locale=loc)) for loc in WELCOME_LOCALES}
        return {loc: text for loc, text in texts.items() if text}

    async def welcome(self, locale: str) -> str | None:
        """The welcome for a page in ``locale``: its own text, else the default, else None
        (the page's built-in welcome)."""
        texts = await self.welcome_texts()
        return texts.get(locale) or texts.get(DEFAULT_WELCOME)

    async def set_welcome(self, texts: Mapping[str, str], actor_id: str) -> dict[str, str]:
        """Set every locale's text at once (a locale not given is cleared); all are checked
        before any is stored."""
        unknown = set(texts) - set(WELCOME_LOCALES)
        if unknown:
            raise InvalidInput(f"No interface language {sorted(unknown)}.", "locale")
        clean = {loc: checked_welcome(texts.get(loc, "")) for loc in WELCOME_LOCALES}
        changes: dict[str, str | None] = {
            WELCOME_KEY.format(locale=loc): text or None for loc, text in clean.items()
        }
        kept = {loc: text for loc, text in clean.items() if text}
        await change_settings(self.db, changes, WELCOME_EVENT, actor_id, {"texts": kept})
        return kept

    async def logo(self) -> Logo | None:
        stored = (await all_settings(self.db)).get(LOGO_KEY)
        if not stored:
            return None
        media_type, _, fingerprint = stored.partition(":")
        return Logo(media_type, fingerprint)

    async def logo_image(self) -> tuple[Logo, bytes] | None:
        """The stored logo and its bytes, if there is one and its file is still there."""
        logo = await self.logo()
        if logo is None:
            return None
        try:
            data = await asyncio.to_thread(self.logo_path.read_bytes)
        except FileNotFoundError:
            return None
        return (logo, data) if image_type(data) == logo.media_type else None

    async def set_logo(self, data: bytes, actor_id: str) -> Logo:
        if not data:
            raise InvalidInput(LOGO_MISSING, "logo")
        if len(data) > MAX_LOGO_BYTES:
            raise InvalidInput(LOGO_TOO_LARGE, "logo")
        media_type = image_type(data)
        if media_type is None:
            raise InvalidInput(LOGO_NOT_IMAGE, "logo")
        logo = Logo(media_type, hashlib.sha256(data).hexdigest()[:16])
        await asyncio.to_thread(self._write, data)
        await change_settings(
            self.db,
            {LOGO_KEY: f"{logo.media_type}:{logo.fingerprint}"},
            LOGO_EVENT,
            actor_id,
            {"logo": logo.media_type, "bytes": len(data), "fingerprint": logo.fingerprint},
        )
        return logo

    async def remove_logo(self, actor_id: str) -> None:
        await change_settings(self.db, {LOGO_KEY: None}, LOGO_EVENT, actor_id, {"logo": None})
        await asyncio.to_thread(self.logo_path.unlink, missing_ok=True)

    def _write(self, data: bytes) -> None:
        # Written beside, then moved into place: a reader never sees half an image.
        self.logo_path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.logo_path.with_suffix(".partial")
        partial.write_bytes(data)
        os.replace(partial, self.logo_path)
