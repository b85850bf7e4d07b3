"""Models of LightGBM, XGBoost and statsmodels pickled by real MLflow 3.17.2 (issue 13's benign
corpus): no finding of any rule, and the scan really read the library classes (not an empty
pass). The models come from tests/data/pickles/gen_library_fixtures.py; none of the libraries
is needed here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlint import run
from mlint.pickles import scan_bytes

LIBRARIES = Path(__file__).resolve().parents[1] / "data" / "pickles" / "libraries"
MODELS = sorted(p.parent for p in LIBRARIES.glob("*/MLmodel"))
# model folder -> (pickle file, flavor, classes the scan must have seen)
EXPECTED = {
    "lightgbm_sklearn_api": ("model.pkl", "lightgbm",
                             {("lightgbm.sklearn", "LGBMClassifier"), ("lightgbm.basic", "Booster")}),
    "sklearn_pipeline_lightgbm": ("model.pkl", "sklearn",
                                  {("lightgbm.sklearn", "LGBMClassifier"), ("sklearn.pipeline", "Pipeline")}),
    "sklearn_pipeline_xgboost": ("model.pkl", "sklearn",
                                 {("xgboost.sklearn", "XGBClassifier"), ("xgboost.core", "Booster")}),
    "statsmodels_ols": ("model.statsmodels", "statsmodels",
                        {("statsmodels.regression.linear_model", "OLSResults")}),
}


def test_the_fixtures_were_written_by_real_mlflow() -> None:
    assert {m.name for m in MODELS} == set(EXPECTED)
    versions = json.loads((LIBRARIES / "VERSIONS.json").read_text())
    assert {family["mlflow"] for family in versions.values()} == {"3.17.2"}


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_library_models_pickled_by_mlflow_give_no_finding(model: Path) -> None:
    assert run([str(model)]).diagnostics == []


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_the_scan_reads_the_library_classes(model: Path) -> None:
    file, flavor, classes = EXPECTED[model.name]
    report = scan_bytes((model / file).read_bytes(), flavor=flavor)
    seen = {(g.module, g.name) for g in report.globals}
    assert classes <= seen, seen
    assert report.clean and not report.findings
