"""LightGBM and XGBoost models pickled by real MLflow 3.17.2 (issue 13's benign corpus):
no finding of any rule, and the scan really read the boosting classes (not an empty pass).
The models come from tests/data/pickles/gen_boosting_fixtures.py; neither library is needed here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlint import run
from mlint.pickles import scan_bytes

BOOSTING = Path(__file__).resolve().parents[1] / "data" / "pickles" / "boosting"
MODELS = sorted(p.parent for p in BOOSTING.glob("*/MLmodel"))
EXPECTED_CLASSES = {
    "lightgbm_sklearn_api": {("lightgbm.sklearn", "LGBMClassifier"), ("lightgbm.basic", "Booster")},
    "sklearn_pipeline_lightgbm": {("lightgbm.sklearn", "LGBMClassifier"), ("sklearn.pipeline", "Pipeline")},
    "sklearn_pipeline_xgboost": {("xgboost.sklearn", "XGBClassifier"), ("xgboost.core", "Booster")},
}


def test_the_fixtures_were_written_by_real_mlflow() -> None:
    assert {m.name for m in MODELS} == set(EXPECTED_CLASSES)
    versions = json.loads((BOOSTING / "VERSIONS.json").read_text())
    assert versions["mlflow"] == "3.17.2" and versions["lightgbm"] and versions["xgboost"]


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_boosting_models_pickled_by_mlflow_give_no_finding(model: Path) -> None:
    assert run([str(model)]).diagnostics == []


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_the_scan_reads_the_boosting_classes(model: Path) -> None:
    report = scan_bytes((model / "model.pkl").read_bytes(), flavor="sklearn")
    seen = {(g.module, g.name) for g in report.globals}
    assert EXPECTED_CLASSES[model.name] <= seen, seen
    assert report.clean and not report.findings
