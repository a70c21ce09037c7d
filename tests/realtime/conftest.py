from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers.room_world import World, room_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with room_world(tmp_path) as world:
        yield world
