"""Tracking databases (TDB): what a move from SQLite to a server database would trip over."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import WARNING, Problem
from mlint.core.registry import rule
from mlint.rules.tracking_db import pointer
from mlint.trackingdb.database import TrackingDatabase

# SQLAlchemy's `String(n)` is declared `VARCHAR(n)` in the SQLite schema MLflow creates; SQLite
# records the length and ignores it.
_VARCHAR = re.compile(r"^\s*(?:VARCHAR|CHARACTER VARYING|NVARCHAR)\s*\(\s*(\d+)\s*\)\s*$", re.I)


def _limits(db: TrackingDatabase, table: str) -> tuple[list[str], list[tuple[str, int]]]:
    """The key columns (primary key, else rowid) and the (column, length) limits of `table`."""
    keys: list[tuple[int, str]] = []
    limits: list[tuple[str, int]] = []
    for _, name, declared, _, _, pk in db.rows(f'PRAGMA table_info("{table}")'):
        if pk:
            keys.append((int(pk), str(name)))
        match = _VARCHAR.match(str(declared or ""))
        if match:
            limits.append((str(name), int(match.group(1))))
    return [name for _, name in sorted(keys)] or ["rowid"], limits


@rule("TDB130", "value-too-long-for-server", scope=TrackingDatabase, severity=WARNING)
def too_long(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A value is longer than its column's declared length (`VARCHAR(n)` in MLflow's schema).

    Why: SQLite stores any length and never complains, but PostgreSQL and MySQL (strict mode)
    enforce the same schema: moving the database to a server (a dump and restore, or
    `mlflow db upgrade` on a copy) fails on these rows with "value too long for type character
    varying(n)".
    Fix: shorten the value (a param or tag written by a tool that bypassed MLflow's limits) or
    delete the row, before the move.
    """
    if db.dialect != "sqlite":
        return  # a server database enforces the declared lengths itself
    for table in sorted(db.tables()):
        if table.startswith("sqlite_") or table == "alembic_version":
            continue
        keys, limits = _limits(db, table)
        if not limits:
            continue
        lengths = ", ".join(f'length("{c}")' for c, _ in limits)
        where = " OR ".join(f'length("{c}") > {n}' for c, n in limits)
        selected = ", ".join(f'"{k}"' if k != "rowid" else "rowid" for k in keys)
        for row in db.rows(f'SELECT {selected}, {lengths} FROM "{table}" WHERE {where}'):
            key, measured = row[:len(keys)], row[len(keys):]
            for (column, limit), length in zip(limits, measured, strict=True):
                if isinstance(length, int) and length > limit:
                    yield Problem(f"{table}.{column} is {length} characters long; the column allows "
                                  f"{limit} (a server database rejects this row)",
                                  pointer=pointer(table, *key, column))
