"""TDB120/TDB121 against what real MLflow 3.17.2 does: `delete_run` leaves the artifacts (TDB121),
`mlflow gc` removes them with the rows (and leaves an empty run folder, which is no finding),
and never touches a folder the database does not list (TDB120)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.trackingdb.conftest import deployment, findings

# Into a copy of the 3.17.2 fixture (already migrated: MLflow's migrations take 10 s on SQLite),
# in a new experiment whose artifacts go to the copy's ./mlruns.
WRITE = '''
import json, mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
mlflow.set_experiment("gc-demo")
ids = []
for _ in range(3):
    with mlflow.start_run() as run:
        mlflow.log_text("hello", "notes/a.txt")
        ids.append(run.info.run_id)
client = mlflow.MlflowClient()
client.delete_run(ids[0])
client.delete_run(ids[1])
print(json.dumps(ids))
'''


def _mlflow(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1",
               MLFLOW_TRACKING_URI="sqlite:///mlflow.db")
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_deleted_runs_then_mlflow_gc(tmp_path: Path) -> None:
    folder = deployment("3.17.2", tmp_path)
    done = _mlflow(folder, "-c", WRITE)
    assert done.returncode == 0, done.stderr[-3000:]
    kept_deleted, emptied, active = json.loads(done.stdout.strip().splitlines()[-1])
    db = folder / "mlflow.db"
    runs = folder / "mlruns" / "2"
    assert runs.is_dir()
    # Deleting only marks the rows: both deleted runs' artifacts are still there.
    assert [(c, p) for c, p, _ in findings(db)] == sorted(
        ("TDB121", f"/runs/{run}/lifecycle_stage") for run in (kept_deleted, emptied))

    # Artifacts of a deleted run removed by hand, and a folder no row owns.
    import shutil

    shutil.rmtree(runs / emptied / "artifacts")
    stray = runs / ("e" * 32) / "artifacts"
    stray.mkdir(parents=True)
    (stray / "weights.bin").write_bytes(b"x" * 10)
    assert [(c, p) for c, p, _ in findings(db)] == [
        ("TDB120", ""), ("TDB121", f"/runs/{kept_deleted}/lifecycle_stage")]

    # `mlflow gc` (3.17.2 wants a tracking URI besides --backend-store-uri) succeeds although
    # one run's artifacts were already gone, deletes both rows and the remaining artifacts,
    # and leaves the stray folder alone.
    gc = _mlflow(folder, "-m", "mlflow", "gc", "--backend-store-uri", "sqlite:///mlflow.db")
    assert gc.returncode == 0, gc.stderr[-3000:]
    assert sorted(p.name for p in runs.iterdir()) == sorted([kept_deleted, emptied, active, "e" * 32])
    assert not any(p.is_file() for p in (runs / kept_deleted).rglob("*"))  # an empty folder is left
    assert (stray / "weights.bin").exists()
    assert [(c, m) for c, _, m in findings(db)] == [
        ("TDB120", f"run folder '{'e' * 32}' is not in the database (10 bytes)")]
