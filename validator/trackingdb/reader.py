"""One way for the rules to read a tracking database, whatever holds it.

`Reader` is what `TrackingDatabase` hands the rules through: table and column names, rows of a
query streamed in batches (never a whole table in memory), single-row lookups. Queries are
written once, in the SQL that SQLite, PostgreSQL and MySQL share, with `?` placeholders;
`SqliteReader` runs them on a read-only `sqlite3` connection, `mlint.trackingdb.server` on a
SQLAlchemy connection inside a read-only transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any, Protocol

BATCH = 1000  # rows fetched per round trip


class Reader(Protocol):
    """A read-only view of one tracking database."""

    # "sqlite", "postgresql" or "mysql" (SQLAlchemy's backend names).
    dialect: str

    def tables(self) -> frozenset[str]: ...

    def columns(self, table: str) -> frozenset[str]: ...

    def rows(self, sql: str, args: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """Rows of a query, streamed; a query the database refuses ends the stream."""
        ...

    def one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first row of a point lookup (no server-side cursor), None when there is none."""
        ...

    def damage(self) -> str:
        """Why some of the data cannot be read ('' when all of it can)."""
        ...

    def close(self) -> None: ...


class SqliteReader:
    """A `sqlite3` connection opened by `mlint.trackingdb.sqlite.open_readonly`."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def tables(self) -> frozenset[str]:
        return frozenset(n for (n,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))

    def columns(self, table: str) -> frozenset[str]:
        return frozenset(row[1] for row in self.conn.execute(f'PRAGMA table_info("{table}")'))

    def rows(self, sql: str, args: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        try:
            cursor = self.conn.execute(sql, args)
            try:
                while batch := cursor.fetchmany(BATCH):
                    yield from batch
            finally:
                cursor.close()
        except sqlite3.DatabaseError:
            # A damaged page: TDB001 reports the damage (`damage()`); the other checks stop
            # reading that query instead of crashing.
            return

    def one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        try:
            row = self.conn.execute(sql, args).fetchone()
        except sqlite3.DatabaseError:
            return None
        return tuple(row) if row is not None else None

    def damage(self) -> str:
        """SQLite's `quick_check` verdict. Reads every page once (0.6 s for 420 MB); it never
        writes."""
        try:
            rows = self.conn.execute("PRAGMA quick_check(5)").fetchall()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return "; ".join(str(r[0]) for r in rows if r and r[0] != "ok")

    def close(self) -> None:
        self.conn.close()
