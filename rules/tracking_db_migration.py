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
    """A value in a SQLite tracking database is longer than its column's declared length
    (`VARCHAR(n)` in MLflow's schema).

    Why: SQLite stores any length and never complains, and MLflow itself writes such rows: a
    run's `artifact_uri` (`VARCHAR(200)`) under an artifact root in a deep folder. PostgreSQL
    enforces the schema MLflow creates there: copying the row into it fails with "value too
    long for type character varying(200)", and the same `start_run` against PostgreSQL fails
    (both verified with MLflow 3.17.2 and PostgreSQL 15). MySQL in strict mode (its default)
    rejects them too.
    Fix: before moving to a server, shorten the value (for `artifact_uri`, a shorter artifact
    root) or delete the row.
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
