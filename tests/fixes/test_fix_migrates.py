"""`mlint check --select @migration --fix` makes real MLflow-written trees migrate, losslessly.

With real MLflow 3.17.2: every tree written by real MLflow in tests/data/mlflow (1.x to 3.17.2);
those written by MLflow 3 make `mlflow migrate-filestore` abort as written (log_model's duplicate
metric lines). After the fix all migrate, the database holds every experiment, run, distinct
metric point, param, tag, input, logged model, model version and alias of the tree, and
MLflow's own file-store reader
returns the same runs, and the same metric histories minus the repeated points, before and
after. An experiment left `active` in .trash/ comes back active unless the unsafe fix (RUN101,
RUN107) marks it deleted. One subprocess migrates all trees, one reads them all (importing
mlflow takes seconds).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlint.cli import main
from tests.fixes.conftest import copy_tree
from tests.migration.test_migration_oracle import _mlflow_importable, lost

# Every real-MLflow tree of tests/data/mlflow; the 3.x ones abort as written.
VERSIONS = ("1.x", "2.9.2", "2.22.0", "3.1.0", "3.17.2", "fidelity-3.17.2")
ABORTING = ("3.1.0", "3.17.2")
HERE = Path(__file__).resolve().parent
DRIVER = HERE.parent / "migration" / "driver.py"
ENV = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}


def _distinct_points(mlruns: Path, models: bool) -> int:
    """Distinct metric lines per file, over every run (or logged model) of the tree."""
    total = 0
    for path in mlruns.rglob("*"):
        parts = path.relative_to(mlruns).parts
        if not path.is_file() or "metrics" not in parts or "artifacts" in parts:
            continue
        if ("models" in parts[: parts.index("metrics")]) == models:
            total += len({line for line in path.read_bytes().splitlines() if line.strip()})
    return total


def _migrate(trees: list[Path], work: Path) -> dict[str, dict[str, Any]]:
    jobs = [{"source": str(t.parent), "target": str(t.parent / "out.db")} for t in trees]
    (work / "jobs.json").write_text(json.dumps(jobs))
    done = subprocess.run([sys.executable, str(DRIVER), str(work / "jobs.json")], capture_output=True,
                          text=True, env=ENV, timeout=300, cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    return {r["source"]: r for r in json.loads(done.stdout.strip().splitlines()[-1])}


def _read(trees: list[Path], work: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(HERE / "reader.py"), *map(str, trees)],
                          capture_output=True, text=True, env=ENV, timeout=300, cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not _mlflow_importable(), reason="mlflow is not importable by this interpreter")
def test_fixed_trees_migrate_without_loss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = {v: copy_tree(v, tmp_path / f"raw-{v}") for v in VERSIONS}
    fixed = {}
    for version, tree in raw.items():
        fixed[version] = tmp_path / f"fixed-{version}" / "mlruns"
        shutil.copytree(tree, fixed[version], symlinks=True)
        monkeypatch.chdir(fixed[version].parent)
        gate = main(["check", "--select", "@migration", "--no-cache", "-q", "mlruns"])
        assert gate == (1 if version in ABORTING else 0), version
        assert main(["check", "--select", "@migration", "--fix", "--no-cache", "-q", "mlruns"]) == 0
    # An experiment moved to .trash/ by hand stays `active` (as MLflow 1.x left deleted ones):
    # with the safe fixes only, the migration brings it back active; the unsafe fix marks it.
    trashed = {}
    for name, extra in (("safe-only", []), ("unsafe", ["--unsafe-fixes"])):
        tree = copy_tree("3.17.2", tmp_path / f"trashed-{name}")
        experiment = next(e for e in tree.iterdir() if e.name.isdigit() and e.name != "0")
        (tree / ".trash").mkdir(exist_ok=True)
        experiment.rename(tree / ".trash" / experiment.name)
        monkeypatch.chdir(tree.parent)
        main(["check", "--select", "@migration,RUN101,RUN107", "--fix", *extra, "--no-cache", "-q", "mlruns"])
        trashed[name] = (tree, experiment.name)
    monkeypatch.chdir(tmp_path)

    results = _migrate([*raw.values(), *fixed.values(), *(t for t, _ in trashed.values())], tmp_path)
    for name, (tree, experiment_id) in trashed.items():
        assert results[str(tree.parent)]["ok"], results[str(tree.parent)]["error"]
        assert lost(tree, tree.parent / "out.db") == []
        with sqlite3.connect(tree.parent / "out.db") as conn:
            experiment = conn.execute("SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?",
                                      (experiment_id,)).fetchone()[0]
            runs = {row[0] for row in conn.execute(
                "SELECT lifecycle_stage FROM runs WHERE experiment_id = ?", (experiment_id,))}
        if name == "safe-only":
            assert experiment == "active" and "active" in runs
        else:
            assert experiment == "deleted" and runs == {"deleted"}

    readings = _read([*raw.values(), *fixed.values()], tmp_path)
    for version in VERSIONS:
        before, after = raw[version], fixed[version]
        if version in ABORTING:
            assert not results[str(before.parent)]["ok"], f"{version}: the raw tree migrated"
            assert "UNIQUE constraint failed" in results[str(before.parent)]["error"]
        else:
            assert results[str(before.parent)]["ok"], results[str(before.parent)]["error"]
        assert results[str(after.parent)]["ok"], results[str(after.parent)]["error"]
        db = after.parent / "out.db"
        assert lost(after, db) == []
        with sqlite3.connect(db) as conn:
            metrics = conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
            model_metrics = conn.execute("SELECT COUNT(*) FROM logged_model_metrics").fetchone()[0]
        assert metrics == _distinct_points(before, models=False) > 0
        assert model_metrics == _distinct_points(before, models=True)

        old, new = readings[str(before)], readings[str(after)]
        assert old.keys() == new.keys() and len(new) > 0
        repeated = 0
        for run_id, run in old.items():
            for key, history in run["history"].items():
                distinct = [list(p) for p in dict.fromkeys(tuple(p) for p in history)]
                repeated += len(history) - len(distinct)
                assert new[run_id]["history"][key] == distinct, (version, run_id, key)
            assert {k: v for k, v in run.items() if k != "history"} == \
                {k: v for k, v in new[run_id].items() if k != "history"}
        assert (repeated > 0) == (version in ABORTING), (version, repeated)
