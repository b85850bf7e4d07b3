"""From command-line paths to units.

Accepts an `mlruns/` root, an experiment, a run, a logged model, a registry entry, a model
folder, any folder containing such things, or a single file inside any of them (mapped to
its enclosing unit). Recognises MLflow's 1.x–3.x layouts by the same structure MLflow's
file store uses (reserved names, `artifacts/`, `models/`, `.trash/`). Never follows a
symlink out of the checked root and never loops.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlint.files import FileFailure
from mlint.units import (
    EXPERIMENT_RESERVED,
    REGISTRY,
    ROOT_RESERVED,
    TRASH,
    Context,
    Experiment,
    FileCache,
    LoggedModel,
    ModelDir,
    RegisteredModel,
    Run,
    Tree,
    Unit,
    _real_dir,
    real_path,
)

# Folders a generic walk never enters: they hold no MLflow artifacts worth checking.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv",
                       ".tox", ".nox", "site-packages", ".mypy_cache", ".ruff_cache",
                       ".pytest_cache", ".mlint_cache", ".ipynb_checkpoints"})

Excluder = Callable[[Path], bool]


@dataclass
class Discovery:
    units: list[Unit] = field(default_factory=list)
    problems: list[tuple[Path, FileFailure]] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, unit: Unit) -> None:
        if unit.identity not in self._seen:
            self._seen.add(unit.identity)
            self.units.append(unit)


def discover(paths: list[Path], cache: FileCache, excluded: Excluder = lambda p: False) -> Discovery:
    found = Discovery()
    _real_dir.cache_clear()  # symlinks may have changed since the last check in this process
    for arg in paths:
        before = len(found.units)
        _discover_one(arg, cache, excluded, found)
        if len(found.units) == before and not any(p == arg for p, _ in found.problems):
            found.problems.append((arg, FileFailure(
                "MLT007", "no MLflow model folder or tracking tree found here",
                hint="Point mlint at a folder containing `MLmodel`, or at an `mlruns/` tree.",
            )))
    return found


def _discover_one(arg: Path, cache: FileCache, excluded: Excluder, found: Discovery) -> None:
    if not os.path.lexists(arg):
        found.problems.append((arg, FileFailure("MLT001", "path does not exist")))
        return
    if os.path.islink(arg) and not os.path.exists(arg):
        found.problems.append((arg, FileFailure("MLT005", "dangling or looping symlink; not followed")))
        return
    is_dir = os.path.isdir(arg)
    start = arg if is_dir else arg.parent
    unit = classify(start, Context(start, start, cache), search_up=not is_dir)
    if unit is None:
        _Walker(start, excluded, found).generic(start, Context(start, start, cache))
        return
    top = ([unit, *unit.ancestors()])[-1]
    # Reading may reach the enclosing units (a run reads its experiment's meta.yaml), so the
    # containment root is the topmost enclosing unit; fingerprints stay relative to the argument.
    context = Context(top.path, start if is_dir else unit.path, cache)
    unit = _rebind(unit, context)
    if is_dir:
        _Walker(context.root, excluded, found).expand(unit)
    else:
        found.add(unit)


def _rebind(unit: Unit, context: Context) -> Unit:
    """Rebuild a unit chain with the final context (known only once the chain is built)."""
    parent = _rebind(unit.parent, context) if unit.parent is not None else None
    return type(unit)(unit.path, context, parent)


def is_tracking_root(folder: Path) -> bool:
    """True when `folder` looks like an MLflow file store root (`mlruns/`)."""
    if not os.path.isdir(folder):
        return False
    if folder.name == "mlruns" or os.path.isdir(folder / TRASH):
        return True
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if (entry.name.isdigit() and entry.is_dir(follow_symlinks=False)
                        and os.path.isfile(os.path.join(entry.path, "meta.yaml"))):
                    return True
    except OSError:
        return False
    registry = folder / REGISTRY
    if os.path.isdir(registry) and not os.path.exists(registry / "meta.yaml"):
        try:
            return any(
                n.startswith("version-") for d in os.listdir(registry)
                if os.path.isdir(registry / d) for n in os.listdir(registry / d)
            )
        except OSError:
            return False
    return False


def classify(folder: Path, context: Context, *, search_up: bool = False) -> Unit | None:
    """The unit `folder` is (with its enclosing units as parents), or None.

    With `search_up`, the nearest enclosing folder that is a unit is returned instead
    (used for file arguments: `mlruns/0/<run>/metrics/loss` → the run).
    """
    candidate: Path | None = folder
    while candidate is not None:
        unit = _classify_exact(candidate, context)
        if unit is not None or not search_up:
            return unit
        candidate = candidate.parent if candidate.parent != candidate else None
    return None


def _classify_exact(folder: Path, context: Context) -> Unit | None:
    parent = folder.parent
    if os.path.isfile(folder / "MLmodel"):
        return ModelDir(folder, context, _artifact_owner(folder, context))
    if is_tracking_root(folder):
        return Tree(folder, context)
    if is_tracking_root(parent) and folder.name not in ROOT_RESERVED:
        return Experiment(folder, context, Tree(parent, context))
    if parent.name == TRASH and is_tracking_root(parent.parent):
        return Experiment(folder, context, Tree(parent.parent, context))
    if parent.name == REGISTRY:
        if is_tracking_root(parent.parent):
            return RegisteredModel(folder, context, Tree(parent.parent, context))
        experiment = _classify_exact(parent.parent, context)
        if isinstance(experiment, Experiment):
            return LoggedModel(folder, context, experiment)
    if folder.name not in EXPERIMENT_RESERVED and not folder.name.startswith("."):
        experiment = _classify_exact(parent, context) if parent != folder else None
        if isinstance(experiment, Experiment):
            return Run(folder, context, experiment)
    return None


def _artifact_owner(folder: Path, context: Context) -> Unit | None:
    """The run or logged model whose `artifacts/` folder contains `folder`, if any."""
    for ancestor in folder.parents:
        if ancestor.name == "artifacts":
            owner = _classify_exact(ancestor.parent, context)
            if isinstance(owner, (Run, LoggedModel)):
                return owner
    return None


class _Walker:
    """Depth-first expansion of units and generic folders, symlink- and loop-safe."""

    def __init__(self, root: Path, excluded: Excluder, found: Discovery) -> None:
        self.root = Path(os.path.realpath(root))
        self.excluded = excluded
        self.found = found
        self.visited: set[str] = set()

    def subdirs(self, folder: Path) -> Iterator[Path]:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else str(exc.strerror)
            self.found.problems.append((folder, FileFailure("MLT003", f"folder cannot be listed: {reason}")))
            return
        for entry in entries:
            path = Path(entry.path)
            if self.excluded(path):
                continue
            if entry.is_symlink():
                if not self._follow_link(path):
                    continue
            elif not entry.is_dir(follow_symlinks=False):
                continue
            yield path

    def _follow_link(self, path: Path) -> bool:
        try:
            target = os.path.realpath(path, strict=True)
        except (OSError, RuntimeError):
            self.found.problems.append((path, FileFailure(
                "MLT005", f"dangling or looping symlink ({_readlink(path)}); not followed")))
            return False
        if not os.path.isdir(target):
            return False
        inside = target == str(self.root) or target.startswith(str(self.root) + os.sep)
        if not inside:
            self.found.problems.append((path, FileFailure(
                "MLT005", f"symlink to {_readlink(path)} leads outside the checked folder; not followed",
                hint="Artifacts must be self-contained: copy the target into the folder.")))
            return False
        if target in self.visited or str(path.resolve()).startswith(target + os.sep):
            self.found.problems.append((path, FileFailure(
                "MLT005", f"symlink to {_readlink(path)} loops back into the tree; not followed")))
            return False
        return True

    def _enter(self, folder: Path) -> bool:
        real = real_path(folder)
        if real in self.visited:
            return False
        self.visited.add(real)
        return True

    def expand(self, unit: Unit) -> None:
        if not self._enter(unit.path):
            return
        self.found.add(unit)
        context = unit.context
        if isinstance(unit, Tree):
            for folder in self.subdirs(unit.path):
                if folder.name == TRASH:
                    for exp in self.subdirs(folder):
                        self.expand(Experiment(exp, context, unit))
                elif folder.name == REGISTRY:
                    for entry in self.subdirs(folder):
                        self.expand(RegisteredModel(entry, context, unit))
                elif not folder.name.startswith("."):
                    self.expand(Experiment(folder, context, unit))
        elif isinstance(unit, Experiment):
            for folder in self.subdirs(unit.path):
                if folder.name == REGISTRY:
                    for model in self.subdirs(folder):
                        self.expand(LoggedModel(model, context, unit))
                elif folder.name not in EXPERIMENT_RESERVED and not folder.name.startswith("."):
                    self.expand(Run(folder, context, unit))
        elif isinstance(unit, (Run, LoggedModel)):
            self.models_below(unit.path / "artifacts", unit)

    def models_below(self, folder: Path, owner: Unit) -> None:
        if not os.path.isdir(folder) or not self._enter(folder):
            return
        if os.path.isfile(folder / "MLmodel"):
            self.found.add(ModelDir(folder, owner.context, owner))
            return
        for child in self.subdirs(folder):
            self.models_below(child, owner)

    def generic(self, folder: Path, context: Context) -> None:
        for child in self.subdirs(folder):
            if child.name in SKIP_DIRS:
                continue
            unit = _classify_exact(child, context)
            if isinstance(unit, (Tree, ModelDir)):
                self.expand(unit) if isinstance(unit, Tree) else self._add_model(unit)
            elif unit is None and not child.name.startswith(".") and self._enter(child):
                self.generic(child, context)

    def _add_model(self, unit: ModelDir) -> None:
        if self._enter(unit.path):
            self.found.add(unit)


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"
