"""Tracking databases (TDB): references between rows, and values MLflow's readers reject.

MLflow creates its SQLite tables without enforcing foreign keys (SQLite leaves them off unless
each connection turns them on), so rows can name runs, experiments or models that no longer
exist. Each query below is one anti-join evaluated by SQLite and streamed; no table is held in
memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.reading.quoting import quote
from mlint.rules.tracking_db import pointer
from mlint.trackingdb.database import TrackingDatabase

# (table, key columns for the pointer, column, parent table, parent column): rows whose
# `column` names no row of the parent. Tables missing from older schemas are skipped.
REFERENCES: tuple[tuple[str, tuple[str, ...], str, str, str], ...] = (
    ("runs", ("run_uuid",), "experiment_id", "experiments", "experiment_id"),
    ("metrics", ("run_uuid", "key", "step", "timestamp"), "run_uuid", "runs", "run_uuid"),
    ("latest_metrics", ("run_uuid", "key"), "run_uuid", "runs", "run_uuid"),
    ("params", ("run_uuid", "key"), "run_uuid", "runs", "run_uuid"),
    ("tags", ("run_uuid", "key"), "run_uuid", "runs", "run_uuid"),
    ("experiment_tags", ("experiment_id", "key"), "experiment_id", "experiments", "experiment_id"),
    ("model_versions", ("name", "version"), "name", "registered_models", "name"),
    ("registered_model_tags", ("name", "key"), "name", "registered_models", "name"),
    ("logged_models", ("model_id",), "experiment_id", "experiments", "experiment_id"),
)

# mlflow.entities.RunStatus and LifecycleStage; the registry's ModelVersionStatus.
RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
LIFECYCLE = ("active", "deleted")
VERSION_STATUSES = ("PENDING_REGISTRATION", "FAILED_REGISTRATION", "READY")
LOGGED_MODEL_STATUSES = (0, 1, 2, 3)


def _same_workspace(db: TrackingDatabase, table: str, parent: str, a: str = "t", b: str = "p") -> str:
    """MLflow 3's workspaces (`1b5f0d9ad7c1_add_workspace_columns_and_catalog`) make the
    registry's keys (workspace, name): a row's parent is the one of its own workspace."""
    if "workspace" in db.columns(table) and "workspace" in db.columns(parent):
        return f" AND {b}.workspace = {a}.workspace"
    return ""


@rule("TDB110", "row-owner-missing", scope=TrackingDatabase, severity=ERROR)
def owner_missing(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A row must belong to an existing parent: metrics, params, tags and latest metrics to a
    run, runs and logged models to an experiment, model versions and registered-model tags to a
    registered model, experiment tags to an experiment. With MLflow 3's workspaces, a
    registry row's parent must be in the same workspace.

    Why: SQLite does not enforce MLflow's foreign keys, so hand-deleted rows or an interrupted
    clean-up leave orphans: they are invisible in the UI, and moving the database to
    PostgreSQL or MySQL (`mlflow db upgrade` against a dump) fails on them, because those
    servers do enforce the keys.
    Fix: delete the orphaned rows (after a backup), or restore their parent.
    """
    tables = db.tables()
    for table, keys, column, parent, parent_column in REFERENCES:
        if table not in tables or parent not in tables:
            continue
        selected = ", ".join(f"t.{k}" for k in keys)
        sql = (f"SELECT {selected}, t.{column} FROM {table} t LEFT JOIN {parent} p "
               f"ON p.{parent_column} = t.{column}{_same_workspace(db, table, parent)} "
               f"WHERE p.{parent_column} IS NULL")
        for row in db.rows(sql):
            *key, value = row
            yield Problem(f"{table} row names {parent[:-1].replace('_', ' ')} {quote(value)}, "
                          "which does not exist",
                          pointer=pointer(table, *key, column),
                          hint=f"Delete the orphaned {table} rows, or restore the {parent[:-1]}.")


@rule("TDB111", "row-value-invalid", scope=TrackingDatabase, severity=ERROR)
def value_invalid(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Values MLflow's readers reject: a run `status` outside RunStatus, a model version
    `status` outside ModelVersionStatus, a logged model `status` outside 0–3, and a
    `lifecycle_stage` (runs, experiments, logged models) other than `active`/`deleted`.

    Why: MLflow's CHECK constraints keep most of these out, but restored dumps, older tools
    and hand edits get around them. Then `search_logged_models` raises (`Unknown model status`)
    and the tracking server fails to serialise the run or version (`Could not get run status
    corresponding to string …`), so the UI and REST clients lose the whole search page; a NULL
    or unknown `lifecycle_stage` hides the row from every search.
    Fix: set the value to one MLflow knows (after a backup), or delete the row.
    """
    tables = db.tables()
    checks: list[tuple[str, tuple[str, ...], str, tuple[object, ...]]] = [
        ("runs", ("run_uuid",), "status", RUN_STATUSES),
        ("runs", ("run_uuid",), "lifecycle_stage", LIFECYCLE),
        ("experiments", ("experiment_id",), "lifecycle_stage", LIFECYCLE),
        ("model_versions", ("name", "version"), "status", VERSION_STATUSES),
        ("logged_models", ("model_id",), "status", LOGGED_MODEL_STATUSES),
        ("logged_models", ("model_id",), "lifecycle_stage", LIFECYCLE),
    ]
    for table, keys, column, allowed in checks:
        if table not in tables:
            continue
        marks = ", ".join("?" for _ in allowed)
        sql = (f"SELECT {', '.join(keys)}, {column} FROM {table} "
               f"WHERE {column} IS NULL OR {column} NOT IN ({marks})")
        for row in db.rows(sql, *allowed):
            *key, value = row
            shown = "NULL" if value is None else quote(value)
            yield Problem(f"{table}.{column} is {shown}; MLflow accepts "
                          f"{', '.join(str(a) for a in allowed)}",
                          pointer=pointer(table, *key, column))


@rule("TDB102", "model-version-source-deleted", scope=TrackingDatabase, severity=WARNING)
def version_source_deleted(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A registered model version points at a run or (MLflow 3) logged model that is deleted or
    gone.

    Why: `mlflow gc` permanently deletes deleted runs and logged models with their artifacts.
    When the version's files are theirs (a logged model's, the source `models:/m-…` of MLflow 3;
    a run's artifacts in 2.x), the version stops loading at the next garbage collection
    (MLflow 3.17.2: "No such artifact"). A version whose MLflow 3 run alone is deleted keeps
    loading after `mlflow gc`, but loses its lineage (the run page, metrics, params).
    Fix: restore the run (`mlflow.restore_run`), or copy the model elsewhere and register that
    copy before the next `mlflow gc` (MLflow has no API to restore a deleted logged model).
    """
    tables = db.tables()
    if "model_versions" not in tables or "runs" not in tables:
        return
    sql = ("SELECT v.name, v.version, v.run_id, r.lifecycle_stage FROM model_versions v "
           "LEFT JOIN runs r ON r.run_uuid = v.run_id "
           "WHERE v.run_id IS NOT NULL AND v.run_id != '' "
           "AND (r.run_uuid IS NULL OR r.lifecycle_stage = 'deleted')")
    for name, version, run_id, stage in db.rows(sql):
        state = "does not exist" if stage is None else "is deleted"
        yield Problem(f"model version {quote(name)} v{version}: run {quote(run_id)} {state}",
                      pointer=pointer("model_versions", name, version, "run_id"))
    if "logged_models" not in tables:
        return
    sql = ("SELECT v.name, v.version, v.source, m.lifecycle_stage FROM model_versions v "
           "LEFT JOIN logged_models m ON m.model_id = substr(v.source, 9) "
           "WHERE v.source LIKE 'models:/m-%' AND (m.model_id IS NULL OR m.lifecycle_stage = 'deleted')")
    for name, version, source, stage in db.rows(sql):
        state = "does not exist" if stage is None else "is deleted"
        yield Problem(f"model version {quote(name)} v{version}: logged model {quote(source)} {state}",
                      pointer=pointer("model_versions", name, version, "source"))


@rule("TDB103", "alias-version-missing", scope=TrackingDatabase, severity=ERROR)
def alias_missing(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A registered model alias must name an existing version of its model.

    Why: `models:/<name>@<alias>` resolves the alias to that version; a missing one makes
    every load through the alias fail (`RESOURCE_DOES_NOT_EXIST`).
    Fix: point the alias at an existing version (`set_registered_model_alias`) or delete it.
    """
    tables = db.tables()
    if "registered_model_aliases" not in tables or "model_versions" not in tables:
        return
    sql = ("SELECT a.name, a.alias, a.version FROM registered_model_aliases a "
           "LEFT JOIN model_versions v ON v.name = a.name AND v.version = a.version"
           f"{_same_workspace(db, 'registered_model_aliases', 'model_versions', 'a', 'v')} "
           "WHERE v.version IS NULL")
    for name, alias, version in db.rows(sql):
        yield Problem(f"alias {quote(alias)} of {quote(name)} names version {version}, "
                      "which does not exist",
                      pointer=pointer("registered_model_aliases", name, alias, "version"),
                      hint="Point the alias at an existing version, or delete it.")
