#!/usr/bin/env python
"""Write the HAND-ADAPTED MLflow 1.x fixture into tests/data/mlflow/1.x/.

MLflow 1.x cannot be imported next to today's dependencies (protobuf), so these files are NOT
written by MLflow. They are assembled from facts read in the 1.30.1 and 1.25.1 wheel sources
(mlflow/models/model.py, mlflow/sklearn/__init__.py, mlflow/pyfunc/__init__.py,
mlflow/utils/environment.py, mlflow/store/tracking/file_store.py, mlflow/entities/run_info.py)
and docs/MLFLOW_FORMAT.md §7.8; see tests/data/mlflow/1.x/README.md for the list.

Everything is deterministic: fixed ids, fixed timestamps, the fixed root /tmp/mlint-gen/1.x.
The only pickle (model.pkl) is a fresh cloudpickle dump of a tiny LogisticRegression made here,
its recorded `_sklearn_version` stamped to SKL (1.1.2) like the rest of the tree.

Run: python tests/data/make_1x_fixture.py   (needs pyyaml, scikit-learn, cloudpickle)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEST = HERE / "mlflow" / "1.x"
ROOT = "/tmp/mlint-gen/1.x"  # the fixed root the URIs point at (same convention as 3.x/2.x)
PY = "3.10.6"
SKL = "1.1.2"
T0 = 1667300000000  # 2022-11-01, after 1.30.0's release

COLS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
EXAMPLE = {"columns": COLS, "data": [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2]]}
SIG = {  # 1.x: ColSpec dict is {"name", "type"}; no "required"; no "params" key at all
    "inputs": json.dumps([{"name": c, "type": "double"} for c in COLS]),
    "outputs": json.dumps([{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]),
}
REQS = [
    "mlflow",
    "cloudpickle==2.2.0",
    "numpy==1.23.4",
    "psutil==5.9.3",
    "scikit-learn==1.1.2",
    "scipy==1.9.3",
]


def dump(path: Path, data, **kw) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        yaml.safe_dump(data, f, default_flow_style=False, **kw)


def text(path: Path, s: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(s)


def model_pickle() -> bytes:
    import cloudpickle
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import sklearn.base

    X, y = load_iris(return_X_y=True)
    # Estimators record the writing version in their state (`_sklearn_version`, read by
    # `__setstate__`); stamp the version this fixture claims, so that the pickle agrees with
    # MLmodel's sklearn_version and the scikit-learn pin as a real 1.x save would.
    saved, sklearn.base.__version__ = sklearn.base.__version__, SKL  # type: ignore[attr-defined]
    try:
        return cloudpickle.dumps(LogisticRegression(max_iter=200).fit(X, y))
    finally:
        sklearn.base.__version__ = saved  # type: ignore[attr-defined]


def sklearn_model_dir(
    d: Path,
    *,
    version: str,
    uuid: str,
    created: str,
    pkl: bytes,
    run_id: str | None = None,
    artifact_path: str | None = None,
) -> dict:
    """1.x sklearn save_model/log_model output. Returns the MLmodel dict."""
    v126 = tuple(map(int, version.split("."))) >= (1, 26)
    v130 = tuple(map(int, version.split("."))) >= (1, 30)
    pyfunc = {
        "loader_module": "mlflow.sklearn",
        "model_path": "model.pkl",
        "python_version": PY,
        "env": "conda.yaml",
    }  # env is a STRING before 2.0
    if v130:
        pyfunc["predict_fn"] = "predict"
    mlmodel: dict = {}
    if run_id:
        mlmodel["run_id"] = run_id
        mlmodel["artifact_path"] = artifact_path
    mlmodel.update(
        {
            "utc_time_created": created,
            "flavors": {
                "python_function": pyfunc,
                "sklearn": {
                    "pickled_model": "model.pkl",
                    "sklearn_version": SKL,
                    "serialization_format": "cloudpickle",
                    "code": None,
                },
            },
            "model_uuid": uuid,
            "mlflow_version": version,
            "signature": SIG,
            "saved_input_example_info": {
                "artifact_path": "input_example.json",
                "type": "dataframe",
                "pandas_orient": "split",
            },
        }
    )
    dump(d / "MLmodel", mlmodel)  # Model.to_yaml: safe_dump, sorted keys
    (d / "model.pkl").write_bytes(pkl)
    text(d / "input_example.json", json.dumps(EXAMPLE))
    dump(
        d / "conda.yaml",
        {
            "channels": ["conda-forge"],
            "dependencies": [f"python={PY}", "pip<=22.3", {"pip": REQS}],
            "name": "mlflow-env",
        },
    )
    text(d / "requirements.txt", "\n".join(REQS))  # no trailing newline
    if v126:  # python_env.yaml exists from 1.26.0; written with sort_keys=False
        with open(d / "python_env.yaml", "w") as f:
            yaml.safe_dump(
                {
                    "python": PY,
                    "build_dependencies": ["pip==22.3", "setuptools==65.5.0", "wheel==0.38.1"],
                    "dependencies": ["-r requirements.txt"],
                },
                f,
                sort_keys=False,
                default_flow_style=False,
            )
    return mlmodel


def run_dir(
    exp_dir: Path,
    exp_id: str,
    run_id: str,
    name: str,
    *,
    start: int,
    end: int,
    status: int = 3,
    lifecycle: str = "active",
) -> Path:
    d = exp_dir / run_id
    for sub in ("metrics", "params", "artifacts", "tags"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    dump(
        d / "meta.yaml",
        {  # 1.30.1 RunInfo props + legacy fields; run_uuid == run_id
            "artifact_uri": f"file://{ROOT}/mlruns/{exp_id}/{run_id}/artifacts",
            "end_time": end,
            "entry_point_name": "",
            "experiment_id": exp_id,
            "lifecycle_stage": lifecycle,
            "run_id": run_id,
            "run_name": name,
            "run_uuid": run_id,
            "source_name": "",
            "source_type": 4,
            "source_version": "",
            "start_time": start,
            "status": status,
            "tags": [],
            "user_id": "mlint-gen",
        },
    )
    for k, v in {
        "mlflow.runName": name,
        "mlflow.user": "mlint-gen",
        "mlflow.source.type": "LOCAL",
        "mlflow.source.name": "/tmp/mlint-gen/_gen/train.py",
    }.items():
        text(d / "tags" / k, v)
    return d


def main() -> None:
    if DEST.exists():
        for p in DEST.iterdir():
            if p.name != "README.md":
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    DEST.mkdir(parents=True, exist_ok=True)
    pkl = model_pickle()

    # --- standalone save_model folders: 1.30.1 (python_env.yaml) and 1.25.1 (none) ---
    sklearn_model_dir(
        DEST / "models" / "sklearn_1.30.1",
        version="1.30.1",
        uuid="3f1a2b4c5d6e4f708192a3b4c5d6e7f8",
        created="2022-11-01 10:00:00.123456",
        pkl=pkl,
    )
    sklearn_model_dir(
        DEST / "models" / "sklearn_1.25.1",
        version="1.25.1",
        uuid="8e7d6c5b4a394827a6b5c4d3e2f1a0b9",
        created="2022-05-02 09:30:00",
        pkl=pkl,
    )  # microsecond 0: no fraction

    # --- mlruns: sequential experiment ids, no registry (1.x file store has none) ---
    mlruns = DEST / "mlruns"
    for eid, name, stage, base in (
        ("0", "Default", "active", mlruns),
        ("1", "mlint-fixtures", "active", mlruns),
        ("2", "to-trash", "deleted", mlruns / ".trash"),
    ):
        meta = {
            "artifact_location": f"file://{ROOT}/mlruns/{eid}",
            "creation_time": T0,
            "experiment_id": eid,
            "last_update_time": T0 + (5000 if stage == "deleted" else 0),
            "lifecycle_stage": stage,
            "name": name,
        }
        if stage == "deleted":
            meta["tags"] = {}  # delete_experiment rewrites dict(experiment), tags included
        dump(base / eid / "meta.yaml", meta)
    text(mlruns / "1" / "tags" / "team", "mlint")

    exp1 = mlruns / "1"
    rid = "5d3e0f1c2b7a4e6f9a8b7c6d5e4f3a21"
    d = run_dir(exp1, "1", rid, "train-lr", start=T0 + 1000, end=T0 + 4000)
    for k, v in {"C": "1.0", "max_iter": "200", "solver": "lbfgs"}.items():
        text(d / "params" / k, v)
    text(
        d / "metrics" / "loss",
        "".join(f"{T0 + 1100 + i} {v} {i}\n" for i, v in enumerate([1.0, 0.5, 0.25])),
    )
    text(
        d / "metrics" / "train" / "loss",
        "".join(f"{T0 + 1100 + i} {v} {i}\n" for i, v in enumerate([1.1, 0.55, 0.275])),
    )
    text(d / "metrics" / "accuracy", f"{T0 + 1200} 0.9733333333333334 0\n")
    text(d / "tags" / "owner", "mlint")
    text(d / "artifacts" / "notes" / "hello.txt", "hello from the 1.x fixture\n")
    mm = sklearn_model_dir(
        d / "artifacts" / "model",
        version="1.30.1",
        uuid="c0ffee00c0ffee00c0ffee00c0ffee00",
        created="2022-11-01 10:00:03.456789",
        pkl=pkl,
        run_id=rid,
        artifact_path="model",
    )
    # 1.7-2.15: the history element is the full Model.to_dict() (insertion order, json.dumps)
    hist = {
        k: mm[k]
        for k in (
            "run_id",
            "artifact_path",
            "utc_time_created",
            "flavors",
            "model_uuid",
            "mlflow_version",
            "signature",
            "saved_input_example_info",
        )
    }
    text(d / "tags" / "mlflow.log-model.history", json.dumps([hist]))

    rid2 = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"  # deleted run: no deleted_time field in 1.x
    d2 = run_dir(
        exp1, "1", rid2, "deleted-run", start=T0 + 6000, end=T0 + 6100, lifecycle="deleted"
    )
    text(d2 / "params" / "x", "1")

    rid3 = "9f8e7d6c5b4a43219f8e7d6c5b4a3210"  # failed run, one metric, no params
    d3 = run_dir(exp1, "1", rid3, "failed-run", start=T0 + 7000, end=T0 + 7050, status=4)
    text(d3 / "metrics" / "score", f"{T0 + 7010} 0.5 0\n")

    empties = sorted(
        p.relative_to(DEST).as_posix()
        for p in DEST.rglob("*")
        if p.is_dir() and not any(p.iterdir())
    )
    text(
        DEST / "EMPTY_DIRS.txt",
        "# Empty directories of this tree (git drops them).\n"
        "# tests/data/fixture_tree.py::materialize() recreates them. Paths are relative to this file.\n"
        + "".join(e + "\n" for e in empties),
    )


if __name__ == "__main__":
    main()
