"""TDB rules on deployments written by real MLflow, healthy and then broken one defect at a time."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.trackingdb.conftest import artifact_root, corrupt, findings


def codes(folder: Path) -> list[str]:
    return [code for code, _, _ in findings(folder / "mlflow.db")]


def test_healthy_deployments_give_no_finding(copy: Path) -> None:
    assert findings(copy / "mlflow.db") == []


def _version_location(folder: Path) -> Path:
    import sqlite3

    conn = sqlite3.connect(f"file:{folder / 'mlflow.db'}?mode=ro", uri=True)
    (location,) = conn.execute("SELECT storage_location FROM model_versions").fetchone()
    conn.close()
    if location.startswith("mlflow-artifacts:/"):
        return artifact_root(folder) / location.split(":/", 1)[1]
    return folder / "mlruns" / location.split("/mlruns/", 1)[1]


def test_version_artifacts_deleted(copy: Path) -> None:
    shutil.rmtree(_version_location(copy))
    found = findings(copy / "mlflow.db")
    assert ("TDB100", "/model_versions/demo-model/1/storage_location") in [f[:2] for f in found]
    assert any("does not exist" in f[2] for f in found if f[0] == "TDB100")


def test_version_folder_without_mlmodel(copy: Path) -> None:
    (_version_location(copy) / "MLmodel").unlink()
    found = [f for f in findings(copy / "mlflow.db") if f[0] == "TDB100"]
    assert len(found) == 1 and "has no MLmodel" in found[0][2]


def test_ready_logged_model_without_mlmodel(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make("3.17.2", tmp_path)
    (_version_location(folder) / "MLmodel").unlink()
    pointers = [p for c, p, _ in findings(folder / "mlflow.db") if c == "TDB101"]
    assert len(pointers) == 1 and pointers[0].startswith("/logged_models/m-")


def test_artifact_root_maps_a_moved_deployment(copy: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    shutil.move(artifact_root(copy), moved)
    assert "TDB100" in codes(copy)  # not beside the database any more
    assert findings(copy / "mlflow.db", artifact_root=moved) == []


def test_version_of_a_deleted_run(copy: Path) -> None:
    corrupt(copy, "UPDATE runs SET lifecycle_stage = 'deleted'")
    found = [f for f in findings(copy / "mlflow.db") if f[0] == "TDB102"]
    assert [p for _, p, _ in found] == ["/model_versions/demo-model/1/run_id"]
    assert "is deleted" in found[0][2]


def test_version_of_a_deleted_logged_model(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make("3.17.2", tmp_path)
    corrupt(folder, "UPDATE logged_models SET lifecycle_stage = 'deleted'")
    found = [p for c, p, _ in findings(folder / "mlflow.db") if c == "TDB102"]
    assert found == ["/model_versions/demo-model/1/source"]


def test_alias_naming_a_missing_version(copy: Path) -> None:
    corrupt(copy, "INSERT INTO registered_model_aliases (name, alias, version) "
                  "VALUES ('demo-model', 'champion', 7)")
    assert ("TDB103", "/registered_model_aliases/demo-model/champion/version") in [
        f[:2] for f in findings(copy / "mlflow.db")]


def test_rows_of_missing_parents(copy: Path) -> None:
    corrupt(copy, "DELETE FROM runs", "DELETE FROM registered_models")
    found = [p for c, p, _ in findings(copy / "mlflow.db") if c == "TDB110"]
    tables = {p.split("/")[1] for p in found}
    assert {"metrics", "latest_metrics", "params", "tags", "model_versions"} <= tables
    assert "/model_versions/demo-model/1/name" in found


def test_run_of_a_missing_experiment(copy: Path) -> None:
    corrupt(copy, "DELETE FROM experiments WHERE name = 'demo'")
    found = [p for c, p, _ in findings(copy / "mlflow.db") if c == "TDB110"]
    assert any(p.startswith("/runs/") and p.endswith("/experiment_id") for p in found)


@pytest.mark.parametrize(("sql", "column"), [
    ("UPDATE runs SET status = 'DONE'", "status"),
    ("UPDATE runs SET lifecycle_stage = NULL", "lifecycle_stage"),
    ("UPDATE model_versions SET status = 'OK'", "status"),
    ("UPDATE experiments SET lifecycle_stage = 'archived' WHERE name = 'demo'", "lifecycle_stage"),
])
def test_values_mlflow_rejects(copy: Path, sql: str, column: str) -> None:
    corrupt(copy, sql)
    found = [p for c, p, _ in findings(copy / "mlflow.db") if c == "TDB111"]
    assert len(found) == 1 and found[0].endswith("/" + column)


def test_unknown_schema_revision(copy: Path) -> None:
    corrupt(copy, "UPDATE alembic_version SET version_num = 'ffffffffffff'")
    assert codes(copy) == ["TDB002"]


def test_wal_beside_the_database_is_not_read(copy: Path) -> None:
    (copy / "mlflow.db-wal").write_bytes(b"")
    assert codes(copy) == ["TDB001"]


def test_logged_model_status_mlflow_cannot_read(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make("3.17.2", tmp_path)
    corrupt(folder, "UPDATE logged_models SET status = 9")
    found = [p for c, p, _ in findings(folder / "mlflow.db") if c == "TDB111"]
    assert len(found) == 1 and found[0].startswith("/logged_models/m-") and found[0].endswith("/status")


def test_orphaned_artifact_folders(copy: Path) -> None:
    stray = artifact_root(copy) / "1" / ("f" * 32) / "artifacts"
    stray.mkdir(parents=True)
    (stray / "weights.bin").write_bytes(b"x" * 1234)
    (artifact_root(copy) / "42" / "notes").mkdir(parents=True)
    (artifact_root(copy) / "42" / "notes" / "a.txt").write_text("hello")
    (artifact_root(copy) / "43").mkdir()  # empty: not reported (`mlflow gc` leaves such folders)
    found = [(p, m) for c, p, m in findings(copy / "mlflow.db") if c == "TDB120"]
    assert len(found) == 2
    assert any("run folder" in m and "1234 bytes" in m for _, m in found)
    assert any("experiment folder '42'" in m for _, m in found)


def test_artifacts_of_a_deleted_run_are_reported_with_their_size(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make("2.22.5", tmp_path)  # 2.x keeps the model inside the run's artifacts
    corrupt(folder, "UPDATE runs SET lifecycle_stage = 'deleted'")
    found = [(p, m) for c, p, m in findings(folder / "mlflow.db") if c == "TDB121"]
    assert len(found) == 1
    assert found[0][0].startswith("/runs/") and found[0][0].endswith("/lifecycle_stage")
    assert re.search(r"\((?!0 )\d+ bytes\)", found[0][1])


def test_version_mlmodel_of_another_run(copy: Path) -> None:
    corrupt(copy, "UPDATE model_versions SET run_id = '" + "a" * 32 + "'")
    found = [p for c, p, _ in findings(copy / "mlflow.db") if c == "TDB104"]
    assert found == ["/model_versions/demo-model/1/run_id"]


def test_version_mlmodel_of_another_logged_model(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make("3.17.2", tmp_path)
    corrupt(folder, "UPDATE model_versions SET source = 'models:/m-" + "b" * 32 + "'")
    found = [p for c, p, _ in findings(folder / "mlflow.db") if c in ("TDB104", "TDB102")]
    assert found == ["/model_versions/demo-model/1/source"] * 2


def test_damaged_database_is_a_finding_not_a_crash(copy: Path) -> None:
    import mlint

    db = copy / "mlflow.db"
    data = bytearray(db.read_bytes())
    page = 1024 if data[16:18] == b"\x04\x00" else int.from_bytes(data[16:18], "big")
    for offset in range(3 * page, min(len(data), 9 * page), 7):  # scribble over some pages
        data[offset] = 0xA5
    db.write_bytes(bytes(data))
    report = mlint.run([copy], config=mlint.Config())
    codes = {d.code for d in report.diagnostics}
    assert "TDB001" in codes and "MLT900" not in codes
    assert not report.internal_error


def test_values_longer_than_the_server_schema_allows(copy: Path) -> None:
    # params.value is VARCHAR(8000) in 3.x (500 in older schemas); a tool writing SQLite directly
    # is not held to it.
    corrupt(copy, "UPDATE params SET value = printf('%.9000c', 'x')",
            "UPDATE tags SET key = printf('%.300c', 'k') WHERE key = 'owner'")
    found = [(p, m) for c, p, m in findings(copy / "mlflow.db") if c == "TDB130"]
    pointers = sorted(p for p, _ in found)
    assert len(found) == 2, found
    assert pointers[0].startswith("/params/") and pointers[0].endswith("/value")
    assert pointers[1].startswith("/tags/") and pointers[1].endswith("/key")
    assert any("9000 characters" in m for _, m in found)


@pytest.mark.parametrize(("statement", "expected"), [
    # MLflow 3's registry keys are (workspace, name): a row of workspace `team-b` belongs to
    # team-b's model, even when the default workspace has one of the same name.
    ("INSERT INTO registered_model_aliases (workspace, name, alias, version) "
     "VALUES ('team-b', 'demo-model', 'champion', 1)",
     ("TDB103", "/registered_model_aliases/demo-model/champion/version")),
    ("INSERT INTO registered_model_tags (workspace, key, value, name) "
     "VALUES ('team-b', 'owner', 'x', 'demo-model')",
     ("TDB110", "/registered_model_tags/demo-model/owner/name")),
])
def test_registry_rows_belong_to_their_own_workspace(make, tmp_path: Path, statement: str,  # type: ignore[no-untyped-def]
                                                     expected: tuple[str, str]) -> None:
    folder = make("3.17.2", tmp_path)
    corrupt(folder, statement)
    assert [f[:2] for f in findings(folder / "mlflow.db")] == [expected]
