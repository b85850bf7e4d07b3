#!/usr/bin/env python
"""Write a tracking database with real MLflow into the database URL given (PostgreSQL in the
tests), the way a new user does: an experiment, a run with params and metrics, a logged model
(models-from-code: no pickle), a registered version with an alias. Artifacts go to `./mlruns`
of the working folder (MLflow's default artifact root beside a SQL store).

Usage: `python write_postgres_tracking.py <url>`; prints the ids as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MODEL_CODE = '''\
import mlflow
from mlflow.pyfunc import PythonModel


class Echo(PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


mlflow.models.set_model(Echo())
'''


def main(url: str) -> None:
    import mlflow
    import pandas as pd

    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    experiment = mlflow.set_experiment("demo")
    code = Path("echo_model.py")
    code.write_text(MODEL_CODE)
    with mlflow.start_run() as run:
        mlflow.log_param("C", 1.0)
        mlflow.set_tag("team", "mlint")
        for step, value in enumerate((0.9, 0.95)):
            mlflow.log_metric("accuracy", value, step=step)
        info = mlflow.pyfunc.log_model(name="model", python_model=str(code.resolve()),
                                       input_example=pd.DataFrame({"x": [1.0, 2.0]}),
                                       registered_model_name="demo-model")
    code.unlink()
    mlflow.MlflowClient().set_registered_model_alias("demo-model", "champion", 1)
    print(json.dumps({"experiment_id": experiment.experiment_id, "run_id": run.info.run_id,
                      "model_id": info.model_id, "mlflow": mlflow.__version__}))


if __name__ == "__main__":
    main(sys.argv[1])
