#!/usr/bin/env python
"""Write tracking deployments (a SQLite tracking database + its artifact root) with *real* MLflow.

Usage (from the repository root):

    .venv/bin/python tests/data/generate_tracking_db_fixtures.py            # MLflow in this venv
    /tmp/mlflow2/bin/python tests/data/generate_tracking_db_fixtures.py     # a 2.x scratch venv

The 2.x fixture comes from a scratch venv: `python -m venv /tmp/mlflow2 && /tmp/mlflow2/bin/pip
install "mlflow==2.22.*" scikit-learn "sqlalchemy<2.1"` (2.22 imports a pool class that
SQLAlchemy 2.1 removed).

The output lands in ``tests/data/trackingdb/<mlflow-version>/``:

    client/mlflow.db, client/mlruns/…   MLflow's default layout since 3.6: the client writes the
                                        artifacts itself (tracking URI ``sqlite:///mlflow.db``,
                                        artifact root ``./mlruns`` next to it)
    server/mlflow.db, server/mlartifacts/…   (3.x only) ``mlflow server --backend-store-uri
                                        sqlite:///mlflow.db`` on 127.0.0.1 with its defaults; the
                                        client logs over HTTP, the database records
                                        ``mlflow-artifacts:/…`` URIs, the server stores the
                                        files in ``./mlartifacts``
    GENERATE_LOG.json                   versions, alembic revision, ids

What the project does, as a new user would: ``mlflow.set_experiment("demo")``, one run with a
param, a metric and a tag, ``mlflow.sklearn.log_model(..., input_example=...,
registered_model_name="demo-model")``.

Path normalisation
------------------
MLflow records absolute artifact locations in the database (``experiments.artifact_location``,
``runs.artifact_uri``, ``logged_models.artifact_location``, ``model_versions.source`` and
``storage_location``). The generator runs with cwd ``/tmp/mlint-gen-db/<ver>/client`` (wiped
first), so every recorded location starts with ``/tmp/mlint-gen-db/<ver>/client/mlruns`` (or the
``file://`` form of it) on every machine. To check a fixture where it lies, map that prefix to the
checked-in folder: ``mlint check --artifact-root tests/data/trackingdb/<ver>/client/mlruns
tests/data/trackingdb/<ver>/client`` (the artifact-root option maps the recorded root, whatever
machine wrote it, onto the given folder). The child also runs with ``USER=LOGNAME=mlint-gen`` and
from a copy of this script outside any git checkout, so no user name or git tags of the machine
that generated it are recorded. Ids and timestamps stay real.

The database is VACUUMed with 1 KiB pages by sqlite3 after MLflow exits (smaller file; same rows), and no
``-journal``/``-wal`` is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

GEN_BASE = Path("/tmp/mlint-gen-db")
HERE = Path(__file__).resolve().parent

CHILD = r'''
import json, os, sys, warnings
warnings.filterwarnings("ignore")
import mlflow, numpy as np, sklearn
from sklearn.linear_model import LogisticRegression

out = {"mlflow": mlflow.__version__, "sklearn": sklearn.__version__, "numpy": np.__version__}
mlflow.set_tracking_uri(os.environ.get("TRACKING_URI", "sqlite:///mlflow.db"))
mlflow.set_experiment("demo")
X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])
y = np.array([0, 1, 0, 1])
model = LogisticRegression(max_iter=50).fit(X, y)
with mlflow.start_run(run_name="train") as run:
    mlflow.log_param("C", 1.0)
    mlflow.log_metric("accuracy", 1.0)
    mlflow.set_tag("owner", "mlint")
    kwargs = {"input_example": X[:2], "registered_model_name": "demo-model"}
    if int(mlflow.__version__.split(".")[0]) >= 3:
        kwargs["name"] = "model"
    else:
        kwargs["artifact_path"] = "model"
    info = mlflow.sklearn.log_model(model, **kwargs)
out["run_id"] = run.info.run_id
out["model_uri"] = info.model_uri
out["model_id"] = getattr(info, "model_id", None)
print(json.dumps(out))
'''


def write(work: Path) -> dict[str, object]:
    """Run the project with the current interpreter's MLflow in `work` (wiped first); return the
    generation log. The database is vacuumed afterwards (no -journal/-wal left)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    script = GEN_BASE / "_child.py"
    script.write_text(CHILD)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(USER="mlint-gen", LOGNAME="mlint-gen", GIT_DIR="/nonexistent",
               MLFLOW_ENABLE_ASYNC_LOGGING="false")
    done = subprocess.run([sys.executable, str(script)], cwd=work, env=env, check=True,
                          capture_output=True, text=True)
    log: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    db = work / "mlflow.db"
    with sqlite3.connect(db) as conn:
        log["alembic_revision"] = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA page_size = 1024")  # ~70 mostly empty tables: 4 KiB pages waste most
    conn.execute("VACUUM")
    conn.close()
    return log


def write_server(work: Path) -> dict[str, object]:
    """The same project logged through `mlflow server` (127.0.0.1, a free port) started in
    `work`; the server is stopped (its process group) before returning."""
    import signal
    import socket
    import time
    import urllib.request

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(USER="mlint-gen", LOGNAME="mlint-gen")
    mlflow_cli = Path(sys.executable).parent / "mlflow"
    server = subprocess.Popen([str(mlflow_cli), "server", "--backend-store-uri", "sqlite:///mlflow.db",
                               "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                              cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        client_cwd = GEN_BASE / "_client"
        shutil.rmtree(client_cwd, ignore_errors=True)
        client_cwd.mkdir(parents=True)
        script = GEN_BASE / "_child.py"
        script.write_text(CHILD)
        done = subprocess.run([sys.executable, str(script)], cwd=client_cwd, check=True,
                              env={**env, "TRACKING_URI": f"http://127.0.0.1:{port}",
                                   "GIT_DIR": "/nonexistent"},
                              capture_output=True, text=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    log: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    db = work / "mlflow.db"
    conn = sqlite3.connect(db)
    log["alembic_revision"] = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    conn.execute("PRAGMA page_size = 1024")
    conn.execute("VACUUM")
    conn.close()
    for sidecar in ("mlflow.db-wal", "mlflow.db-shm", "mlflow.db-journal"):
        (work / sidecar).unlink(missing_ok=True)
    return log


def main() -> int:
    # Not `import mlflow`: tests/data/mlflow/ (fixtures) would shadow the package here.
    from importlib.metadata import version as dist_version

    version = dist_version("mlflow")
    work = GEN_BASE / version / "client"
    log = write(work)
    target = HERE / "trackingdb" / version
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(work, target / "client")
    if int(version.split(".")[0]) >= 3:
        work = GEN_BASE / version / "server"
        log["server"] = write_server(work)
        shutil.copytree(work, target / "server")
    (target / "GENERATE_LOG.json").write_text(json.dumps(log, indent=2, sort_keys=True) + "\n")
    print(json.dumps(log, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
