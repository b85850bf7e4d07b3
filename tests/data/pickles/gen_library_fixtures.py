"""Write tiny models of libraries outside the project's dependencies that real MLflow pickles
(issue 13's benign corpus): LightGBM, XGBoost, statsmodels.

MLflow 3.17 saves scikit-learn-API models with skops by default; with
`serialization_format="cloudpickle"` (the default before, and what most existing models hold)
`mlflow.lightgbm` pickles an `LGBMClassifier` (`model.pkl`) and `mlflow.sklearn` pickles a
pipeline holding an `LGBMClassifier`/`XGBClassifier`. `mlflow.statsmodels` always pickles the
fitted results object. The suite checks that mlint gives these no finding
(tests/pickles/test_library_fixtures.py) without any of the libraries installed.

Run once per family, in a scratch venv with mlflow and that family's libraries:
    python tests/data/pickles/gen_library_fixtures.py tests/data/pickles/libraries boosting
    python tests/data/pickles/gen_library_fixtures.py tests/data/pickles/libraries statsmodels
Each run rewrites its own model folders and records its library versions in VERSIONS.json.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import mlflow
import numpy as np


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    return folder


def boosting(out: Path, x: np.ndarray, y: np.ndarray) -> dict[str, str]:
    import lightgbm
    import sklearn
    import xgboost
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    def lgbm() -> lightgbm.LGBMClassifier:
        return lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, min_child_samples=2, verbose=-1)

    mlflow.lightgbm.save_model(lgbm().fit(x, y), _fresh(out / "lightgbm_sklearn_api"),
                               serialization_format="cloudpickle")
    xgb = xgboost.XGBClassifier(n_estimators=3, max_depth=2)
    for name, estimator in (("lightgbm", lgbm()), ("xgboost", xgb)):
        pipeline = Pipeline([("scale", StandardScaler()), ("model", estimator)]).fit(x, y)
        mlflow.sklearn.save_model(pipeline, _fresh(out / f"sklearn_pipeline_{name}"),
                                  serialization_format="cloudpickle")
    return {"scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__,
            "xgboost": xgboost.__version__}


def statsmodels(out: Path, x: np.ndarray, y: np.ndarray) -> dict[str, str]:
    import statsmodels as sm_package
    import statsmodels.api as sm

    results = sm.OLS(y.astype(float), sm.add_constant(x)).fit()
    mlflow.statsmodels.save_model(results, _fresh(out / "statsmodels_ols"))
    return {"statsmodels": sm_package.__version__}


FAMILIES: dict[str, Callable[[Path, np.ndarray, np.ndarray], dict[str, str]]] = {
    "boosting": boosting, "statsmodels": statsmodels}


def main(out: Path, family: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    versions_file = out / "VERSIONS.json"
    versions = json.loads(versions_file.read_text()) if versions_file.exists() else {}
    versions[family] = {"mlflow": mlflow.__version__, "numpy": np.__version__,
                        "python": sys.version.split()[0], **FAMILIES[family](out, x, y)}
    versions_file.write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
