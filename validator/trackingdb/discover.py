"""How discovery meets a tracking deployment: database arguments and folders holding one.

A folder given on the command line (or `.`) that directly holds an MLflow tracking database
(any file name) is a *tracking deployment*: each database is a unit, and its artifact root
(`mlruns/` beside it, `mlartifacts/`, or `--artifact-root`) is walked for model folders only,
never classified as a file store (it has no `meta.yaml` files; MLflow keeps that in the
database). Inside a generic walk, only files named like databases (`*.db`, `*.sqlite`,
`*.sqlite3`, `*.db3`) are probed, so that large trees are not read file by file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from mlint.discovery.units import Context, Unit
from mlint.trackingdb.database import TrackingDatabase, is_tracking_db, sqlite_url_path, tracking_dbs

DB_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")
# Server databases: recognised so that the refusal names what is missing.
SERVER_URL = re.compile(r"^(postgresql|postgres|mysql|mssql)(\+\w+)?://", re.IGNORECASE)


class Walker(Protocol):
    """What discovery's walker offers (mlint.discovery._Walker)."""

    def models_below(self, folder: Path, owner: Unit) -> Iterator[tuple[Unit, bool]]: ...


class Found(Protocol):
    def add(self, unit: Unit) -> bool: ...


def argument_path(text: str | os.PathLike[str]) -> Path:
    """A command-line argument as a path: `sqlite:///x.db` is the file `x.db` (four slashes:
    absolute), anything else is taken as typed."""
    raw = os.fspath(text)
    return sqlite_url_path(raw) or Path(raw) if isinstance(raw, str) else Path(os.fsdecode(raw))


def databases_in(folder: Path, *, any_name: bool) -> list[Path]:
    """The tracking databases directly inside `folder`; only database-like names unless
    `any_name` (a folder the user named)."""
    if any_name:
        return tracking_dbs(folder)
    try:
        with os.scandir(folder) as it:
            names = [e.path for e in it if e.name.lower().endswith(DB_SUFFIXES)
                     and e.is_file(follow_symlinks=False)]
    except OSError:
        return []
    return [Path(p) for p in sorted(names) if is_tracking_db(Path(p))]


def deployment(databases: Iterable[Path], context: Context, walker: Walker,
               found: Found) -> Iterator[tuple[Unit, bool]]:
    """The database units, then the model folders of their artifact roots."""
    roots: dict[str, tuple[Path, TrackingDatabase]] = {}
    for path in databases:
        unit = TrackingDatabase(path, context)
        if found.add(unit):
            yield unit, False
        root = unit.artifact_root()
        unit.close()
        if root is not None and os.path.isdir(root):
            roots.setdefault(os.path.realpath(root), (root, unit))
    for root, owner in roots.values():
        yield from walker.models_below(root, owner)


def redact(url: str) -> str:
    """`scheme://user:password@host/…` with the password replaced by `***` (and, for http(s),
    a lone user part, which is usually a token)."""
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


def refusal(url: str) -> str | None:
    """The error for a server database URL (None for other URIs)."""
    if not SERVER_URL.match(url):
        return None
    return (f"{redact(url)}: server tracking databases are not supported yet; check a SQLite "
            "database (`mlint check mlflow.db`) or a local copy of the artifacts")
