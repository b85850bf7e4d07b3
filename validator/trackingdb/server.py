"""Server tracking databases (PostgreSQL, MySQL) through SQLAlchemy Core, strictly read-only.

SQLAlchemy and the drivers are optional (`pip install 'mlint[postgres]'` or `'mlint[mysql]'`);
without them a server URL is refused with the extra to install, before anything is checked.

Read-only, twice over: the session is opened read-only (PostgreSQL's
`default_transaction_read_only`, MySQL's `SET SESSION TRANSACTION READ ONLY`), and every read
runs inside an explicit read-only transaction (`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ,
READ ONLY`; `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`) that is rolled back, never
committed. One snapshot serves all checks, so rows MLflow writes meanwhile cannot make two
queries disagree. mlint issues SELECTs and catalogue reads only: no migration, no DDL.

A server database has no file: on the command line it becomes a placeholder path
(`placeholder`) that discovery and the engine recognise, and every output shows the URL with
its password replaced by `***` (`redact`); the real URL stays in this module's table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlint.trackingdb.reader import BATCH
from mlint.trackingdb.sqlite import Unreadable

# Server databases mlint recognises (so that a refusal names what is missing).
SERVER_URL = re.compile(r"^(postgresql|postgres|mysql|mariadb|mssql|oracle)(\+\w+)?://", re.IGNORECASE)
# The optional extra that brings SQLAlchemy and the usual driver for each supported backend.
EXTRAS = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mysql"}
# The tables the TDB rules read (probed once, so that a missing privilege is a finding).
READ_TABLES = ("alembic_version", "experiments", "runs", "metrics", "latest_metrics", "params", "tags",
               "experiment_tags", "registered_models", "model_versions", "registered_model_tags",
               "registered_model_aliases", "logged_models")
_MARK = "<tracking-server>"
_URLS: dict[str, str] = {}  # placeholder path → the URL as given (credentials included)


def redact(url: str) -> str:
    """`scheme://user:password@host/…` with the password replaced by `***` (and, for http(s),
    a lone user part, which is usually a token); `password=` in the query string too."""
    url = re.sub(r"([?&](?:password|passwd|pwd)=)[^&#]*", r"\1***", url, flags=re.IGNORECASE)
    # Up to the LAST `@`: a password may hold an unencoded `@` (over-redacting is the safe side).
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)(.*)@", url, flags=re.DOTALL)
    if match and "/" in match.group(2).partition(":")[0]:
        # That `@` is in the path or query (`…/db?x=a@b`): the user part, if any, ends earlier.
        match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/@?#]*)@", url)
    if not match:
        return url
    user, _, secret = match.group(2).partition(":")
    if secret:
        shown = f"{user}:***"
    elif match.group(1).lower().startswith(("http://", "https://")):
        shown = "***"  # `https://<token>@host/…` (GitHub-style tokens in the user part)
    else:
        return url  # `wasbs://container@account…`, `postgresql://user@host`: names, not secrets
    return f"{match.group(1)}{shown}@{url[match.end():]}"


def is_server_url(text: str) -> bool:
    return bool(SERVER_URL.match(text))


# A URL without `+driver` takes the first of these that is installed: SQLAlchemy's default
# changed (psycopg2 up to 2.0, psycopg 3 from 2.1), and either serves.
DRIVERS = {"postgresql": ("psycopg2", "psycopg"), "mysql": ("pymysql", "mysqldb")}


def _normal(url: str) -> str:
    """`postgres://` (Heroku's and libpq's spelling) as `postgresql://`, and a driver named."""
    url = re.sub(r"^postgres(?=[+:])", "postgresql", url, flags=re.IGNORECASE)
    backend, sep, rest = url.partition("://")
    if "+" in backend or backend.lower() not in DRIVERS:
        return url
    import importlib.util

    for driver in DRIVERS[backend.lower()]:
        module = "MySQLdb" if driver == "mysqldb" else driver
        if importlib.util.find_spec(module) is not None:
            return f"{backend}+{driver}{sep}{rest}"
    return url


def missing(url: str) -> str | None:
    """Why `url` cannot be checked here (None when it can): an unsupported backend, a URL
    SQLAlchemy cannot parse, or SQLAlchemy or the driver not installed (naming the extra)."""
    backend = url.split(":", 1)[0].split("+", 1)[0].lower()
    shown = redact(url)
    extra = EXTRAS.get(backend)
    if extra is None:
        return f"{shown}: {backend} tracking databases are not supported (PostgreSQL and MySQL are)"
    install = f"install it with `pip install 'mlint[{extra}]'`"
    try:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    except ImportError:
        return f"{shown}: checking a server database needs SQLAlchemy and a driver; {install}"
    try:
        dialect = make_url(_normal(url)).get_dialect()
    except NoSuchModuleError as exc:
        return f"{shown}: SQLAlchemy has no dialect for it ({exc})"
    except (ArgumentError, ValueError):
        return f"{shown}: not a database URL SQLAlchemy understands"
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        return f"{shown}: the database driver is not installed ({exc.name or exc}); {install}"
    return None


def placeholder(url: str) -> Path:
    """The path that stands for a server database in discovery, results and output."""
    base = Path(os.sep, _MARK, redact(url))
    path, n = base, 1
    while _URLS.get(str(path), url) != url:  # two URLs that only differ in their password
        n += 1
        path = Path(f"{base}#{n}")
    _URLS[str(path)] = url
    return path


def url_of(path: Path) -> str | None:
    """The URL (credentials included) a placeholder stands for; None for a real path."""
    return _URLS.get(os.fspath(path)) if _URLS else None


def shown(path: Path) -> str | None:
    """How a placeholder is shown: its URL, password redacted (None for a real path)."""
    url = url_of(path)
    return redact(url) if url is not None else None


class ServerReader:
    """A SQLAlchemy connection inside one read-only transaction (see the module docstring)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.pool import NullPool

        parsed = make_url(_normal(url))
        self.dialect = parsed.get_backend_name()
        self._secrets = [s for s in (parsed.password, *_query_secrets(parsed.query)) if s]
        self.errors: list[str] = []
        self._inspector: Any = None
        connect_args: dict[str, Any] = {}
        if self.dialect == "postgresql" and parsed.get_driver_name() in ("psycopg2", "psycopg"):
            given = parsed.query.get("options")
            given = " ".join(given) if isinstance(given, tuple) else given
            connect_args["options"] = " ".join(filter(None, (given, "-c default_transaction_read_only=on")))
        elif self.dialect == "mysql" and parsed.get_driver_name() in ("pymysql", "mysqldb"):
            connect_args["init_command"] = "SET SESSION TRANSACTION READ ONLY"
        self.engine = create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
        try:
            self.conn = self.engine.connect()
            self._begin()
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise Unreadable(f"cannot connect: {self._message(exc)}") from None

    def _begin(self) -> None:
        # The first statement of the transaction: PostgreSQL only accepts these before any query.
        if self.dialect == "postgresql":
            self.conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        elif self.dialect == "mysql":
            self.conn.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")

    def _message(self, exc: BaseException) -> str:
        """The driver's own message (not SQLAlchemy's, which repeats the SQL and parameters),
        first line, with every secret of the URL removed."""
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        message = text[0] if text else type(exc).__name__
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return message

    def _failed(self, exc: BaseException) -> None:
        """A refused query: remember why, and start a new read-only transaction (PostgreSQL
        refuses everything after an error until the transaction ends)."""
        from sqlalchemy.exc import SQLAlchemyError

        self.errors.append(self._message(exc))
        try:
            self.conn.rollback()
            self._begin()
        except SQLAlchemyError as again:
            self.errors.append(self._message(again))

    def _inspect(self) -> Any:
        if self._inspector is None:
            from sqlalchemy import inspect

            self._inspector = inspect(self.conn)
        return self._inspector

    def tables(self) -> frozenset[str]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return frozenset(self._inspect().get_table_names())
        except SQLAlchemyError as exc:
            self._failed(exc)
            return frozenset()

    def columns(self, table: str) -> frozenset[str]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return frozenset(c["name"] for c in self._inspect().get_columns(table))
        except SQLAlchemyError as exc:
            self._failed(exc)
            return frozenset()

    def rows(self, sql: str, args: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """Streamed through a server-side cursor (psycopg2's named cursor, PyMySQL's SSCursor):
        the client holds one batch at a time."""
        from sqlalchemy.exc import SQLAlchemyError

        statement, params = _bind(sql, args)
        try:
            # Per statement: `Connection.execution_options` would change the connection itself.
            result = self.conn.execute(statement, params, execution_options={
                "stream_results": True, "max_row_buffer": BATCH})
        except SQLAlchemyError as exc:
            self._failed(exc)
            return
        try:
            while batch := result.fetchmany(BATCH):
                yield from (tuple(row) for row in batch)
        except SQLAlchemyError as exc:
            self._failed(exc)
        finally:
            result.close()

    def one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        from sqlalchemy.exc import SQLAlchemyError

        statement, params = _bind(sql, args)
        try:
            row = self.conn.execute(statement, params).first()
        except SQLAlchemyError as exc:
            self._failed(exc)
            return None
        return tuple(row) if row is not None else None

    def damage(self) -> str:
        """The tables the rules read that this session may not read (a missing privilege), and
        any query refused so far."""
        present = self.tables()
        for table in READ_TABLES:
            if table in present:
                self.one(f"SELECT 1 FROM {table} WHERE 1 = 0", ())
        return "; ".join(dict.fromkeys(self.errors))

    def close(self) -> None:
        try:
            self.conn.rollback()  # never a commit: nothing was written, nothing may be
            self.conn.close()
        finally:
            self.engine.dispose()


def _bind(sql: str, args: tuple[Any, ...]) -> tuple[Any, dict[str, Any]]:
    """`?` placeholders (sqlite3's style, which the rules use) as SQLAlchemy bind parameters."""
    from sqlalchemy import text

    parts = sql.split("?")
    if len(parts) - 1 != len(args):
        raise ValueError(f"{len(parts) - 1} placeholders for {len(args)} values: {sql}")
    named = parts[0] + "".join(f":p{i}{part}" for i, part in enumerate(parts[1:]))
    return text(named), {f"p{i}": value for i, value in enumerate(args)}


def _query_secrets(query: Any) -> list[str]:
    out: list[str] = []
    for key, value in dict(query).items():
        if key.lower() in ("password", "passwd", "pwd"):
            out += list(value) if isinstance(value, tuple) else [value]
    return out
