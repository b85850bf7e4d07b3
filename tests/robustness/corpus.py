"""Seed material for the robustness suite: a synthetic MLflow tree, plus every real one we have.

The synthetic tree mirrors what MLflow 3.17.2 writes (docs MLFLOW_FORMAT §7) and is always
available; real-MLflow trees (`tests/data/mlflow/<version>/`) and `examples/` are added when
present, so the fuzzers mutate the same bytes MLflow produces.
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

from tests.conftest import DATA, REPO

EXP = "176123742211049300"
RUN = "c8447f09738848a8a162113a36e0e63d"
OLD_RUN = "05920e5f1b25459db4b32aa77805eda3"
MODEL_ID = "m-497f4bb301a649ceac3f8905a854417a"
DATASET = "c93b93f7b82f86369f40f7e6ae377ddb"

_SIGNATURE = """signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type":
    "double", "name": "sepal_width", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: '[{"name": "temperature", "default": 0.5, "shape": null, "type": "float"},
    {"name": "stop", "default": ["a", "b"], "shape": [-1], "type": "string"}]'
"""

# The flavors block MLflow 2.22 and 3.17 write for an sklearn model (3.x adds skops_trusted_types).
_SKLEARN_FLAVORS = """flavors:
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
"""

_EXAMPLE_INFO = """saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
"""

MLMODEL_3 = f"""artifact_path: file:///tmp/mlruns/{EXP}/models/{MODEL_ID}/artifacts
{_SKLEARN_FLAVORS}    skops_trusted_types: null
is_signature_from_type_hint: false
metadata:
  k: v
mlflow_version: 3.17.2
model_id: {MODEL_ID}
model_size_bytes: 11574
model_uuid: {MODEL_ID}
prompts: null
run_id: {RUN}
{_EXAMPLE_INFO}{_SIGNATURE}type_hint_from_example: false
utc_time_created: '2026-11-26 17:43:22.415858'
"""

MLMODEL_2 = f"""artifact_path: model
{_SKLEARN_FLAVORS}mlflow_version: 2.22.0
model_uuid: f15fdceb79af4083bcde3ddd251b69cd
run_id: {OLD_RUN}
{_EXAMPLE_INFO}{_SIGNATURE}utc_time_created: '2026-11-26 17:44:27.073472'
"""

MLMODEL_PYFUNC = """flavors:
  python_function:
    cloudpickle_version: 3.1.3
    code: code
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.7
    streamable: false
mlflow_version: 3.17.2
model_id: null
model_uuid: 468e5020ab3749d6b95b07188916e842
saved_input_example_info:
  artifact_path: input_example.json
  params: 'true'
  serving_input_path: serving_input_example.json
  type: json_object
signature:
  inputs: '[{"type": "string", "name": "text", "required": true}, {"type": "array",
    "items": {"type": "double"}, "name": "vec", "required": false}, {"type": "object",
    "properties": {"a": {"type": "long", "required": true}}, "name": "obj", "required": true},
    {"type": "map", "values": {"type": "integer"}, "name": "m", "required": false}]'
  outputs: '[{"type": "string", "required": true}]'
  params: '[{"name": "temperature", "default": 0.5, "shape": null, "type": "float"}]'
utc_time_created: '2026-11-26 17:43:36.327764'
"""

CONDA = """channels:
- conda-forge
dependencies:
- python=3.11.7
- pip<=23.2.1
- pip:
  - mlflow==3.17.2
  - cloudpickle==3.1.3
  - numpy==2.4.6
  - scikit-learn==1.9.1
name: mlflow-env
"""
PYTHON_ENV = """python: 3.11.7
build_dependencies:
- pip==23.2.1
- setuptools==65.5.0
- wheel
dependencies:
- -r requirements.txt
"""
REQUIREMENTS = "mlflow==3.17.2\ncloudpickle==3.1.3\nnumpy==2.4.6\nscikit-learn==1.9.1"
INPUT_EXAMPLE = '{"columns": ["sepal_length", "sepal_width"], "data": [[5.1, 3.5], [4.9, 3.0]]}'
SERVING_EXAMPLE = ('{\n  "dataframe_split": {\n    "columns": ["sepal_length", "sepal_width"],\n'
                   '    "data": [[5.1, 3.5], [4.9, 3.0]]\n  },\n  "params": {"temperature": 0.7}\n}')


def _experiment_meta(exp_id: str, name: str, stage: str = "active") -> str:
    return (f"artifact_location: file:///tmp/mlruns/{exp_id}\ncreation_time: 1795715002340\n"
            f"experiment_id: '{exp_id}'\nlast_update_time: 1795715002340\nlifecycle_stage: {stage}\n"
            f"name: {name}\n")


def _run_meta(exp_id: str, run_id: str, *, legacy: bool = False) -> str:
    text = (f"artifact_uri: file:///tmp/mlruns/{exp_id}/{run_id}/artifacts\nend_time: 1795715008604\n"
            f"entry_point_name: ''\nexperiment_id: '{exp_id}'\nlifecycle_stage: active\n"
            f"run_id: {run_id}\nrun_name: train-lr\nsource_name: ''\nsource_type: 4\n"
            f"source_version: ''\nstart_time: 1795715002392\nstatus: 3\ntags: []\nuser_id: root\n")
    return text + (f"run_uuid: {run_id}\n" if legacy else "")


def _model_files(mlmodel: str) -> dict[str, str | bytes]:
    return {
        "MLmodel": mlmodel,
        "conda.yaml": CONDA,
        "python_env.yaml": PYTHON_ENV,
        "requirements.txt": REQUIREMENTS,
        "input_example.json": INPUT_EXAMPLE,
        "serving_input_example.json": SERVING_EXAMPLE,
        # Plain data only: the suite never builds a pickle that does anything when loaded
        # here (the canaries are built from raw opcodes in test_never_executes.py).
        "model.pkl": pickle.dumps({"coef": [0.5, 1.5], "classes": (0, 1)}, protocol=4),
    }


def synthetic_files() -> dict[str, str | bytes]:
    """Relative path → content of a small tree covering every unit kind."""
    files: dict[str, str | bytes] = {}
    run = f"mlruns/{EXP}/{RUN}"
    old = f"mlruns/{EXP}/{OLD_RUN}"
    logged = f"mlruns/{EXP}/models/{MODEL_ID}"
    files.update({
        "mlruns/0/meta.yaml": _experiment_meta("0", "Default"),
        f"mlruns/{EXP}/meta.yaml": _experiment_meta(EXP, "mlint-demo"),
        f"mlruns/{EXP}/tags/team": "mlint",
        f"mlruns/{EXP}/datasets/{DATASET}/meta.yaml": (
            "digest: 470bc25c\nname: iris\nprofile: '{\"num_rows\": 150}'\n"
            "schema: '{\"mlflow_colspec\": [{\"type\": \"double\", \"name\": \"x\", \"required\": true}]}'\n"
            "source: '{\"tags\": {}}'\nsource_type: code\n"),
        "mlruns/.trash/131961027804589905/meta.yaml": _experiment_meta(
            "131961027804589905", "to-trash", "deleted") + "tags: {}\n",
        f"{run}/meta.yaml": _run_meta(EXP, RUN),
        f"{run}/metrics/loss": ("1795715002397 1.0 0\n1795715002397 0.5 1\n"
                                "1795715002398 0.3333333333333333 2\n"),
        f"{run}/metrics/train/loss": "1795715002397 1.0 0\n",
        f"{run}/metrics/accuracy": "1795715002401 0.9733333333333334 0\n",
        f"{run}/params/C": "1.0",
        f"{run}/params/solver": "lbfgs",
        f"{run}/tags/mlflow.runName": "train-lr",
        f"{run}/tags/mlflow.source.type": "LOCAL",
        f"{run}/tags/mlflow.user": "root",
        f"{run}/inputs/670f9494d2e477e80f385f4f82658c2b/meta.yaml": (
            f"destination_id: {DATASET}\ndestination_type: RUN\nsource_id: {DATASET}\n"
            "source_type: DATASET\ntags:\n  mlflow.data.context: training\n"),
        f"{run}/outputs/{MODEL_ID}/meta.yaml": (
            f"destination_id: {MODEL_ID}\ndestination_type: MODEL_OUTPUT\nsource_id: {MODEL_ID}\n"
            "source_type: RUN_OUTPUT\nstep: 0\ntags: {}\n"),
        f"{run}/artifacts/notes/hello.txt": "hello",
        f"{old}/meta.yaml": _run_meta(EXP, OLD_RUN, legacy=True),
        f"{old}/tags/mlflow.log-model.history": (
            f'[{{"run_id": "{OLD_RUN}", "artifact_path": "model", "utc_time_created": '
            '"2026-11-26 17:44:27.073472", "model_uuid": "f15fdceb79af4083bcde3ddd251b69cd", '
            '"flavors": {"python_function": {"model_path": "model.pkl", '
            '"loader_module": "mlflow.sklearn"}}}]'),
        f"{logged}/meta.yaml": (
            f"artifact_location: file:///tmp/mlruns/{EXP}/models/{MODEL_ID}/artifacts\n"
            f"creation_timestamp: 1795715002410\nexperiment_id: '{EXP}'\n"
            f"last_updated_timestamp: 1795715008578\nmodel_id: {MODEL_ID}\nmodel_type: null\n"
            f"name: model\nsource_run_id: {RUN}\nstatus: 2\nstatus_message: null\n"),
        f"{logged}/metrics/loss": f"1795715002397 1.0 0 {RUN}\n",
        f"{logged}/params/C": "1.0",
        f"{logged}/tags/mlflow.modelVersions": '[{"name": "iris-lr", "version": 1}]',
        "mlruns/models/iris-lr/meta.yaml": (
            "aliases:\n  champion: '1'\ncreation_timestamp: 1795715008588\ndeployment_job_id: null\n"
            "deployment_job_state: null\ndescription: demo model\n"
            "last_updated_timestamp: 1795715360920\nname: iris-lr\nworkspace: default\n"),
        "mlruns/models/iris-lr/aliases/champion": "1",
        "mlruns/models/iris-lr/tags/team": "ml",
        "mlruns/models/iris-lr/version-1/meta.yaml": (
            "creation_timestamp: 1795715008590\ncurrent_stage: None\ndeployment_job_state: null\n"
            f"description: null\nlast_updated_timestamp: 1795715008590\nmodel_id: {MODEL_ID}\n"
            f"name: iris-lr\nrun_id: {RUN}\nrun_link: null\nsource: models:/{MODEL_ID}\n"
            "status: READY\nstatus_message: null\n"
            f"storage_location: file:///tmp/mlruns/{EXP}/models/{MODEL_ID}/artifacts\n"
            "user_id: null\nversion: 1\nworkspace: default\n"),
        "mlruns/models/iris-lr/version-1/tags/validated": "yes",
    })
    files.update({f"{logged}/artifacts/{k}": v for k, v in _model_files(MLMODEL_3).items()})
    files.update({f"{old}/artifacts/model/{k}": v for k, v in _model_files(MLMODEL_2).items()})
    pyfunc = _model_files(MLMODEL_PYFUNC)
    pyfunc["python_model.pkl"] = pyfunc.pop("model.pkl")
    pyfunc["code/helpers.py"] = "VALUE = 1\n"
    pyfunc["input_example.json"] = ('{"inputs": {"text": "hi", "obj": {"a": 1}}, '
                                    '"params": {"temperature": 0.7}}')
    files.update({f"saved_pyfunc/{k}": v for k, v in pyfunc.items()})
    return files


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return root


def real_roots() -> list[Path]:
    """Real-MLflow fixture trees and the examples, when this checkout has them."""
    roots = sorted(p for p in (DATA / "mlflow").glob("*") if p.is_dir()) if (DATA / "mlflow").is_dir() else []
    examples = REPO / "examples"
    if examples.is_dir() and any(examples.iterdir()):
        roots.append(examples)
    return roots


def materialize_template(into: Path) -> Path:
    """The synthetic tree under `into/synthetic`, real trees under `into/<name>`."""
    write_tree(into / "synthetic", synthetic_files())
    for source in real_roots():
        target = into / source.name
        shutil.copytree(source, target, symlinks=True)
        listing = source / "EMPTY_DIRS.txt"
        if listing.is_file():
            for line in listing.read_text().splitlines():
                if line.strip():
                    (target / line.strip()).mkdir(parents=True, exist_ok=True)
    return into


SEED_SUFFIXES = ("MLmodel", ".yaml", ".yml", ".json", ".txt", ".pkl")


def seed_files(limit_bytes: int = 64 * 1024) -> list[tuple[str, bytes]]:
    """(name, bytes) of every seed file: synthetic ones first, then real ones."""
    seeds = [(Path(rel).name, c.encode() if isinstance(c, str) else c)
             for rel, c in synthetic_files().items()]
    for root in real_roots():
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                path = Path(dirpath) / name
                if path.stat().st_size <= limit_bytes and name not in ("README.md",):
                    seeds.append((name, path.read_bytes()))
    return seeds
