"""Write a one-run template tree with real MLflow (run with the interpreter that has mlflow).

    MLFLOW_ALLOW_FILE_STORE=true python benchmarks/make_template.py OUT_DIR

The run logs what a typical training run logs: 10 metrics x 100 steps, 20 params, 10 tags and
one sklearn model (pickled, with signature and input example). `gen_tree.py` clones it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(out: Path) -> None:
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    root = out.resolve() / "mlruns"
    mlflow.set_tracking_uri(f"file:{root}")
    mlflow.set_experiment("bench")
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 4))
    labels = (features[:, 0] > 0).astype(int)
    model = LogisticRegression(max_iter=200).fit(features, labels)
    with mlflow.start_run(run_name="template"):
        mlflow.log_params({f"param_{i:02d}": f"value-{i}" for i in range(20)})
        mlflow.set_tags({f"tag_{i:02d}": f"tag value {i}" for i in range(10)})
        for step in range(100):
            mlflow.log_metrics({f"metric_{i}": float(rng.random()) for i in range(10)}, step=step)
        mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                 input_example=features[:3])
    print(root)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/mlint-bench-template"))
