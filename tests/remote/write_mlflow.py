"""Run by tests/remote/conftest.py in a child process: real MLflow 3.17.2 writes runs, logged
models and a registered model with their artifacts into the loopback S3 bucket (the tracking
store is a local SQLite database; MLflow's file store cannot live in S3).

Environment: MLFLOW_S3_ENDPOINT_URL and AWS_* point at the moto server; argv: tracking URI,
artifact location (s3://bucket/prefix).
"""

from __future__ import annotations

import sys

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class Doubler(PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return model_input * 2


def main() -> None:
    tracking, artifacts = sys.argv[1], sys.argv[2]
    mlflow.set_tracking_uri(tracking)
    experiment = mlflow.create_experiment("remote-demo", artifact_location=artifacts)
    for i in range(2):
        with mlflow.start_run(experiment_id=experiment, run_name=f"run-{i}"):
            mlflow.log_param("alpha", 0.1 * (i + 1))
            for step in range(3):
                mlflow.log_metric("loss", 1.0 / (step + 1 + i), step=step)
            mlflow.log_text("hello\n", "notes/readme.txt")
            mlflow.log_dict({"a": i}, "config.json")
            info = mlflow.pyfunc.log_model(
                name="model", python_model=Doubler(), input_example=pd.DataFrame({"x": [1.0, 2.0]}),
                pip_requirements=["mlflow==3.17.2", "pandas"])
            if i == 0:
                mlflow.register_model(info.model_uri, "remote-demo-model")


if __name__ == "__main__":
    main()
