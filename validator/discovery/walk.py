"""From command-line paths to units.

Accepts an `mlruns/` root, an experiment, a run, a logged model, a registry entry, a model
folder, any folder containing such things, or a single file inside any of them (mapped to
its enclosing unit). Recognises MLflow's 1.x–3.x layouts by the same structure MLflow's
file store uses (reserved names, `artifacts/`, `models/`, `.trash/`). Never follows a
symlink out of the checked root and never loops.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from mlint.core.codes import NOTHING_TO_CHECK, PATH_NOT_FOUND, UNREADABLE, UNSAFE_SYMLINK
from mlint.discovery.layout import classify, has_mlmodel, memoised
from mlint.discovery.units import (
    EXPERIMENT_RESERVED,
    REGISTRY,
    TRASH,
    Context,
    Experiment,
    LoggedModel,
    ModelDir,
    RegisteredModel,
    Run,
    Tree,
    Unit,
)
from mlint.reading.filecache import FileCache
from mlint.reading.files import FileFailure, special_file
from mlint.reading.paths import forget_resolved
from mlint.trackingdb.database import TrackingDatabase, is_tracking_db
from mlint.trackingdb.discover import databases_in, deployment, is_server, redact, refusal
from mlint.trackingdb.server import is_server_url

# Folders a generic walk never enters: they hold no MLflow artifacts worth checking.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv",
                       ".tox", ".nox", "site-packages", ".mypy_cache", ".ruff_cache",
                       ".pytest_cache", ".mlint_cache", ".ipynb_checkpoints"})

Excluder = Callable[[Path], bool]

# `scheme:/…`: an MLflow URI (`runs:/`, `models:/`), a cloud or web store (`s3://`, `gs://`,
# `https://`) or a tracking database (`sqlite:///`, `postgresql://`). Two letters at least,
# so that a Windows drive (`C:/models`) stays a path. `Path("s3://b/m")` is `s3:/b/m`: the
# pattern matches that mangled form too.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:/")


def refuse_remote(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Raise ConfigError for an input that is a URI mlint cannot read: object stores
    (`s3://`, `gs://`, `az://`, any fsspec protocol) are read by mlint.remote; anything else
    (`runs:/`, `models:/`, a server database) used to be taken as a (missing) relative folder."""
    from mlint.core.config import ConfigError
    from mlint.remote.uri import is_remote

    for path in paths:
        text = os.fspath(path)
        if not isinstance(text, str) or not _URI.match(text):
            continue
        if is_remote(text):
            continue  # an object store: mlint.remote lists and fetches it
        if text.lower().startswith("sqlite:///"):
            continue  # a SQLite tracking database: a local file (mlint.trackingdb)
        if text.lower().startswith("file:"):
            raise ConfigError(f"{text}: give the local path, not a file: URI")
        server = refusal(text)
        if server:
            raise ConfigError(server)
        if is_server_url(text):
            continue  # a server tracking database, read through SQLAlchemy (mlint.trackingdb)
        text = redact(text)  # never print credentials (`https://user:token@host/…`)
        raise ConfigError(f"{text}: remote inputs are not supported yet; download the artifacts "
                          "(e.g. `mlflow artifacts download`) and check the local copy")



class PathFailure(NamedTuple):
    """A path discovery could not use, and why (reported as its MLT finding)."""

    path: Path
    failure: FileFailure

@dataclass
class Discovery:
    """What discovery keeps while it streams units: problems, and what deduplication needs.

    Units themselves are not kept (the scheduler checks and drops them as they come): memory
    grows only by the identities of units and the inodes of their folders, which exact
    deduplication and the special-file walk's "not inside another unit" test need.
    """

    problems: list[PathFailure] = field(default_factory=list)
    # (kind, real path) of every unit yielded: each unit is checked once, and the baseline's
    # stale-entry test asks which units were checked.
    identities: set[tuple[str, str]] = field(default_factory=set)
    # `inode_key` of every unit yielded (folders other units' special-file walks skip).
    unit_dirs: set[int | None] = field(default_factory=set)
    # Filled by `discover` only (tools and tests); the engine streams and keeps none.
    units: list[Unit] = field(default_factory=list)
    # Units met, duplicates included: an argument whose units were all met before (the
    # second file of one model folder in a pre-commit batch) still found something.
    met: int = 0

    def add(self, unit: Unit) -> bool:
        self.met += 1
        if unit.identity in self.identities:
            return False
        self.identities.add(unit.identity)
        self.unit_dirs.add(inode_key(unit.path))
        return True


# A unit, and whether discovery expands its `artifacts/` (its model folders are then units
# too, found by the same walk): the special-file walk may skip them without asking.
Found = tuple[Unit, bool]


def iter_units(paths: list[Path], cache: FileCache, found: Discovery,
               excluded: Excluder = lambda p: False) -> Iterator[Found]:
    """Units in discovery order, as they are found (a generator: nothing is listed twice and
    no list of units is built); `found` collects problems and identities on the way."""
    forget_resolved()  # symlinks may have changed since the last check in this process
    with memoised():  # layout answers per folder, for this check only
        for arg in paths:
            before = found.met
            yield from _discover_one(arg, cache, excluded, found)
            if found.met == before and not any(p == arg for p, _ in found.problems):
                found.problems.append(PathFailure(arg, FileFailure(
                    NOTHING_TO_CHECK, "no MLflow model folder or tracking tree found here",
                    hint="Point mlint at a folder containing `MLmodel`, or at an `mlruns/` tree.",
                )))


def changed_files(paths: list[Path]) -> list[Path]:
    """`--changed-files` (pre-commit): one path per unit holding the given files, in order;
    files outside any MLflow unit are dropped. Folders are classified once each, however many
    files they hold, so a commit of N files costs N dictionary look-ups plus checking the
    units, not N walks up the tree."""
    cache = FileCache()
    by_folder: dict[str, tuple[str, str] | None] = {}
    seen: set[tuple[str, str]] = set()
    kept: list[Path] = []
    with memoised():
        for path in paths:
            if os.path.isdir(path):
                folder, file_name = path, False
            else:
                folder, file_name = path.parent, True
            key = os.fspath(folder)
            if key not in by_folder:
                unit = classify(folder, Context(folder, folder, cache), search_up=True)
                by_folder[key] = unit.identity if unit is not None else None
            identity = by_folder[key]
            if identity is None:
                continue
            # A folder argument expands to the units below it: keep every one of those.
            if file_name and (identity in seen):
                continue
            seen.add(identity)
            kept.append(path)
    return kept


def discover(paths: list[Path], cache: FileCache, excluded: Excluder = lambda p: False) -> Discovery:
    """Every unit, as `Discovery.units` (for tools and tests; the engine streams `iter_units`)."""
    found = Discovery()
    found.units = [unit for unit, _ in iter_units(paths, cache, found, excluded)]
    return found


def _discover_one(arg: Path, cache: FileCache, excluded: Excluder, found: Discovery) -> Iterator[Found]:
    if is_server(arg):
        # A server tracking database: no file; its artifact root is `--artifact-root` or none.
        start = TrackingDatabase.artifact_root_override or Path(os.getcwd())
        yield from deployment([arg], Context(start, start, cache), _Walker(start, excluded, found), found)
        return
    if not os.path.lexists(arg):
        found.problems.append(PathFailure(arg, FileFailure(PATH_NOT_FOUND, "path does not exist")))
        return
    if os.path.islink(arg) and not os.path.exists(arg):
        found.problems.append(
            PathFailure(arg, FileFailure(UNSAFE_SYMLINK, "dangling or looping symlink; not followed")))
        return
    is_dir = os.path.isdir(arg)
    start = arg if is_dir else arg.parent
    databases = databases_in(arg, any_name=True) if is_dir else [arg] if is_tracking_db(arg) else []
    if databases:
        # A tracking deployment: its artifact root is walked for model folders only, never
        # classified as a file store (mlint.trackingdb.discover).
        walker = _Walker(start, excluded, found)
        yield from deployment(databases, Context(start, start, cache), walker, found)
        if is_dir:
            yield from walker.generic(start, Context(start, start, cache))
        return
    unit = classify(start, Context(start, start, cache), search_up=not is_dir)
    if unit is None:
        yield from _Walker(start, excluded, found).generic(start, Context(start, start, cache))
        return
    top = ([unit, *unit.ancestors()])[-1]
    # Reading may reach the enclosing units (a run reads its experiment's meta.yaml), so the
    # containment root is the topmost enclosing unit; fingerprints stay relative to the argument.
    context = Context(top.path, start if is_dir else unit.path, cache)
    unit = _rebind(unit, context)
    if is_dir:
        yield from _Walker(context.root, excluded, found).expand(unit)
    elif found.add(unit):
        yield unit, False  # a file argument: only its unit, not the units below it


def _rebind(unit: Unit, context: Context) -> Unit:
    """Rebuild a unit chain with the final context (known only once the chain is built)."""
    parent = _rebind(unit.parent, context) if unit.parent is not None else None
    return type(unit)(unit.path, context, parent)


class _Walker:
    """Depth-first expansion of units and generic folders, symlink- and loop-safe."""

    def __init__(self, root: Path, excluded: Excluder, found: Discovery) -> None:
        self.root = Path(os.path.realpath(root))
        self.excluded = excluded
        self.found = found
        # Folders by (device, inode): one stat each, where realpath() costs a stat per path
        # component (quadratic in depth; 500 nested folders took seconds).
        self.visited: set[int] = set()

    def subdirs(self, folder: Path) -> Iterator[Path]:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else str(exc.strerror)
            self.found.problems.append(
                PathFailure(folder, FileFailure(UNREADABLE, f"folder cannot be listed: {reason}")))
            return
        for entry in entries:
            path = Path(entry.path)
            if self.excluded(path):
                continue
            if entry.is_symlink():
                if not self._follow_link(path):
                    continue
            elif not entry.is_dir(follow_symlinks=False):
                if not entry.is_file(follow_symlinks=False):  # FIFO, socket, device: never opened
                    with contextlib.suppress(OSError):
                        failure = special_file(path, os.lstat(path).st_mode)
                        self.found.problems.append(PathFailure(path, failure))
                continue
            yield path

    def _follow_link(self, path: Path) -> bool:
        try:
            target = os.path.realpath(path, strict=True)
        except (OSError, RuntimeError):
            self.found.problems.append(PathFailure(path, FileFailure(
                UNSAFE_SYMLINK, f"dangling or looping symlink ({_readlink(path)}); not followed")))
            return False
        if not os.path.isdir(target):
            return False
        inside = target == str(self.root) or target.startswith(str(self.root) + os.sep)
        if not inside:
            self.found.problems.append(PathFailure(path, FileFailure(
                UNSAFE_SYMLINK,
                f"symlink to {_readlink(path)} leads outside the checked folder; not followed",
                hint="Artifacts must be self-contained: copy the target into the folder.")))
            return False
        if inode_key(target) in self.visited or str(path.resolve()).startswith(target + os.sep):
            self.found.problems.append(PathFailure(path, FileFailure(
                UNSAFE_SYMLINK, f"symlink to {_readlink(path)} loops back into the tree; not followed")))
            return False
        return True

    def _enter(self, folder: Path) -> bool:
        key = inode_key(folder)
        if key is None:  # cannot stat (e.g. path too long): let listing it report why
            return True
        if key in self.visited:
            return False
        self.visited.add(key)
        return True

    def expand(self, unit: Unit) -> Iterator[Found]:
        if not self._enter(unit.path):
            return
        if self.found.add(unit):
            # Yielded before its children are found: the scheduler may check it meanwhile.
            yield unit, True
        context = unit.context
        if isinstance(unit, Tree):
            for folder in self.subdirs(unit.path):
                if folder.name == TRASH:
                    for exp in self.subdirs(folder):
                        yield from self.expand(Experiment(exp, context, unit))
                elif folder.name == REGISTRY:
                    for entry in self.subdirs(folder):
                        yield from self.expand(RegisteredModel(entry, context, unit))
                elif not folder.name.startswith("."):
                    yield from self.expand(Experiment(folder, context, unit))
        elif isinstance(unit, Experiment):
            for folder in self.subdirs(unit.path):
                if folder.name == REGISTRY:
                    for model in self.subdirs(folder):
                        yield from self.expand(LoggedModel(model, context, unit))
                elif folder.name not in EXPERIMENT_RESERVED and not folder.name.startswith("."):
                    yield from self.expand(Run(folder, context, unit))
        elif isinstance(unit, (Run, LoggedModel)):
            yield from self.models_below(unit.path / "artifacts", unit)

    # The two open-ended walks below are iterative (an explicit stack, children pushed in
    # reverse to keep sorted depth-first order): artifact folders can nest thousands deep.
    def models_below(self, folder: Path, owner: Unit) -> Iterator[Found]:
        pending = [folder]
        while pending:
            current = pending.pop()
            if not os.path.isdir(current) or not self._enter(current):
                continue
            if has_mlmodel(current):
                model = ModelDir(current, owner.context, owner)
                if self.found.add(model):
                    yield model, True
                continue
            pending.extend(reversed(list(self.subdirs(current))))

    def generic(self, folder: Path, context: Context) -> Iterator[Found]:
        pending = [folder]
        while pending:
            current = pending.pop()
            children: list[Path] = []
            for child in self.subdirs(current):
                if child.name in SKIP_DIRS:
                    continue
                databases = databases_in(child, any_name=False)
                if databases:
                    yield from deployment(databases, context, self, self.found)
                unit = classify(child, context)
                if isinstance(unit, Tree):
                    yield from self.expand(unit)
                elif isinstance(unit, ModelDir):
                    yield from self._add_model(unit)
                elif unit is None and not child.name.startswith(".") and self._enter(child):
                    children.append(child)
            pending.extend(reversed(children))

    def _add_model(self, unit: ModelDir) -> Iterator[Found]:
        if self._enter(unit.path) and self.found.add(unit):
            yield unit, True


def inode_key(path: Path | str) -> int | None:
    """(device, inode) as one int (a set of these is a third the size of one of tuples);
    None when `path` cannot be stat-ed."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev << 64) | info.st_ino


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"
