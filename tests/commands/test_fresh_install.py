"""``interp serve`` on an empty data directory creates the database and starts; a
database at an older schema is still refused until ``interp db upgrade``."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import httpx
import pytest

from interp.cli import main
from interp.store.database import head_revision, upgrade_schema
from tests.helpers.server_process import interp, server_process
from tests.live_server import free_port


def test_serve_on_an_empty_data_directory_creates_the_database(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"  # not there yet, as for a newcomer
    env = {**os.environ, "INTERP_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    for name in ("INTERP_DATABASE_URL", "INTERP_REDIS_URL", "INTERP_CONFIG"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    with server_process(env, free_port(), log) as url:
        assert httpx.get(f"{url}/login").status_code == 200
        printed = log.read_text()
        assert f"Created the database (schema {head_revision()})" in printed
        assert re.search(r"/setup/[A-Za-z0-9_-]+", printed), printed
    assert f"current: {head_revision()}" in interp(env, "db", "current")


def test_serve_refuses_a_database_at_an_older_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("INTERP_DATA_DIR", str(data))
    for name in ("INTERP_DATABASE_URL", "INTERP_REDIS_URL", "INTERP_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    data.mkdir()
    asyncio.run(upgrade_schema(f"sqlite+aiosqlite:///{data / 'interp.db'}", "0001"))
    assert main(["serve", "--port", "1"]) == 2
    assert "is at 0001" in (err := capsys.readouterr().err)
    assert "Run `interp db upgrade` first" in err
