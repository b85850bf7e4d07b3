"""Tracking databases (TDB): what lies under the artifact root that the database does not own.

The artifact root of MLflow's default layout holds `<experiment_id>/<run_id>/artifacts/…` and
(MLflow 3) `<experiment_id>/models/<model_id>/artifacts/…`. Each folder is looked up by primary
key (one indexed query per folder), so nothing is held in memory but the listing of one folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mlint.core.diagnostics import INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.reading.paths import listing
from mlint.reading.quoting import quote
from mlint.rules.tracking_db import pointer
from mlint.trackingdb.database import TrackingDatabase

MODELS = "models"  # <experiment>/models/<model_id>: MLflow 3 logged models
MAX_ID = 2**31 - 1  # experiment_id is a 32-bit INTEGER on PostgreSQL and MySQL


def folder_size(db: TrackingDatabase, path: Path) -> int:
    """Bytes of the regular files below `path` (see `contents`)."""
    return contents(db, path)[0]


def contents(db: TrackingDatabase, path: Path) -> tuple[int, int]:
    """(bytes, count) of the regular files below `path` (symlinks not followed); each file and
    folder listing is recorded as a dependency, so a cached result is dropped when it changes."""
    tracker = db.context.cache.tracker
    total = files = 0
    pending = [path]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        if tracker is not None:
            tracker.listing(folder, sorted(e.name for e in entries))
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
                    files += 1
                    if tracker is not None:
                        tracker.path(entry.path)
            except OSError:
                continue
    return total, files


def _subdirs(db: TrackingDatabase, path: Path) -> list[str]:
    # Through the unit, so that the listing is a dependency of the result cache.
    return [n for n in listing(path, db.context.cache.tracker)
            if db.probe(path / n, lambda p: os.path.isdir(p) and not os.path.islink(p))]


def _stage(db: TrackingDatabase, sql: str, key: object) -> str | None:
    """The lifecycle stage of the row `key`, '' when the row has none, None when there is no row."""
    row = db.one(sql, key)
    return None if row is None else (row[0] or "")


def _experiment_stage(db: TrackingDatabase, folder: str) -> str | None:
    # experiment_id is an INTEGER column: a folder named otherwise (or `01`) is no experiment's,
    # and comparing integers keeps the lookup on the primary key in every database.
    if not folder.isdigit() or str(int(folder)) != folder or int(folder) > MAX_ID:
        return None
    return _stage(db, "SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?", int(folder))


Owned = Iterator[tuple[Path, str, str | None, str]]  # folder, kind, stage, pointer


def _owners(db: TrackingDatabase, root: Path) -> Owned:
    tables = db.tables()
    for experiment in _subdirs(db, root):
        folder = root / experiment
        stage = _experiment_stage(db, experiment)
        yield folder, "experiment", stage, pointer("experiments", experiment)
        if stage is None:
            continue  # everything below belongs to the orphaned experiment folder
        for name in _subdirs(db, folder):
            if name == MODELS and "logged_models" in tables:
                for model in _subdirs(db, folder / MODELS):
                    yield (folder / MODELS / model, "logged model",
                           _stage(db, "SELECT lifecycle_stage FROM logged_models WHERE model_id = ?", model),
                           pointer("logged_models", model))
                continue
            yield (folder / name, "run",
                   _stage(db, "SELECT lifecycle_stage FROM runs WHERE run_uuid = ?", name),
                   pointer("runs", name))


def _rel(db: TrackingDatabase, path: Path) -> str:
    return os.path.relpath(path, db.base()).replace(os.sep, "/")


@rule("TDB120", "artifacts-orphaned", scope=TrackingDatabase, severity=WARNING)
def orphaned(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A folder under the artifact root that holds files belongs to no experiment, run or
    logged model of the database (the finding gives its size).

    Why: `mlflow gc` only deletes what the database still lists (verified with MLflow 3.17.2),
    so artifacts of rows deleted by hand, of a database restored from an older backup, or of
    another database sharing the root stay forever; they also hide real model folders from
    anyone browsing the root. Empty folders are not reported: `mlflow gc` itself leaves the
    empty `<run_id>/` folder of each run it deletes.
    Fix: if no other database uses this artifact root, delete the folder (after checking it is
    not a model someone still loads by path).
    """
    root = db.artifact_root()
    if db.connection() is None or root is None or not os.path.isdir(root):
        return
    for folder, kind, stage, _ in _owners(db, root):
        if stage is None:
            size, files = contents(db, folder)
            if not files:
                continue  # empty folders: what `mlflow gc` leaves of a run it deleted
            yield Problem(f"{kind} folder {quote(folder.name)} is not in the database "
                          f"({size} bytes)",
                          file=_rel(db, folder), subject=_rel(db, folder),
                          hint="Delete it if no other tracking database uses this artifact root.")


@rule("TDB121", "deleted-artifacts-left", scope=TrackingDatabase, severity=INFO)
def leftovers(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Artifacts of a deleted experiment, run or logged model are still under the artifact root
    (the finding gives their size).

    Why: deleting in MLflow only marks the row; the files stay until `mlflow gc` removes them
    (and the row with them). Informational: the space is reclaimable.
    Fix: `MLFLOW_TRACKING_URI=sqlite:///mlflow.db mlflow gc --backend-store-uri sqlite:///mlflow.db`
    (MLflow 3.17 wants both; permanently deletes the rows and their artifacts), or restore the
    entity if it was deleted by mistake.
    """
    root = db.artifact_root()
    if db.connection() is None or root is None or not os.path.isdir(root):
        return
    for folder, kind, stage, where in _owners(db, root):
        if stage == "deleted":
            size, files = contents(db, folder)
            if not files:
                continue  # nothing left to reclaim
            yield Problem(f"{kind} {quote(folder.name)} is deleted but its artifacts are still here "
                          f"({size} bytes)",
                          pointer=f"{where}/lifecycle_stage", related=(_rel(db, folder),),
                          hint="Run `mlflow gc` to reclaim the space, or restore the entity.")
