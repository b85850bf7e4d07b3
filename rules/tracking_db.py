"""Tracking databases (TDB): the database itself, and the models its rows point at.

Findings name the database file and a JSON pointer to the row and column,
`/<table>/<row key…>/<column>` (e.g. `/model_versions/demo-model/1/storage_location`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.reading.quoting import quote
from mlint.trackingdb.database import MARKER_TABLES, TrackingDatabase
from mlint.trackingdb.schema import HEAD

READY = 2  # LoggedModelStatus.READY (mlflow/entities/logged_model_status.py)


def pointer(table: str, *parts: object) -> str:
    """A JSON pointer `/<table>/<part>/…`, each part escaped (`~0`, `~1`)."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join((table, *escaped))


@rule("TDB001", "tracking-db-unreadable", scope=TrackingDatabase, severity=ERROR)
def unreadable(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The tracking database cannot be read safely, so nothing (or not all) in it was checked.

    Why: mlint opens SQLite read-only and never writes beside it. A `-wal` or hot `-journal`
    file beside the database holds transactions only a writer can replay (a running or crashed
    MLflow); a damaged file (SQLite's `quick_check` fails) makes MLflow fail on whatever it
    reads from the damaged pages. A server database (PostgreSQL, MySQL) that refuses the
    connection, or the read of one of MLflow's tables, is reported the same way.
    Fix: stop the MLflow processes (or let them finish) so that SQLite checkpoints the log, or
    check a consistent copy (`sqlite3 mlflow.db ".backup copy.db"`); for a server, fix the URL,
    credentials or privileges (SELECT is all mlint needs).
    """
    why = db.unreadable()
    server = db.server_url is not None
    if why:
        yield Problem(f"tracking database not checked: {why}",
                      hint=("Check the URL, the network and the credentials." if server else
                            "Stop MLflow (or check a copy made with sqlite3 '.backup') and check again."))
        return
    missing = sorted(MARKER_TABLES - db.tables())
    if server and missing:
        # A SQLite file without them is not taken for a tracking database at all; a URL is.
        yield Problem(f"no MLflow tracking tables here (missing: {', '.join(missing)}): the URL "
                      "names another database or schema, or MLflow never initialised it",
                      hint="Check the database name (and the search_path / schema) in the URL.")
        return
    damage = db.damage()
    if damage and server:
        yield Problem(f"part of the database cannot be read ({quote(damage)}); checks of those "
                      "tables were skipped",
                      hint="Grant the checking role SELECT on MLflow's tables (and nothing more).")
    elif damage:
        yield Problem(f"the database file is damaged (SQLite quick_check: {quote(damage)}); "
                      "checks of the damaged tables were cut short",
                      hint="Restore it from a backup; `sqlite3 mlflow.db .recover` salvages rows.")


@rule("TDB002", "schema-revision-unknown", scope=TrackingDatabase, severity=WARNING)
def revision_unknown(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The database's schema revision (`alembic_version`) is not one MLflow 1.x–3.17 writes,
    so mlint checks it as best it can.

    Why: each MLflow release migrates the database to its own revision; an unknown one was
    written by a newer or patched MLflow (tables and columns may differ), and an empty
    `alembic_version` means an interrupted migration, which MLflow refuses to start on.
    Fix: upgrade mlint, or run `mlflow db upgrade <url>` with the MLflow that serves it (after
    a backup).
    """
    if db.connection() is None or "alembic_version" not in db.tables():
        return  # not readable, or not a tracking database (TDB001)
    revision = db.revision()
    if revision is None:
        yield Problem("alembic_version holds no revision (interrupted migration?)",
                      pointer="/alembic_version")
    elif db.writer() is None:
        yield Problem(f"schema revision {quote(revision)} is unknown (mlint knows MLflow's up to "
                      f"{HEAD}, MLflow 3.17); checked on a best-effort basis",
                      pointer="/alembic_version/version_num")


def _model_folder(db: TrackingDatabase, location: object) -> tuple[Path | None, str]:
    """The local model folder of a recorded location, and why it is not one ('' when it is)."""
    local = db.local(location)
    if local is None:
        return None, ""  # another store (s3://…, another disk): not checkable here
    if not db.present(local):
        return local, "does not exist"
    if not db.file_present(local / "MLmodel"):
        return local, "has no MLmodel"
    return local, ""


@rule("TDB100", "model-version-artifacts-missing", scope=TrackingDatabase, severity=ERROR)
def version_artifacts(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A registered model version's artifacts (its `storage_location`, or its `source` when it
    has none) must be a model folder with an `MLmodel` under the artifact root.

    Why: `mlflow.pyfunc.load_model("models:/<name>/<version>")` downloads exactly that folder;
    a missing one fails at deployment time, long after registration (artifacts deleted by
    hand, by `mlflow gc`, or never copied with the database).
    Fix: restore the artifacts at that location (with `--artifact-root` when the deployment
    was moved), or delete the version (`MlflowClient().delete_model_version`).
    """
    if "model_versions" not in db.tables():
        return
    has_storage = "storage_location" in db.columns("model_versions")
    column = "storage_location" if has_storage else "source"
    sql = (f"SELECT name, version, {column}, source FROM model_versions "
           "WHERE current_stage IS NULL OR current_stage != 'Deleted_Internal'")
    for name, version, location, source in db.rows(sql):
        where = column if location else "source"
        local, why = _model_folder(db, location or source)
        if why:
            yield Problem(f"model version {quote(name)} v{version}: {where} {quote(location or source)} "
                          f"{why} (looked at {quote(str(local))})",
                          pointer=pointer("model_versions", name, version, where),
                          hint="Restore the model folder, or delete the version.")


@rule("TDB101", "logged-model-artifacts-missing", scope=TrackingDatabase, severity=ERROR)
def logged_model_artifacts(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A logged model (MLflow 3) whose status is READY must have an `MLmodel` at its
    `artifact_location`.

    Why: READY is MLflow's promise that the model was uploaded completely; `load_model("models:/m-…")`
    opens that folder's MLmodel.
    Fix: restore the artifacts, or delete the logged model (`MlflowClient().delete_logged_model`).
    """
    if "logged_models" not in db.tables():
        return
    sql = ("SELECT model_id, artifact_location FROM logged_models "
           "WHERE status = ? AND lifecycle_stage = 'active'")
    for model_id, location in db.rows(sql, READY):
        local, why = _model_folder(db, location)
        if why:
            yield Problem(f"logged model {quote(model_id)} is READY but its artifact_location "
                          f"{quote(location)} {why} (looked at {quote(str(local))})",
                          pointer=pointer("logged_models", model_id, "artifact_location"),
                          hint="Restore the artifacts, or delete the logged model.")


@rule("TDB104", "model-version-mlmodel-mismatch", scope=TrackingDatabase, severity=ERROR)
def version_mlmodel(db: TrackingDatabase, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The `MLmodel` a registered model version points at must belong to it: its `run_id` must
    be the version's `run_id`, and (MLflow 3) its `model_id` the logged model of the version's
    `source` (`models:/m-…`).

    Why: a mismatch means the folder was overwritten or the rows were edited or restored from
    another deployment: the version serves a different model than the one its lineage (run,
    metrics, logged model) describes.
    Fix: restore the right model folder, or register the folder's own model as a new version.
    """
    if "model_versions" not in db.tables() or "storage_location" not in db.columns("model_versions"):
        return
    sql = ("SELECT name, version, storage_location, source, run_id FROM model_versions "
           "WHERE current_stage IS NULL OR current_stage != 'Deleted_Internal'")
    for name, version, location, source, run_id in db.rows(sql):
        local, why = _model_folder(db, location)
        if local is None or why:
            continue  # TDB100
        loaded = db.context.cache.get(local / "MLmodel", db.context.root, "yaml")
        data = getattr(loaded, "data", None)
        if not isinstance(data, dict):
            continue  # unreadable MLmodel: reported by the model folder's own checks (MLT)
        found_run, found_model = data.get("run_id"), data.get("model_id")
        if run_id and isinstance(found_run, str) and found_run != run_id:
            yield Problem(f"model version {quote(name)} v{version}: its MLmodel has run_id "
                          f"{quote(found_run)}, the version has {quote(run_id)}",
                          pointer=pointer("model_versions", name, version, "run_id"))
        if (isinstance(source, str) and source.startswith("models:/m-") and isinstance(found_model, str)
                and found_model != source[len("models:/"):]):
            yield Problem(f"model version {quote(name)} v{version}: its MLmodel has model_id "
                          f"{quote(found_model)}, the version's source is {quote(source)}",
                          pointer=pointer("model_versions", name, version, "source"))
