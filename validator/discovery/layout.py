"""Which MLflow layout a folder is: a model folder, a tracking root, an experiment, a run, a
logged model or a registered model — recognised by structure, the way MLflow's file store
finds them, with the enclosing units as parents. Used by discovery, file arguments, the
config search and the grouped reporter.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from mlint.discovery.units import (
    EXPERIMENT_RESERVED,
    REGISTRY,
    ROOT_RESERVED,
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


def has_mlmodel(folder: Path) -> bool:
    """An `MLmodel` entry that is not a folder: a FIFO or a dangling link in its place still
    makes a (broken) model folder, reported when MLmodel is read, not skipped silently."""
    path = folder / "MLmodel"
    return os.path.lexists(path) and not os.path.isdir(path)


# Tracking-root answers by folder, kept while a `memoised()` scope is open (one check, one
# `--changed-files` mapping). Asking about an experiment folder lists every logged model in
# its `models/` folder; without the memo, each changed file of a commit asked again (a
# 300-run commit made 600k listings). Outside a scope nothing is kept: the tree may change.
_tracking_roots: dict[str, bool] | None = None
_scopes = 0


@contextlib.contextmanager
def memoised() -> Iterator[None]:
    """Remember layout answers per folder until the outermost scope closes."""
    global _tracking_roots, _scopes
    if _scopes == 0:
        _tracking_roots = {}
    _scopes += 1
    try:
        yield
    finally:
        _scopes -= 1
        if _scopes == 0:
            _tracking_roots = None


def is_tracking_root(folder: Path) -> bool:
    """True when `folder` looks like an MLflow file store root (`mlruns/`)."""
    memo = _tracking_roots
    if memo is None:
        return _is_tracking_root(folder)
    key = os.fspath(folder)
    answer = memo.get(key)
    if answer is None:
        answer = memo[key] = _is_tracking_root(folder)
    return answer


def _is_tracking_root(folder: Path) -> bool:
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
    if has_mlmodel(folder):
        return ModelDir(folder, context, _artifact_owner(folder, context))
    if is_tracking_root(folder):
        return Tree(folder, context)
    experiment = _experiment_at(folder, context, checked=True)
    if experiment is not None:
        return experiment
    if parent.name == REGISTRY:
        if is_tracking_root(parent.parent):
            return RegisteredModel(folder, context, Tree(parent.parent, context))
        owner = _experiment_at(parent.parent, context)
        if owner is not None:
            return LoggedModel(folder, context, owner)
    if folder.name not in EXPERIMENT_RESERVED and not folder.name.startswith(".") and parent != folder:
        owner = _experiment_at(parent, context)
        if owner is not None:
            return Run(folder, context, owner)
    return None


def _experiment_at(folder: Path, context: Context, *, checked: bool = False) -> Experiment | None:
    """`folder` as an Experiment, or None — without recursing up the tree.

    (It used to go through `_classify_exact(parent)`, which recursed to the file-system root:
    cubic in the depth, i.e. a hang on artifacts nested a few hundred folders deep.)
    `checked` says the caller already knows `folder` is neither a model nor a tracking root.
    """
    if not checked and (has_mlmodel(folder) or is_tracking_root(folder)):
        return None
    parent = folder.parent
    if is_tracking_root(parent) and folder.name not in ROOT_RESERVED:
        return Experiment(folder, context, Tree(parent, context))
    if parent.name == TRASH and is_tracking_root(parent.parent):
        return Experiment(folder, context, Tree(parent.parent, context))
    return None


def _artifact_owner(folder: Path, context: Context) -> Unit | None:
    """The run or logged model whose `artifacts/` folder contains `folder`, if any."""
    for ancestor in folder.parents:
        if ancestor.name == "artifacts":
            owner = _classify_exact(ancestor.parent, context)
            if isinstance(owner, (Run, LoggedModel)):
                return owner
    return None
