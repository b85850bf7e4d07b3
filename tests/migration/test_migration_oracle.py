"""The migration gate against the real `mlflow migrate-filestore`.

A tree written by real MLflow 3.17.2 (tests/data/mlflow/3.17.2) is deduplicated into a clean
tree, then corrupted once per condition. Every tree is migrated by MLflow's own code (one
subprocess for all, see driver.py) and checked by mlint's gate (`--select @migration`). The
outcome is "ok", "abort" (the migration raised) or "loss" (it succeeded, but the database holds
fewer experiments, runs, metrics, models, versions, aliases, datasets or links than the tree,
or runs whose experiment is missing). The gate must predict it: no gate error ↔ "ok".
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mlint import Config, run
from tests.conftest import DATA
from tests.rules.harness import _recreate_empty_dirs

SOURCE = DATA / "mlflow" / "3.17.2"
RESERVED = {"tags", "datasets", "traces", "models"}

pytestmark = pytest.mark.skipif(
    not (SOURCE / "mlruns").is_dir(), reason="real-MLflow fixture tree tests/data/mlflow/3.17.2 missing")


def _mlflow_importable() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import mlflow.store.fs2db"], capture_output=True)
    return probe.returncode == 0


# --- the tree, as the migration sees it ----------------------------------------------------
def _experiments(mlruns: Path) -> list[Path]:
    dirs = [d for d in sorted(mlruns.iterdir()) if d.is_dir() and d.name.isdigit()]
    trash = mlruns / ".trash"
    return dirs + ([d for d in sorted(trash.iterdir()) if d.is_dir()] if trash.is_dir() else [])


def _runs(exp: Path) -> list[Path]:
    return [d for d in sorted(exp.iterdir()) if d.is_dir() and d.name not in RESERVED]


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def _lines(folder: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in _files(folder))


def census(mlruns: Path) -> dict[str, int]:
    """What a loss-free migration must put into the database, counted from the folders."""
    exps = [e for e in mlruns.iterdir() if e.is_dir() and e.name not in (".trash", "models")]
    exps += list((mlruns / ".trash").iterdir()) if (mlruns / ".trash").is_dir() else []
    runs = [r for e in exps if e.is_dir() for r in _runs(e)]
    models = [m for e in exps for m in sorted((e / "models").glob("*")) if m.is_dir()]
    registry = [m for m in sorted((mlruns / "models").glob("*")) if m.is_dir()]
    return {
        "experiments": len(exps),
        "runs": len(runs),
        "metrics": sum(_lines(r / "metrics") for r in runs),
        "params": sum(len(_files(r / "params")) for r in runs),
        "tags": sum(len(_files(r / "tags")) for r in runs),
        "inputs": sum(len(list((r / "inputs").glob("*"))) for r in runs),
        "outputs": sum(len(list((r / "outputs").glob("*"))) for r in runs),
        "datasets": sum(len(list((e / "datasets").glob("*"))) for e in exps),
        "logged_models": len(models),
        "logged_model_metrics": sum(_lines(m / "metrics") for m in models),
        "registered_models": len(registry),
        "model_versions": sum(len(list(m.glob("version-*"))) for m in registry),
        "registered_model_aliases": sum(len(_files(m / "aliases")) for m in registry),
        "traces": sum(len(list((e / "traces").glob("*"))) for e in exps),
    }


QUERIES = {
    "experiments": "SELECT COUNT(*) FROM experiments",
    "runs": "SELECT COUNT(*) FROM runs",
    "metrics": "SELECT COUNT(*) FROM metrics",
    "params": "SELECT COUNT(*) FROM params",
    "tags": "SELECT COUNT(*) FROM tags",
    "inputs": "SELECT COUNT(*) FROM inputs WHERE source_type != 'RUN_OUTPUT'",
    "outputs": "SELECT COUNT(*) FROM inputs WHERE source_type = 'RUN_OUTPUT'",
    "datasets": "SELECT COUNT(*) FROM datasets",
    "logged_models": "SELECT COUNT(*) FROM logged_models",
    "logged_model_metrics": "SELECT COUNT(*) FROM logged_model_metrics",
    "registered_models": "SELECT COUNT(*) FROM registered_models",
    "model_versions": "SELECT COUNT(*) FROM model_versions",
    "registered_model_aliases": "SELECT COUNT(*) FROM registered_model_aliases",
    "traces": "SELECT COUNT(*) FROM trace_info",
    "orphan_runs": "SELECT COUNT(*) FROM runs WHERE experiment_id NOT IN "
                   "(SELECT experiment_id FROM experiments)",
}


def lost(mlruns: Path, db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        got = {k: conn.execute(q).fetchone()[0] for k, q in QUERIES.items()}
    want = census(mlruns)
    losses = [f"{k}: {got[k]} of {n}" for k, n in want.items() if got[k] < n]
    return losses + ([f"{got['orphan_runs']} orphaned run(s)"] if got["orphan_runs"] else [])


# --- corruptions ---------------------------------------------------------------------------
def _main_exp(t: Path) -> Path:
    return max((e for e in t.iterdir() if e.is_dir() and e.name.isdigit()), key=lambda e: len(_runs(e)))


def _run_with(t: Path, sub: str) -> Path:
    return next(r for e in _experiments(t) for r in _runs(e) if _files(r / sub))


def _model_with(t: Path, sub: str) -> Path:
    return next(m for e in _experiments(t) for m in sorted((e / "models").glob("m-*")) if _files(m / sub))


def _first(folder: Path, pattern: str = "*") -> Path:
    return sorted(p for p in folder.glob(pattern) if p.is_dir())[0]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _metric_file(t: Path) -> Path:
    return _files(_run_with(t, "metrics") / "metrics")[0]


def _registry(t: Path) -> Path:
    return _first(t / "models")


def _copy_run(t: Path) -> None:
    source = _run_with(t, "metrics")
    target = next(e for e in _experiments(t) if e != source.parent)
    shutil.copytree(source, target / source.name)


# A real MLflow 3.17.2 trace (`@mlflow.trace`), kept as the RUN122 good fixture.
TRACE_EXP = Path(__file__).resolve().parents[1] / "rules" / "RUN122" / "good" / "mlruns"


def _add_traces(t: Path) -> Path:
    source = next(p for p in TRACE_EXP.iterdir() if p.is_dir() and (p / "traces").is_dir())
    shutil.copytree(source, t / source.name)
    return _first(t / source.name / "traces")


CASES: dict[str, tuple[str, Callable[[Path], object]]] = {
    "clean": ("ok", lambda t: None),
    "run-meta-empty": ("loss", lambda t: (_run_with(t, "params") / "meta.yaml").write_text("")),
    "run-meta-missing": ("loss", lambda t: (_run_with(t, "params") / "meta.yaml").unlink()),
    "run-meta-list": ("abort", lambda t: (_run_with(t, "params") / "meta.yaml").write_text("- a\n")),
    "experiment-meta-missing": ("loss", lambda t: (_main_exp(t) / "meta.yaml").unlink()),
    "experiment-folder-not-int": ("loss", lambda t: _main_exp(t).rename(t / "exp-a")),
    "metric-garbage-line": ("abort", lambda t: _metric_file(t).write_text(
        _metric_file(t).read_text() + "oops\n")),
    "metric-blank-line": ("abort", lambda t: _metric_file(t).write_text(
        _metric_file(t).read_text() + "\n")),
    "metric-duplicate": ("abort", lambda t: _metric_file(t).write_text(
        _metric_file(t).read_text() * 2)),
    "run-status-null": ("abort", lambda t: _edit(_run_with(t, "params") / "meta.yaml",
                                                 "status: 3", "status: null")),
    "run-status-7": ("abort", lambda t: _edit(_run_with(t, "params") / "meta.yaml",
                                              "status: 3", "status: 7")),
    "run-lifecycle-bogus": ("abort", lambda t: _edit(_run_with(t, "params") / "meta.yaml",
                                                     "lifecycle_stage: active", "lifecycle_stage: gone")),
    "experiment-name-duplicate": ("abort", lambda t: _edit(t / "0" / "meta.yaml", "name: Default",
                                                           "name: " + _main_name(t))),
    "experiment-name-null": ("abort", lambda t: _edit(t / "0" / "meta.yaml", "name: Default", "name: null")),
    "run-copied-twice": ("abort", _copy_run),
    "param-not-utf8": ("abort", lambda t: _files(_run_with(t, "params") / "params")[0]
                       .write_bytes(b"\xff\xfe")),
    "logged-model-meta-empty": ("loss", lambda t: (_model_with(t, "metrics") / "meta.yaml").write_text("")),
    "logged-model-metric-5-fields": ("loss", lambda t: _files(_model_with(t, "metrics") / "metrics")[0]
                                     .write_text("1 2.0 0 abc extra\n")),
    "dataset-meta-missing": ("loss", lambda t: (_first(_main_exp(t) / "datasets") / "meta.yaml").unlink()),
    # SQLAlchemy leaves a null `step` to the column's server default: harmless, gate stays silent.
    "output-step-null": ("ok", lambda t: _edit(_first(_run_with(t, "outputs") / "outputs") / "meta.yaml",
                                                  "step: 0", "step: null")),
    "registry-version-key-missing": ("abort", lambda t: _edit(_first(_registry(t), "version-*") / "meta.yaml",
                                                             "\nversion: 1", "\nrevision: 1")),
    "registry-model-meta-empty": ("loss", lambda t: (_registry(t) / "meta.yaml").write_text("")),
    "registry-alias-not-int": ("loss", lambda t: _files(_registry(t) / "aliases")[0].write_text("champ")),
    "experiment-meta-list": ("abort", lambda t: (_main_exp(t) / "meta.yaml").write_text("- x\n")),
    "experiment-id-twice": ("abort", lambda t: shutil.copytree(t / "0", t / ".trash" / "00")),
    "run-no-id": ("loss", lambda t: _drop_line(_run_with(t, "params") / "meta.yaml", "run_id:")),
    "run-source-type-bogus": ("abort", lambda t: _edit(_run_with(t, "params") / "meta.yaml",
                                                       "source_type: 4", "source_type: CLI")),
    "run-metric-4-fields": ("ok", lambda t: _metric_file(t).write_text(
        _metric_file(t).read_text() + "1 2.0 3 extra\n")),
    "metric-inf-and-dbl-max": ("abort", lambda t: _metric_file(t).write_text(
        "5 inf 0\n5 1.7976931348623157e308 0\n")),
    "metric-nan-spellings": ("abort", lambda t: _metric_file(t).write_text("5 nan 0\n5 NaN 0\n")),
    "logged-model-name-null": ("abort", lambda t: _edit(_model_with(t, "metrics") / "meta.yaml",
                                                        "\nname: ", "\nname: null\nx_name: ")),
    "logged-model-status-null": ("abort", lambda t: _edit(_model_with(t, "metrics") / "meta.yaml",
                                                          "status: 2", "status: null")),
    "logged-model-metric-bad-number": ("abort", lambda t: _files(_model_with(t, "metrics") / "metrics")[0]
                                       .write_text("x 2.0 0 abc\n")),
    "logged-model-copied": ("abort", lambda t: shutil.copytree(
        _model_with(t, "metrics"), t / "0" / "models" / _model_with(t, "metrics").name)),
    "dataset-name-null": ("abort", lambda t: _edit(_first(_main_exp(t) / "datasets") / "meta.yaml",
                                                   "\nname: ", "\nname: null\nx_name: ")),
    "input-tags-null": ("abort", lambda t: _edit(_first(_run_with(t, "inputs") / "inputs") / "meta.yaml",
                                                 "tags:", "tags: null\nx_tags:")),
    "input-dataset-unknown": ("loss", lambda t: _edit(
        _first(_run_with(t, "inputs") / "inputs") / "meta.yaml", "source_id: ", "source_id: 0")),
    "registry-version-not-int": ("abort", lambda t: _edit(_first(_registry(t), "version-*") / "meta.yaml",
                                                         "\nversion: 1", "\nversion: one")),
    "registry-version-twice": ("abort", lambda t: shutil.copytree(_first(_registry(t), "version-*"),
                                                                  _registry(t) / "version-9")),
    "registry-version-meta-missing": ("loss", lambda t: (_first(_registry(t), "version-*") / "meta.yaml")
                                      .unlink()),
    "trace-ok": ("ok", _add_traces),
    "trace-info-missing": ("loss", lambda t: (_add_traces(t) / "trace_info.yaml").unlink()),
    "trace-state-null": ("abort", lambda t: _edit(_add_traces(t) / "trace_info.yaml", "state: OK",
                                                  "state: null")),
    "trace-in-two-experiments": ("abort", lambda t: shutil.copytree(
        _add_traces(t), t / "0" / "traces" / "tr-copy")),
    "registry-name-null": ("abort", lambda t: _edit(_registry(t) / "meta.yaml", "\nname: ",
                                                    "\nname: null\nx_name: ")),
}


def _drop_line(path: Path, prefix: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert any(line.startswith(prefix) for line in lines), (path, prefix)
    path.write_text("".join(line for line in lines if not line.startswith(prefix)))


def _main_name(t: Path) -> str:
    for line in (_main_exp(t) / "meta.yaml").read_text().splitlines():
        if line.startswith("name: "):
            return line[len("name: "):]
    raise AssertionError("no name")


def _artifact_files(folder: str, names: list[str]) -> list[str]:
    """Neither the migration nor the gate reads artifact files: copy their folders only (fast)."""
    if "/artifacts" not in folder.replace(os.sep, "/"):
        return []
    return [n for n in names if os.path.isfile(os.path.join(folder, n))]


def _dedupe(mlruns: Path) -> None:
    """The documented safe deduplication: keep each line's first occurrence, in order."""
    for exp in _experiments(mlruns):
        for metrics in [r / "metrics" for r in _runs(exp)]:
            for path in _files(metrics):
                lines = path.read_text().splitlines(keepends=True)
                path.write_text("".join(dict.fromkeys(lines)))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str, Path]]:
    if not _mlflow_importable():
        pytest.skip("mlflow is not importable by this interpreter")
    work = tmp_path_factory.mktemp("migration")
    raw = work / "raw" / "mlruns"
    shutil.copytree(SOURCE / "mlruns", raw)
    _recreate_empty_dirs(SOURCE / "mlruns", raw)
    clean = work / "clean" / "mlruns"
    shutil.copytree(raw, clean)
    _dedupe(clean)
    trees = {"raw-mlflow-output": raw}
    for name, (_, corrupt) in CASES.items():
        tree = clean if name == "clean" else work / name / "mlruns"
        if name != "clean":
            shutil.copytree(clean, tree, ignore=_artifact_files)
        corrupt(tree)
        trees[name] = tree
    jobs = [{"source": str(t.parent), "target": str(t.parent / "out.db")} for t in trees.values()]
    (work / "jobs.json").write_text(json.dumps(jobs))
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}
    driver = str(Path(__file__).with_name("driver.py"))
    done = subprocess.run([sys.executable, driver, str(work / "jobs.json")], capture_output=True,
                          text=True, env=env, timeout=300, cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    results = {r["source"]: r for r in json.loads(done.stdout.strip().splitlines()[-1])}
    out = {}
    for name, tree in trees.items():
        result = results[str(tree.parent)]
        if not result["ok"]:
            out[name] = ("abort", result["error"], tree)
        else:
            losses = lost(tree, tree.parent / "out.db")
            out[name] = ("loss" if losses else "ok", "; ".join(losses), tree)
    return out


def gate_errors(tree: Path) -> list[str]:
    report = run([str(tree)], Config(select=("@migration",)))
    return [f"{d.code} {d.path}: {d.message}" for d in report.diagnostics if d.severity.value == "error"]


@pytest.mark.parametrize("name", ["raw-mlflow-output", *CASES])
def test_gate_predicts_real_migration(name: str, outcomes: dict[str, tuple[str, str, Path]]) -> None:
    outcome, detail, tree = outcomes[name]
    expected = CASES[name][0] if name in CASES else "abort"  # MLflow 3's duplicate metric lines
    assert outcome == expected, f"the corruption did not have the intended effect: {detail}"
    errors = gate_errors(tree)
    if outcome == "ok":
        assert errors == []
    else:
        assert errors, f"migration outcome {outcome} ({detail}) but the gate saw nothing"


def test_default_rules_do_not_flag_the_raw_tree_duplicates(
        outcomes: dict[str, tuple[str, str, Path]]) -> None:
    """Duplicate metric lines are legal for the file store: only the opt-in gate reports them."""
    report = run([str(outcomes["raw-mlflow-output"][2])], Config())
    assert [d for d in report.diagnostics if d.code == "RUN200"] == []
