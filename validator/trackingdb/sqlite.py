"""Open a SQLite tracking database read-only, without creating or changing any file.

`sqlite3.connect(path)` creates a missing file and a reader of a WAL database creates `-shm`
(and `-wal`) beside it; both would be writes into the checked tree. So:

* the database is opened by URI with `mode=ro` (never creates the file, never writes);
* a database in WAL mode (header bytes 18-19 equal 2) is opened with `immutable=1` too, but only
  when no `-wal` file exists: without one, the main file holds every committed transaction, and
  `immutable` is what keeps SQLite from creating the `-shm` index (it would even on `mode=ro`);
* a database with a `-wal` or a hot `-journal` beside it has transactions that only a writer
  can replay; reading it would create files or see a half-written state, so it is refused with
  a reason (checkpoint it, or let MLflow finish) instead of being opened;
* `PRAGMA query_only` guards against any statement that would write, should one ever be issued.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

MAGIC = b"SQLite format 3\x00"


class Unreadable(Exception):
    """The database cannot be read safely (the message says why, for a finding)."""


def is_sqlite(path: Path) -> bool:
    """Whether `path` is a regular file starting with SQLite's magic header (16 bytes read)."""
    try:
        if not path.is_file():
            return False
        with open(path, "rb") as handle:
            return handle.read(16) == MAGIC
    except OSError:
        return False


def _wal_mode(path: Path) -> bool:
    with open(path, "rb") as handle:
        header = handle.read(20)
    return len(header) == 20 and header[18] == 2 and header[19] == 2


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to the database file `path` (see the module docstring)."""
    path = Path(os.path.abspath(path))
    if not is_sqlite(path):
        raise Unreadable("not a SQLite database file")
    for suffix, what in (("-wal", "a write-ahead log"), ("-journal", "a rollback journal")):
        if os.path.lexists(f"{path}{suffix}"):
            raise Unreadable(f"{what} ('{path.name}{suffix}') is beside it: a writer is active or "
                             "crashed, and reading would need to replay it (which writes)")
    uri = f"file:{quote(path.as_posix())}?mode=ro"
    if _wal_mode(path):
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise Unreadable(f"SQLite cannot read it: {exc}") from exc
    return conn
