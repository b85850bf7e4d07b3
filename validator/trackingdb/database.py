"""The tracking-database unit: one MLflow tracking database and the artifact root it points into.

The unit's path is the SQLite database file itself (any name), or for a server database
(PostgreSQL, MySQL) the placeholder `mlint.trackingdb.server.placeholder` made of its URL.
Rules read rows through `rows()` (a cursor iterated lazily, never a whole table in memory) and
`one()`, whichever `Reader` serves the database, and find recorded artifact locations on disk
through `local()`, which maps the root MLflow recorded (an absolute path on the machine that
wrote it, or `mlflow-artifacts:/` behind `mlflow server`) onto a local folder:

* `--artifact-root PATH` when given;
* otherwise, for SQLite, the folder of the same name beside the database (`mlruns/`,
  `mlartifacts/`): a deployment copied or moved as a whole keeps working, and nothing outside
  the checked folder is ever read, whatever absolute path a row names;
* a server database has no folder beside it: without `--artifact-root` its rows are checked
  but no artifact is (a row's absolute path never decides what mlint reads).
"""

from __future__ import annotations

import os
import posixpath
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlparse

from mlint.discovery.units import Unit
from mlint.trackingdb.reader import Reader, SqliteReader
from mlint.trackingdb.schema import writer
from mlint.trackingdb.server import ServerReader, url_of
from mlint.trackingdb.sqlite import Unreadable, is_sqlite, open_readonly

# The tables that make a SQLite file an MLflow tracking database (present since MLflow 1.x).
MARKER_TABLES = frozenset({"alembic_version", "experiments", "runs"})
# `mlflow server`'s proxied artifact scheme and its default local folder.
PROXY_SCHEME = "mlflow-artifacts"
PROXY_DEFAULT = "mlartifacts"


def is_tracking_db(path: Path) -> bool:
    """A SQLite file with MLflow's marker tables (opened read-only, closed again)."""
    if not is_sqlite(path):
        return False
    try:
        conn = open_readonly(path)
    except Unreadable:
        return True  # an unreadable SQLite file named like one: the unit reports why
    try:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return names >= MARKER_TABLES


def tracking_dbs(folder: Path) -> list[Path]:
    """The MLflow tracking databases directly inside `folder` (16 bytes read per file)."""
    try:
        with os.scandir(folder) as it:
            files = sorted(Path(e.path) for e in it if e.is_file(follow_symlinks=False))
    except OSError:
        return []
    return [f for f in files if is_tracking_db(f)]


def sqlite_url_path(url: str) -> Path | None:
    """The file of a `sqlite:///relative` or `sqlite:////absolute` URL (SQLAlchemy's form)."""
    if not url.lower().startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///"):].split("?", 1)[0]
    return Path(unquote(rest)) if rest else None


class TrackingDatabase(Unit):
    """An MLflow tracking database (SQLite, PostgreSQL, MySQL) and the artifact root its rows
    point into."""

    kind = "tracking_db"
    primary_files = ()
    # Set by discovery from `--artifact-root` (one value per check).
    artifact_root_override: ClassVar[Path | None] = None

    @property
    def name(self) -> str:
        return self.path.name

    def file(self, rel: str) -> Path:
        """`""` is the database; other paths are relative to `base()` (a finding about an
        artifact folder names that folder)."""
        return self.base() / rel if rel else self.path

    # --- the database ---------------------------------------------------------------------
    @property
    def server_url(self) -> str | None:
        """The URL of a server database (credentials included; never shown), None for SQLite."""
        return url_of(self.path)

    @property
    def identity(self) -> tuple[str, str]:
        return (self.kind, str(self.path)) if self.server_url else super().identity

    def base(self) -> Path:
        """The folder that relative finding paths start from: the database file's folder, or
        for a server database the artifact root (or the working directory)."""
        if self.server_url:
            return self.artifact_root_override or Path(os.getcwd())
        return self.path.parent

    def connection(self) -> Reader | None:
        """The read-only reader (opened once), or None when the database cannot be read safely
        (`unreadable()` says why)."""
        url = self.server_url
        tracker = self.context.cache.tracker
        if tracker is not None:
            if url:
                tracker.volatile = True  # rows are no file: never a cached result
            elif "_conn" not in self.__dict__:
                tracker.file(self.path)
        if "_conn" not in self.__dict__:
            try:
                self._conn: Reader | None = (ServerReader(url) if url
                                             else SqliteReader(open_readonly(self.path)))
                self._why = ""
            except Unreadable as exc:
                self._conn, self._why = None, str(exc)
        return self._conn

    @property
    def dialect(self) -> str:
        """"sqlite", "postgresql" or "mysql" ('' when the database cannot be read)."""
        conn = self.connection()
        return conn.dialect if conn is not None else ""

    def unreadable(self) -> str:
        self.connection()
        return self._why

    def close(self) -> None:
        conn = self.__dict__.pop("_conn", None)
        if conn is not None:
            conn.close()

    def tables(self) -> frozenset[str]:
        def compute() -> frozenset[str]:
            conn = self.connection()
            return conn.tables() if conn is not None else frozenset()
        return self.memo("tables", compute)

    def columns(self, table: str) -> frozenset[str]:
        conn = self.connection()
        if conn is None or table not in self.tables():
            return frozenset()
        return self.memo(f"columns:{table}", lambda: conn.columns(table))

    def rows(self, sql: str, *args: Any) -> Iterator[tuple[Any, ...]]:
        """Rows of a query (`?` placeholders), streamed; nothing when the database is unreadable."""
        conn = self.connection()
        if conn is None:
            return
        if conn.dialect == "mysql" and not self.__dict__.get("_priming"):
            # MySQL's unbuffered cursor must be read to the end before the next query: what a
            # rule may look up while iterating (the recorded root, via `local()`) is read first.
            self._priming = True
            try:
                self.tables()
                self.recorded_root()
            finally:
                self._priming = False
        yield from conn.rows(sql, args)

    def one(self, sql: str, *args: Any) -> tuple[Any, ...] | None:
        """The first row of a point lookup (one indexed query), None when there is none."""
        conn = self.connection()
        return conn.one(sql, args) if conn is not None else None

    def damage(self) -> str:
        """Why part of the database cannot be read ('' when all of it can): SQLite's
        `quick_check` verdict, or the tables a server session may not read."""
        conn = self.connection()
        return conn.damage() if conn is not None else ""

    def revision(self) -> str | None:
        if "alembic_version" not in self.tables():
            return None
        row = self.one("SELECT version_num FROM alembic_version")
        return str(row[0]) if row is not None else None

    def writer(self) -> str | None:
        revision = self.revision()
        return writer(revision) if revision else None

    # --- the artifact root ----------------------------------------------------------------
    def recorded_root(self) -> str | None:
        """The artifact root MLflow recorded: the folder holding the experiments' artifact
        locations (`…/mlruns` from `…/mlruns/0`), as a plain path or `mlflow-artifacts:` URI."""
        def compute() -> str | None:
            if "experiments" not in self.tables():
                return None
            parents: dict[str, int] = {}
            for (location,) in self.rows("SELECT artifact_location FROM experiments"):
                if isinstance(location, str) and location:
                    parent = posixpath.dirname(_plain(location).rstrip("/"))
                    parents[parent] = parents.get(parent, 0) + 1
            return max(parents, key=lambda p: (parents[p], p)) if parents else None
        return self.memo("recorded_root", compute)

    def artifact_root(self) -> Path | None:
        """The local folder that stands for the recorded root (see the module docstring)."""
        if self.artifact_root_override is not None:
            return self.artifact_root_override
        if self.server_url:
            return None  # a server has no folder beside it: only `--artifact-root` names one
        recorded = self.recorded_root()
        if recorded is None:
            return None
        if recorded.startswith(f"{PROXY_SCHEME}:"):
            return self.path.parent / PROXY_DEFAULT
        name = posixpath.basename(recorded.rstrip("/"))
        return self.path.parent / name if name else None

    def local(self, location: object) -> Path | None:
        """The local path of a recorded artifact location, or None when it is not under the
        recorded root (another store: `s3://…`, a different disk) and so cannot be checked."""
        if not isinstance(location, str) or not location:
            return None
        root, recorded = self.artifact_root(), self.recorded_root()
        if root is None or recorded is None:
            return None
        plain = _plain(location).rstrip("/")
        if plain.startswith(f"{PROXY_SCHEME}:"):
            # mlflow-artifacts:/<path> is relative to the server's artifact root.
            rest = plain.split(":", 1)[1].lstrip("/")
        elif plain == recorded or plain.startswith(recorded.rstrip("/") + "/"):
            rest = plain[len(recorded.rstrip("/")):].lstrip("/")
        else:
            return None
        parts = [p for p in rest.split("/") if p]
        if any(p in (".", "..") for p in parts):
            return None  # never climb out of the artifact root on a row's say-so
        return root.joinpath(*parts)

    def probe(self, path: Path, test: Callable[[Path], bool]) -> bool:
        """`test(path)`, recorded as a dependency of this unit's cached result."""
        return self._probe(path, test)

    def present(self, path: Path) -> bool:
        return self._probe(path, os.path.exists)

    def file_present(self, path: Path) -> bool:
        return self._probe(path, os.path.isfile)


def _plain(location: str) -> str:
    """`file:///x` → `/x`; other URIs and plain paths unchanged (POSIX separators)."""
    if location.lower().startswith("file:"):
        parsed = urlparse(location)
        return unquote(parsed.path) or location
    return location.replace("\\", "/") if os.sep == "\\" else location
