"""Run-tree rules beyond the per-rule fixtures: relocated trees, caps, robustness, real trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlint import Config, run
from tests.conftest import CORPUS, DATA
from tests.data.fixture_tree import fixture_versions, materialize

TREE_317 = DATA / "mlflow" / "3.17.2"
OLD_ROOT = "/tmp/mlint-gen/3.17.2/mlruns"


@pytest.fixture
def copied_tree(tmp_path: Path) -> Path:
    if not (TREE_317 / "mlruns").is_dir():
        pytest.skip("real-MLflow fixture tree missing")
    return materialize(TREE_317, tmp_path / "copy") / "mlruns"


def codes(tree: Path, **config: tuple[str, ...]) -> list[str]:
    return [d.code for d in run([str(tree)], Config(**config)).diagnostics]


def test_copied_tree_is_reported_once_when_relocation_is_selected(copied_tree: Path) -> None:
    report = run([str(copied_tree)], Config(select=("@relocation", "RUN103")))
    assert [d.code for d in report.diagnostics] == ["RUN102"]
    assert OLD_ROOT in report.diagnostics[0].message
    assert codes(copied_tree) == []  # off by default: a copied clean tree stays clean


def test_tree_rewritten_to_its_new_root_is_not_relocated(copied_tree: Path) -> None:
    for meta in copied_tree.rglob("meta.yaml"):
        meta.write_text(meta.read_text().replace(OLD_ROOT, str(copied_tree)))
    assert codes(copied_tree, select=("RUN", "REG"), ignore=("@migration",)) == []


def test_one_inconsistent_run_is_reported_per_run_not_per_tree(copied_tree: Path) -> None:
    meta = next(p for p in sorted(copied_tree.glob("*/*/meta.yaml")) if "artifact_uri" in p.read_text())
    meta.write_text(meta.read_text().replace(OLD_ROOT, "/elsewhere/mlruns"))
    found = codes(copied_tree, select=("@relocation", "RUN103"))
    assert sorted(found) == ["RUN102", "RUN103"]


def test_metric_findings_are_capped_per_file(tmp_path: Path) -> None:
    exp = tmp_path / "mlruns" / "1"
    run_dir = exp / "0123456789abcdef0123456789abcdef"
    for sub in ("metrics", "params", "artifacts"):
        (run_dir / sub).mkdir(parents=True)
    (exp / "meta.yaml").write_text("experiment_id: '1'\nname: x\nartifact_location: /x/1\n"
                                   "lifecycle_stage: active\n")
    (run_dir / "meta.yaml").write_text("run_id: 0123456789abcdef0123456789abcdef\nexperiment_id: '1'\n"
                                       "status: 3\nstart_time: 1\nlifecycle_stage: active\n")
    (run_dir / "metrics" / "loss").write_text("".join(f"{i} bad {i}\n" for i in range(30)))
    report = run([str(tmp_path / "mlruns")], Config(select=("RUN110",)))
    messages = [d.message for d in report.diagnostics]
    assert len(messages) == 21
    assert [m for m in messages if m.startswith("10 more malformed line(s)")]


GARBAGE = ["", "- a\n- b\n", "42\n", "'text'\n", "{a: {b: [1, {c: null}]}}\n", "status: [1]\nrun_id: 7\n",
           "experiment_id: []\nname: {}\nartifact_location: 5\nlifecycle_stage: 9\n",
           "version: {x: 1}\nsource: 12\nrun_id: [a]\naliases: [1, 2]\n", "\xff\xfe"]


@pytest.mark.parametrize("text", GARBAGE)
def test_rules_never_crash_on_garbage_meta_files(copied_tree: Path, text: str) -> None:
    for meta in copied_tree.rglob("meta.yaml"):
        meta.write_bytes(text.encode("latin-1"))
    for metric in copied_tree.rglob("metrics/*"):
        if metric.is_file():
            metric.write_bytes(text.encode("latin-1"))
    assert "MLT900" not in codes(copied_tree, select=("ALL",))


@pytest.mark.parametrize("version", fixture_versions())
def test_clean_mlflow_tree_of_every_layout_is_clean(version: str, tmp_path: Path) -> None:
    tree = materialize(DATA / "mlflow" / version, tmp_path / version) / "mlruns"
    assert codes(tree, select=("RUN", "REG"), ignore=("@migration", "@relocation")) == []


def _corpus_trees() -> list[Path]:
    for base in (CORPUS, Path("/work/shared/corpus")):
        if base.is_dir():
            return [base / "mlflow-2.9.2-tree" / "mlruns",
                    *sorted(p for p in (base / "public_folders").glob("*mlruns") if p.is_dir())]
    return []


@pytest.mark.parametrize("tree", _corpus_trees(), ids=lambda p: p.parent.name[:30] + "/" + p.name[-40:])
def test_real_world_trees_never_crash_a_rule(tree: Path, tmp_path: Path) -> None:
    work = tmp_path / "mlruns"
    shutil.copytree(tree, work, symlinks=True)
    assert "MLT900" not in codes(work, select=("ALL",))


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_log_model_repeats_of_non_finite_points_are_recognised(copied_tree: Path, value: str) -> None:
    """MLflow 3's log_model re-logs a run's last metric values; when that value is ±inf or NaN
    the run file and the logged model still hold the same point (the database folds ±inf to
    ±DBL_MAX on both sides), so RUN113 stays quiet — and a repeat the model does not hold is
    still reported."""
    run_file = copied_tree / "534214102864321340/4fad3bb30f744558a832f1ea2860deb5/metrics/accuracy"
    repeated = "1795718393599 0.96 0"
    assert run_file.read_text().count(repeated + "\n") == 2
    holders = [p for p in copied_tree.glob("*/models/*/metrics/accuracy")
               if f"{repeated} 4fad3bb30f744558a832f1ea2860deb5" in p.read_text()]
    assert holders
    for path in [run_file, *holders]:
        path.write_text(path.read_text().replace(repeated, f"1795718393599 {value} 0"))
    assert "RUN113" not in codes(copied_tree)
    for path in holders:
        path.write_text(path.read_text().replace(f"1795718393599 {value} 0", "1795718393599 1.5 0"))
    assert codes(copied_tree, select=("RUN113",)) == ["RUN113"]
