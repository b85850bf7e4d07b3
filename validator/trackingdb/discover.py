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
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from mlint.discovery.units import Context, Unit
from mlint.trackingdb.database import TrackingDatabase, is_tracking_db, sqlite_url_path, tracking_dbs
from mlint.trackingdb.server import is_server_url, missing, placeholder, redact, url_of

__all__ = ["argument_path", "databases_in", "deployment", "is_server", "redact", "refusal"]

DB_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")


class Walker(Protocol):
    """What discovery's walker offers (mlint.discovery._Walker)."""

    def models_below(self, folder: Path, owner: Unit) -> Iterator[tuple[Unit, bool]]: ...


class Found(Protocol):
    def add(self, unit: Unit) -> bool: ...


def argument_path(text: str | os.PathLike[str]) -> Path:
    """A command-line argument as a path: `sqlite:///x.db` is the file `x.db` (four slashes:
    absolute), a server database URL its placeholder (mlint.trackingdb.server), anything else
    is taken as typed."""
    raw = os.fspath(text)
    if not isinstance(raw, str):
        return Path(os.fsdecode(raw))
    if is_server_url(raw):
        return placeholder(raw)
    return sqlite_url_path(raw) or Path(raw)


def is_server(path: Path) -> bool:
    """Whether `path` is the placeholder of a server database given on the command line."""
    return url_of(path) is not None


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


def refusal(url: str) -> str | None:
    """The error for a server database URL that cannot be checked here (None for other URIs,
    and for a server URL whose SQLAlchemy dialect and driver are installed)."""
    if not is_server_url(url):
        return None
    return missing(url)
