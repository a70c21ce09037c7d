"""Persistence: SQLAlchemy models, the async engine and Alembic migrations."""

from interp.store.database import Database, SchemaOutOfDate, upgrade_schema

__all__ = ["Database", "SchemaOutOfDate", "upgrade_schema"]
