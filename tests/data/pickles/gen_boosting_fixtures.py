"""Write tiny LightGBM and XGBoost models that real MLflow pickles (issue 13's benign corpus).

MLflow 3.17 saves scikit-learn-API models with skops by default; with
`serialization_format="cloudpickle"` (the default before, and what most existing models hold)
`mlflow.lightgbm` pickles an `LGBMClassifier` (`model.pkl`) and `mlflow.sklearn` pickles a
pipeline holding an `LGBMClassifier`/`XGBClassifier`. The suite checks that mlint gives these no PKL finding
(tests/pickles/test_boosting_fixtures.py) without lightgbm or xgboost installed.

Run once, in a scratch venv with mlflow, scikit-learn, lightgbm and xgboost:
    python tests/data/pickles/gen_boosting_fixtures.py tests/data/pickles/boosting
It records the library versions in VERSIONS.json beside the models.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import lightgbm
import mlflow
import numpy as np
import sklearn
import xgboost
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    lgbm = lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, min_child_samples=2, verbose=-1).fit(x, y)
    mlflow.lightgbm.save_model(lgbm, out / "lightgbm_sklearn_api",
                               serialization_format="cloudpickle")
    for name, estimator in (("lightgbm", lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4,
                                                                 min_child_samples=2, verbose=-1)),
                            ("xgboost", xgboost.XGBClassifier(n_estimators=3, max_depth=2))):
        pipeline = Pipeline([("scale", StandardScaler()), ("model", estimator)]).fit(x, y)
        mlflow.sklearn.save_model(pipeline, out / f"sklearn_pipeline_{name}",
                                  serialization_format="cloudpickle")
    versions = {"mlflow": mlflow.__version__, "scikit-learn": sklearn.__version__,
                "lightgbm": lightgbm.__version__, "xgboost": xgboost.__version__,
                "numpy": np.__version__, "python": sys.version.split()[0]}
    (out / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
