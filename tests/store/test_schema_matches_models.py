"""The migrations build exactly the schema the models describe (no drift either way)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from interp.store.database import upgrade_schema
from interp.store.models import Base


async def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    path = tmp_path / "schema.db"
    await upgrade_schema(f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
