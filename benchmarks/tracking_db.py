#!/usr/bin/env python
"""Benchmark: `mlint check` on a large SQLite tracking deployment vs MLflow's client listing it.

    .venv/bin/python benchmarks/tracking_db.py [--runs 100000] [--metrics-per-run 10]
        [--versions 10000] [--history-sample 2000] [--out /tmp/mlint-bench-db]

The deployment starts from the one real MLflow 3.17.2 wrote (tests/data/trackingdb/3.17.2):
its rows are cloned with SQL (fresh run and model ids, same shapes), and its model folder is
copied once per logged model, so every version has a real model folder to lint. Then, in one
process run, it times:

* (m) `mlint check --no-cache <deployment>` (a subprocess; its defaults, `--jobs` = cores);
* (f) MLflow 3.17.2's client listing the same entities: `search_runs` over every run (pages of
  50,000, metrics/params/tags included), `search_model_versions` over every version, and
  `get_metric_history` for `--history-sample` runs, scaled linearly to all runs (one call per
  run takes minutes at 100k runs; the sample's per-call time is printed).

and prints both and their ratio f/m. `--db-only` times instead each TDB rule on the database unit
alone (the database side of the check, without linting the model folders), in this process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "tests" / "data" / "trackingdb" / "3.17.2" / "client"
RECORDED = "/tmp/mlint-gen-db/3.17.2/client/mlruns"


def clone(conn: sqlite3.Connection, table: str, where: str, changes: dict[str, object],
          args: tuple[object, ...] = ()) -> None:
    """Insert a copy of the rows of `table` matching `where`, with `changes` applied."""
    columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    selected = ", ".join("?" if c in changes else c for c in columns)
    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {selected} FROM {table} "
                 f"WHERE {where}", [*(changes[c] for c in columns if c in changes), *args])


def generate(out: Path, runs: int, metrics_per_run: int, versions: int) -> Path:
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(TEMPLATE, out)
    conn = sqlite3.connect(out / "mlflow.db")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    (run0,) = conn.execute("SELECT run_uuid FROM runs").fetchone()
    (model0,) = conn.execute("SELECT model_id FROM logged_models").fetchone()
    model_folder = next((out / "mlruns" / "1" / "models").iterdir())
    with conn:
        for i in range(1, runs):
            run = uuid.uuid4().hex
            clone(conn, "runs", "run_uuid = ?", {
                "run_uuid": run, "name": f"run-{i}",
                "artifact_uri": f"{RECORDED}/1/{run}/artifacts"}, (run0,))
            for table in ("params", "tags", "latest_metrics"):
                clone(conn, table, "run_uuid = ?", {"run_uuid": run}, (run0,))
        # metrics: `metrics_per_run` steps of `accuracy` per run, in one statement per step.
        conn.execute("DELETE FROM metrics")
        for step in range(metrics_per_run):
            conn.execute("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
                         "SELECT 'accuracy', 0.5, start_time + ?, run_uuid, ?, 0 FROM runs",
                         (step, step))
        run_ids = [r for (r,) in conn.execute("SELECT run_uuid FROM runs LIMIT ?", (versions,))]
        names = max(1, versions // 100)
        for n in range(1, names):
            clone(conn, "registered_models", "name = 'demo-model'", {"name": f"demo-model-{n}"})
        for i in range(versions):
            run = run_ids[i % len(run_ids)]
            model = model0 if i == 0 else f"m-{uuid.uuid4().hex}"
            location = f"{RECORDED}/1/models/{model}/artifacts"
            if i:
                clone(conn, "logged_models", "model_id = ?", {
                    "model_id": model, "source_run_id": run, "artifact_location": location}, (model0,))
                clone(conn, "model_versions", "name = 'demo-model' AND version = 1", {
                    "name": f"demo-model-{i % names}" if i % names else "demo-model",
                    "version": i // names + 1, "run_id": run, "source": f"models:/{model}",
                    "storage_location": location})
                target = out / "mlruns" / "1" / "models" / model
                shutil.copytree(model_folder, target)
                mlmodel = target / "artifacts" / "MLmodel"
                mlmodel.write_text(mlmodel.read_text().replace(model0, model).replace(
                    run0, run))
    conn.close()
    return out


def time_mlint(folder: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "mlint"), "check", "--no-cache",
                           "--isolated", "-q", "--format", "concise", str(folder)],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"mlint failed: {done.stderr}")
    print(f"mlint findings: {len(done.stdout.splitlines())}")
    return elapsed


def time_db_rules(folder: Path) -> float:
    """Each TDB rule on the database unit, in this process: the database side of a check (rows
    and the artifact-root lookups the rules make), without the model folders' own linting."""
    from mlint.core.registry import load_registry
    from mlint.discovery.units import Context
    from mlint.reading.filecache import FileCache
    from mlint.trackingdb.database import TrackingDatabase

    registry = load_registry()
    unit = TrackingDatabase(folder / "mlflow.db", Context(folder, folder, FileCache()))
    total = 0.0
    for meta in registry:
        if not meta.code.startswith("TDB") or meta.func is None:
            continue
        start = time.perf_counter()
        found = sum(1 for _ in meta.func(unit, {}))
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"  {meta.code}: {elapsed:6.2f} s ({found} findings)")
    unit.close()
    return total


def time_mlflow(folder: Path, sample: int) -> tuple[float, float, float, float]:
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    client = MlflowClient()
    start = time.perf_counter()
    runs, token = 0, None
    while True:
        page = client.search_runs(["0", "1"], max_results=50000, page_token=token)
        runs += len(page)
        token = page.token
        if not token:
            break
    t_runs = time.perf_counter() - start
    start = time.perf_counter()
    versions, token = 0, None
    while True:
        vpage = client.search_model_versions(max_results=10000, page_token=token)
        versions += len(vpage)
        token = vpage.token
        if not token:
            break
    t_versions = time.perf_counter() - start
    ids = [r for (r,) in sqlite3.connect(f"file:{folder / 'mlflow.db'}?mode=ro", uri=True).execute(
        "SELECT run_uuid FROM runs LIMIT ?", (sample,))]
    start = time.perf_counter()
    for run in ids:
        client.get_metric_history(run, "accuracy")
    per_call = (time.perf_counter() - start) / max(1, len(ids))
    print(f"MLflow listed {runs} runs, {versions} versions; get_metric_history "
          f"{per_call * 1000:.2f} ms/call over {len(ids)} runs")
    return t_runs, t_versions, per_call * runs, t_runs + t_versions + per_call * runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--metrics-per-run", type=int, default=10)
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--history-sample", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/mlint-bench-db"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing deployment")
    parser.add_argument("--db-only", action="store_true", help="time the TDB rules alone")
    args = parser.parse_args()
    if not (args.reuse and (args.out / "mlflow.db").exists()):
        start = time.perf_counter()
        generate(args.out, args.runs, args.metrics_per_run, args.versions)
        print(f"generated in {time.perf_counter() - start:.1f} s: {args.out}")
    db = args.out / "mlflow.db"
    size = os.path.getsize(db)
    print(f"database {size / 1e6:.1f} MB")
    if args.db_only:
        print(f"TDB rules on the database unit: {time_db_rules(args.out):.2f} s")
        return 0
    m = time_mlint(args.out)
    print(f"(m) mlint check --no-cache: {m:.2f} s")
    t_runs, t_versions, t_history, f = time_mlflow(args.out, args.history_sample)
    print(f"(f) MLflow: search_runs {t_runs:.2f} s + search_model_versions {t_versions:.2f} s "
          f"+ get_metric_history (scaled) {t_history:.2f} s = {f:.2f} s")
    print(f"f/m = {f / m:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
