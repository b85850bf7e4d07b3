"""Units: the things mlint checks, as plain folder handles with lazy, cached file access.

A unit never reads anything at construction. `unit.yaml("meta.yaml")` reads and parses the
file on first use (through the run-wide `FileCache`) and returns a `Document`, or `None`
when the file is missing or broken; the failure itself is recorded once and reported by the
engine as an MLT finding, so rules never report parse errors and never cascade.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

from mlint.core.codes import REFERENCE_OUTSIDE
from mlint.reading.deps import Tracker
from mlint.reading.filecache import FileCache
from mlint.reading.files import Document, FileFailure, Loaded
from mlint.reading.paths import leaves, leaves_stat, listing, real_path

T = TypeVar("T")

# MLflow's own reserved names (mlflow/store/tracking/file_store.py).
TRASH = ".trash"
REGISTRY = "models"
ROOT_RESERVED = frozenset({TRASH, REGISTRY})
EXPERIMENT_RESERVED = frozenset({"tags", "datasets", "traces", "models"})
LOGGED_MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")


def _present(path: Path) -> bool:
    """lexists, except that "cannot tell" counts as present, not as missing."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL in the name
        return False
    except OSError:
        # Permission denied on the folder, name too long: not "missing" — reading it records
        # the real reason (MLT003) instead of a false "missing" finding.
        return True
    return True


@dataclass(frozen=True)
class Context:
    """What all units of one argument share: where reading must stay, and the file cache."""

    root: Path  # symlinks may not lead outside this folder
    key_root: Path  # fingerprints use paths relative to this folder
    cache: FileCache


class Unit:
    """A folder that mlint checks as one thing (a run, a model folder, …)."""

    kind: ClassVar[str] = "unit"
    # The files that make the folder this kind of unit; the engine reads them even when no
    # selected rule does, so that `--select MLT` still reports unreadable or broken ones.
    primary_files: ClassVar[tuple[str, ...]] = ("meta.yaml",)

    def __init__(self, path: Path, context: Context, parent: Unit | None = None) -> None:
        self.path = path
        self.context = context
        self.parent = parent

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def identity(self) -> tuple[str, str]:
        return (self.kind, real_path(self.path))

    def ancestors(self) -> Iterator[Unit]:
        unit = self.parent
        while unit is not None:
            yield unit
            unit = unit.parent

    # --- the file system, relative to the unit folder -------------------------------------
    def file(self, rel: str) -> Path:
        # Memoised: rules ask for the same few files dozens of times per unit, and each
        # `Path / rel` parses the string again (430k constructions on a 1k-run tree). One
        # object per name also keeps its cached hash for the FileCache lookups. The
        # scheduler drops the dict with the unit's other memos (mlint.perf.parallel).
        try:
            return self._files[rel]
        except AttributeError:
            self._files: dict[str, Path] = {}
        except KeyError:
            pass
        path = self.path / rel if rel else self.path
        self._files[rel] = path
        return path

    def exists(self, rel: str) -> bool:
        return self._probe(self.file(rel), _present)

    def is_file(self, rel: str) -> bool:
        return self._probe(self.file(rel), os.path.isfile)

    def is_dir(self, rel: str) -> bool:
        return self._probe(self.file(rel), os.path.isdir)

    def entries(self, rel: str = "") -> list[str]:
        """Sorted names inside a sub-folder; empty when it is missing or unreadable."""
        return listing(self.file(rel), self.context.cache.tracker)

    def subdirs(self, rel: str = "") -> list[str]:
        folder = self.file(rel)
        return [n for n in self.entries(rel) if self._probe(folder / n, os.path.isdir)]

    def _probe(self, path: Path, test: Callable[[Path], bool]) -> bool:
        if self.context.cache.tracker is not None:
            self.context.cache.tracker.path(path)
        return test(path)

    def memo(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()` once per unit object, for values other units reuse (an index of the
        tree's runs…). Use this rather than a private attribute: it replays the files and
        listings `compute` depended on into every later caller's dependencies, so the
        result cache (mlint.perf.cache) stays exact."""
        store: dict[str, tuple[Any, Tracker | None]] = self.__dict__.setdefault("_memo", {})
        tracker = self.context.cache.tracker
        if name in store:
            value, deps = store[name]
            if tracker is not None and deps is not None:
                tracker.merge(deps)
            return cast(T, value)
        inner = Tracker() if tracker is not None else None
        self.context.cache.tracker = inner
        try:
            value = compute()
        finally:
            self.context.cache.tracker = tracker
        if tracker is not None and inner is not None:
            tracker.merge(inner)
        store[name] = (value, inner)
        return value

    # --- parsed files ---------------------------------------------------------------------
    def load(self, rel: str, kind: str) -> Loaded:
        """The raw loading result, failure included (for rules that own the failure).

        Every read of a unit's file goes through here, so this is the one guard for paths
        taken from the artifact (`env.conda`, an input example, a tag naming an artifact
        path): a path that leaves the unit's bound is refused *before* anything is opened.
        """
        memo: dict[str, str] = self.__dict__.setdefault("_outside", {})
        why = memo.get(rel)
        info = None
        if why is None:
            # The guard's lstat of the file is handed to the read (one lstat, not two).
            why, info = leaves_stat(self.path, self.bound(), rel, self._where(), self._real_bound())
            memo[rel] = why
        if why:
            # Not recorded as an MLT finding: MLM100 reports the reference, with its key.
            return FileFailure(REFERENCE_OUTSIDE, f"'{rel}' {why}; not read")
        return self.context.cache.get(self.file(rel), self.context.root, kind, lstat=info)

    def bound(self) -> Path:
        """The folder this unit's reads must stay in (a model folder: itself)."""
        return self.context.root

    def _real_bound(self) -> str:
        # Resolved once per unit: every read of a run asked again (an lstat each time).
        try:
            return cast(str, self.__dict__["_real_bound_memo"])
        except KeyError:
            real = self.__dict__["_real_bound_memo"] = real_path(self.bound())
            return real

    def _where(self) -> str:
        try:
            return cast(str, self.__dict__["_where_memo"])
        except KeyError:
            where = "model folder" if self.bound() == self.path else "checked folder"
            self.__dict__["_where_memo"] = where
            return where

    def outside(self, rel: str) -> str:
        """Why reading `rel` would leave `bound()` ('' when it stays inside): an absolute path,
        a `..` climbing out, or a symlink (of any component) resolving outside. Opens nothing."""
        memo: dict[str, str] = self.__dict__.setdefault("_outside", {})
        why = memo.get(rel)
        if why is None:
            why = memo[rel] = leaves(self.path, self.bound(), rel, self._where(), self._real_bound())
        return why

    def _document(self, rel: str, kind: str) -> Document | None:
        loaded = self.load(rel, kind)
        return loaded if isinstance(loaded, Document) else None

    def yaml(self, rel: str) -> Document | None:
        return self._document(rel, "yaml")

    def json(self, rel: str) -> Document | None:
        return self._document(rel, "json")

    def text(self, rel: str) -> Document | None:
        return self._document(rel, "text")


class Tree(Unit):
    """An MLflow file store root (`mlruns/`)."""

    kind = "tree"
    primary_files = ()

    def experiment_dirs(self, *, include_trash: bool = True) -> list[Path]:
        dirs = [self.path / n for n in self.subdirs() if n not in ROOT_RESERVED and not n.startswith(".")]
        if include_trash:
            dirs += [self.path / TRASH / n for n in self.subdirs(TRASH)]
        return dirs

    def find_run(self, run_id: str) -> Path | None:
        """The folder of run `run_id` in any experiment (trash included), by folder name."""
        for exp in self.experiment_dirs():
            candidate = exp / run_id
            if run_id not in EXPERIMENT_RESERVED and self._probe(candidate, os.path.isdir):
                return candidate
        return None

    def find_logged_model(self, model_id: str) -> Path | None:
        for exp in self.experiment_dirs():
            candidate = exp / REGISTRY / model_id
            if self._probe(candidate, os.path.isdir):
                return candidate
        return None


class Experiment(Unit):
    """`mlruns/<experiment_id>/` (or `.trash/<experiment_id>/` when deleted)."""

    kind = "experiment"

    @property
    def tree(self) -> Tree | None:
        return self.parent if isinstance(self.parent, Tree) else None

    @property
    def trashed(self) -> bool:
        return self.path.parent.name == TRASH

    def run_names(self) -> list[str]:
        return [n for n in self.subdirs() if n not in EXPERIMENT_RESERVED and not n.startswith(".")]

    def logged_model_names(self) -> list[str]:
        return self.subdirs(REGISTRY)


class Run(Unit):
    """`mlruns/<experiment_id>/<run_id>/`."""

    kind = "run"

    @property
    def experiment(self) -> Experiment | None:
        return self.parent if isinstance(self.parent, Experiment) else None


class LoggedModel(Unit):
    """An MLflow 3 logged model, `mlruns/<experiment_id>/models/m-<hex>/`."""

    kind = "logged_model"

    @property
    def experiment(self) -> Experiment | None:
        return self.parent if isinstance(self.parent, Experiment) else None


class RegisteredModel(Unit):
    """A file-registry entry, `mlruns/models/<name>/` with its `version-<N>/` folders."""

    kind = "registered_model"

    @property
    def tree(self) -> Tree | None:
        return self.parent if isinstance(self.parent, Tree) else None

    def version_dirs(self) -> list[str]:
        return [n for n in self.subdirs() if n.startswith("version-")]


class ModelDir(Unit):
    """A model folder: contains `MLmodel` (standalone, in run artifacts, or a logged model's)."""

    kind = "model"
    primary_files = ("MLmodel",)

    @property
    def run(self) -> Run | None:
        """The run whose `artifacts/` holds this folder (1.x/2.x layout)."""
        return self.parent if isinstance(self.parent, Run) else None

    @property
    def logged_model(self) -> LoggedModel | None:
        """The MLflow 3 logged model whose `artifacts/` this folder is."""
        return self.parent if isinstance(self.parent, LoggedModel) else None

    @property
    def artifact_path(self) -> str | None:
        """Path of this folder relative to the enclosing run's `artifacts/` (POSIX)."""
        run = self.run
        if run is None:
            return None
        return self.path.relative_to(run.path / "artifacts").as_posix()

    def mlmodel(self) -> Document | None:
        return self.yaml("MLmodel")

    def bound(self) -> Path:
        # MLflow resolves every reference against the model folder: nothing outside it
        # belongs to the model, even inside the checked root (MLM100).
        return self.path


# Imported here, after `Unit`: the tracking-database unit lives with its reader (mlint.trackingdb).
from mlint.trackingdb.database import TrackingDatabase  # noqa: E402

UNIT_KINDS: tuple[type[Unit], ...] = (Tree, Experiment, Run, LoggedModel, RegisteredModel, ModelDir,
                                      TrackingDatabase)
