"""What the live caption tests share: an in-process hub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from interp.hub import Hub, create_hub


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = create_hub("")
    yield hub
    await hub.close()
