"""Runs: the folder structure MLflow needs to find a run, times, status and lifecycle."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import Run, Tree
from mlint.rulekit.tracking import in_trash, meta_of

REQUIRED_SUBDIRS = ("metrics", "params", "artifacts")


@rule("RUN104", "run-folders-missing", scope=Run, severity=ERROR)
def run_folders_present(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run folder must contain the `metrics/`, `params/` and `artifacts/` sub-folders, even
    when they are empty.

    Why: MLflow ≥ 3.x (`FileStore._is_valid_run_directory`, a path-traversal defence) treats a
    run without all three as "not found": `get_run`, `search_runs` and the UI skip it. MLflow
    creates them for every run, but git does not store empty folders, so a tree committed to
    git and checked out again loses them for every run that logged no metric, no param or no
    artifact.
    Fix: `mlint check --select RUN104 --fix` recreates the empty folders (and `tags/`); to keep
    them in git, add a `.gitkeep` file inside each.
    """
    if meta_of(run) is None and not run.exists("meta.yaml"):
        return  # not a run at all, or reported as missing meta by the schema rule
    missing = [d for d in REQUIRED_SUBDIRS if not run.is_dir(d)]
    if missing:
        names = ", ".join(f"{d}/" for d in missing)
        yield Problem(
            f"run folder has no {names}; MLflow 3 treats the run as not found",
            subject=",".join(missing),
            hint="Empty folders vanish in git: recreate them (mkdir) and keep them with a "
                 ".gitkeep file.",
        )


@rule("RUN109", "tree-under-artifacts-folder", scope=Tree, severity=ERROR)
def tree_not_under_artifacts(tree: Tree, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The tracking tree must not live below a folder named `artifacts`. Reported once per tree.

    Why: MLflow ≥ 3.x refuses every run whose path has an `artifacts` component above the run
    folder (`FileStore._is_valid_run_directory`, a defence against meta.yaml files planted in
    artifact folders): `search_runs` still lists the runs, but `get_run`, metric history and
    model loading fail with "Run '…' not found" — for every run of the tree.
    Fix: move or rename the tree so that no folder on its path is called `artifacts`, e.g.
    `backup/artifacts/mlruns` → `backup/mlflow-artifacts/mlruns`.
    """
    parts = Path(os.path.abspath(tree.path)).parts
    if "artifacts" in parts:
        below = Path(*parts[parts.index("artifacts"):]).as_posix()
        yield Problem(
            f"the tree is below a folder named 'artifacts' (…/{below}); MLflow 3 reports every run "
            "in it as not found",
            hint="Rename that folder or move the tree; MLflow rejects run paths containing 'artifacts'.",
        )


@rule("RUN105", "run-times-invalid", scope=Run, severity=ERROR)
def run_times_valid(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run needs an integer `start_time`, and an `end_time` (when set) not before it.

    Why: `start_time` is required by MLflow's `RunInfo` (sorting, the UI's duration column);
    an end before the start gives negative durations and breaks time-range searches.
    Fix: restore the times from the run's metric timestamps, or set `end_time: null`.
    """
    meta = meta_of(run)
    if meta is None:
        return
    start, end = meta.get("start_time"), meta.get("end_time")
    if start is None:
        yield Problem("start_time is missing or null", file="meta.yaml",
                      pointer="/start_time" if "start_time" in meta else "")
        return
    if isinstance(start, int) and isinstance(end, int) and not isinstance(end, bool) and end < start:
        yield Problem(f"end_time {end} is before start_time {start} ({(start - end) / 1000:.0f} s)",
                      file="meta.yaml", pointer="/end_time")


@rule("RUN106", "run-stale-running", scope=Run, severity=WARNING, options={"stale-hours": 72})
def run_not_stale(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run with status RUNNING (1) must not have an `end_time`, and should not have started
    longer ago than `stale-hours` (option, default 72).

    Why: a process that crashed or was killed never calls `end_run`; the run stays RUNNING
    forever, skews "active runs" views and blocks tooling that waits for completion. A RUNNING
    run that has an `end_time` is contradictory.
    Fix: `MlflowClient().set_terminated(run_id, status="FAILED")` (or "KILLED").
    """
    meta = meta_of(run)
    if meta is None or meta.get("status") != 1 or meta.get("lifecycle_stage") == "deleted":
        return
    end, start = meta.get("end_time"), meta.get("start_time")
    if isinstance(end, int) and not isinstance(end, bool):
        yield Problem("status is RUNNING but the run has an end_time", file="meta.yaml",
                      pointer="/status", hint="Set the final status with set_terminated.")
        return
    hours = options.get("stale-hours", 72)
    if isinstance(start, int) and isinstance(hours, (int, float)):
        age = (time.time() * 1000 - start) / 3_600_000
        if age > hours:
            started = datetime.fromtimestamp(start / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
            yield Problem(
                f"status is RUNNING but the run started at {started} UTC, more than stale-hours "
                f"({hours}) ago; its process probably died without ending it",
                file="meta.yaml", pointer="/status", subject="stale",
                hint="Mark it FAILED or KILLED: MlflowClient().set_terminated(run_id, 'FAILED').",
            )


@rule("RUN107", "run-lifecycle-mismatch", scope=Run, severity=WARNING)
def run_lifecycle_consistent(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run's `lifecycle_stage` and `deleted_time` must agree, and a run of a deleted
    experiment (in `.trash/`) must itself be deleted.

    Why: `delete_run` sets both `lifecycle_stage: deleted` and `deleted_time`; `delete_experiment`
    marks every active run deleted before moving the experiment to `.trash/`. `mlflow gc` uses
    `deleted_time` (`--older-than`) to decide what to purge, and restoring an experiment expects
    its runs deleted. Hand edits break these pairs.
    Fix: use `mlflow runs delete|restore` (or the client) instead of editing meta.yaml.
    """
    meta = meta_of(run)
    if meta is None:
        return
    stage = meta.get("lifecycle_stage", "active")
    deleted_time = meta.get("deleted_time")
    if stage == "deleted" and deleted_time is None and "deleted_time" in meta:
        yield Problem("run is deleted but deleted_time is null; `mlflow gc --older-than` never "
                      "purges it", file="meta.yaml", pointer="/deleted_time")
    if stage == "active" and deleted_time is not None:
        yield Problem("run is active but has a deleted_time", file="meta.yaml",
                      pointer="/deleted_time")
    if stage == "active" and in_trash(run):
        yield Problem("run is active but its experiment is deleted (in .trash/)", file="meta.yaml",
                      pointer="/lifecycle_stage" if "lifecycle_stage" in meta else "")


HISTORY = "tags/mlflow.log-model.history"


@rule("RUN108", "log-model-history-invalid", scope=Run, severity=WARNING)
def log_model_history_valid(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The `mlflow.log-model.history` run tag must be a JSON list whose entries point at model
    folders that exist under the run's `artifacts/` with an MLmodel of the same `run_id`.

    Why: the UI's "Models" column and model discovery read this tag (MLflow ≤ 2.x writes one
    entry per `log_model`); an entry whose folder is gone (artifacts deleted, git-ignored or
    never uploaded) advertises a model that cannot be loaded.
    Fix: restore the model folder, or remove the stale entry from the tag file.
    """
    doc = run.text(HISTORY)
    if doc is None or doc.is_empty:
        return
    try:
        entries = json.loads(doc.text)
    except (ValueError, RecursionError) as exc:
        yield Problem(f"is not valid JSON ({exc})"[:300], file=HISTORY, line=1)
        return
    if not isinstance(entries, list):
        yield Problem(f"must be a JSON list, not {type(entries).__name__}", file=HISTORY, line=1)
        return
    for index, entry in enumerate(entries):
        path = entry.get("artifact_path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or "://" in path or path.startswith("/"):
            continue  # 3.x Spark/promptlab entries point at logged models, not run artifacts
        rel = f"artifacts/{path}/MLmodel" if path else "artifacts/MLmodel"
        if not run.is_file(rel):
            yield Problem(f"entry {index} names artifact_path {path!r}, but {rel} does not exist",
                          file=HISTORY, line=1, subject=path,
                          hint="The model's files are missing (deleted, git-ignored, LFS?).")
            continue
        mlmodel = run.yaml(rel)
        data = mlmodel.data if mlmodel is not None and isinstance(mlmodel.data, dict) else {}
        run_id = data.get("run_id")
        if run_id is not None and str(run_id) != run.name:
            yield Problem(f"entry {index}: the MLmodel at {path!r} has run_id {run_id!r}, not this run",
                          file=HISTORY, line=1, subject=path)
