"""Small hand-written artifacts for CLI tests (shaped like MLflow 3.17.2 output, MLFLOW_FORMAT §7)."""

from __future__ import annotations

from pathlib import Path

EXPERIMENT_ID = "176123742211049300"
RUN_ID = "c8447f09738848a8a162113a36e0e63d"

EXPERIMENT_META = f"""\
artifact_location: file:///srv/mlflow/mlruns/{EXPERIMENT_ID}
creation_time: 1795715002340
experiment_id: '{EXPERIMENT_ID}'
last_update_time: 1795715002340
lifecycle_stage: active
name: demo
"""

RUN_META = f"""\
artifact_uri: file:///srv/mlflow/mlruns/{EXPERIMENT_ID}/{RUN_ID}/artifacts
end_time: 1795715008604
entry_point_name: ''
experiment_id: '{EXPERIMENT_ID}'
lifecycle_stage: active
run_id: {RUN_ID}
run_name: train-lr
source_name: ''
source_type: 4
source_version: ''
start_time: 1795715002392
status: 3
tags: []
user_id: root
"""

MLMODEL = """\
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.9.1
mlflow_version: 3.17.2
model_id: null
model_uuid: 520fcbc12ec64873a58fbd6e5a54fedc
utc_time_created: '2026-11-26 17:43:33.268893'
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def make_tree(root: Path, *, run_meta: str = RUN_META) -> Path:
    """An mlruns/ with one experiment and one run; returns the mlruns folder."""
    mlruns = root / "mlruns"
    write(mlruns / EXPERIMENT_ID / "meta.yaml", EXPERIMENT_META)
    write(mlruns / EXPERIMENT_ID / RUN_ID / "meta.yaml", run_meta)
    for sub in ("metrics", "params", "artifacts"):
        (mlruns / EXPERIMENT_ID / RUN_ID / sub).mkdir(parents=True, exist_ok=True)
    return mlruns


def make_model(folder: Path, mlmodel: str = MLMODEL, *, with_pickle: bool = True) -> Path:
    write(folder / "MLmodel", mlmodel)
    if with_pickle:
        write(folder / "model.pkl", b"\x80\x04N.")  # protocol-4 pickle of None
    return folder
