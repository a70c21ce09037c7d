"""Seconds between two timestamps, computed by the database on SQLite and PostgreSQL.

The two engines spell it differently (SQLite has no interval type), so aggregates over
durations (sums, a list of waits) are written once with ``seconds_between`` and compiled
for each engine.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):  # noqa: N801 (reads as an SQL function)
    """``end - start`` in seconds, as a float; NULL when either is NULL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


def _arguments(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    start, end = list(element.clauses)
    return compiler.process(start, **kw), compiler.process(end, **kw)


@compiles(seconds_between, "sqlite")
def _sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _arguments(element, compiler, **kw)
    # UTCDateTime stores text SQLite's date functions read. SQLite keeps times to the
    # millisecond; rounding there drops the float noise of a difference of Julian days.
    return f"round((julianday({end}) - julianday({start})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _arguments(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"
