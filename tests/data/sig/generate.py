"""Regenerate the SIG rule fixtures with real MLflow (3.17.2).

    MLFLOW_ALLOW_FILE_STORE=true /work/venv/bin/python tests/data/sig/generate.py

Writes good model folders to `tests/data/sig/models/<name>/` (each one exactly as
`mlflow.<flavor>.save_model` left it, then normalised: timestamps and uuids fixed so reruns
diff cleanly), a small file store with a logged model to `tests/data/sig/mlruns/`, and the
bad fixtures of the SIG rules to `tests/rules/SIG1xx/bad/`: a copy of one of those real folders
with exactly one defect, applied by the `DEFECTS` table below (so every bad fixture is "real
MLflow output + one documented edit").
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent.parent
MODELS = HERE / "models"
PIP = ["mlflow==3.17.2"]  # explicit requirements skip MLflow's (slow) inference


class EchoModel:  # replaced by a PythonModel subclass in main() (mlflow imported late)
    pass


def _normalise(folder: Path) -> None:
    """Fixed timestamps/uuids so that regenerating gives byte-identical files."""
    mlmodel = folder / "MLmodel"
    text = mlmodel.read_text()
    text = re.sub(r"utc_time_created: '[^']*'", "utc_time_created: '2026-11-26 12:00:00.000000'", text)
    text = re.sub(r"model_uuid: [0-9a-f]{32}", "model_uuid: 0123456789abcdef0123456789abcdef", text)
    mlmodel.write_text(text)


def generate_models() -> None:
    import mlflow
    from mlflow.models import infer_signature
    from mlflow.pyfunc import PythonModel
    from scipy import sparse
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    class Echo(PythonModel):
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            return ["ok"] * (len(model_input) if hasattr(model_input, "__len__") else 1)

    class Hinted(PythonModel):
        def predict(self, model_input: list[str], params=None) -> list[str]:  # type: ignore[no-untyped-def]
            return model_input

    import cloudpickle
    import sklearn

    sk_pip = [*PIP, f"scikit-learn=={sklearn.__version__}"]
    sk_cloudpickle_pip = [*sk_pip, f"cloudpickle=={cloudpickle.__version__}"]
    if MODELS.exists():
        shutil.rmtree(MODELS)
    MODELS.mkdir(parents=True)
    iris = load_iris(as_frame=True)
    X = iris.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    y = iris.target

    # 1. sklearn on a DataFrame: named double columns, dataframe example (split JSON).
    clf = LogisticRegression(max_iter=300).fit(X, y)
    mlflow.sklearn.save_model(clf, MODELS / "sk_dataframe", input_example=X.head(2),
                              pip_requirements=sk_pip)

    # 2. sklearn on float32 numpy: one unnamed tensor, bare-list ndarray example.
    Xn = X.to_numpy(dtype=np.float32)
    clf_n = LogisticRegression(max_iter=300).fit(Xn, y)
    mlflow.sklearn.save_model(clf_n, MODELS / "sk_tensor", input_example=Xn[:2],
                              serialization_format="cloudpickle", pip_requirements=sk_cloudpickle_pip)

    # 3. sklearn on a CSR matrix: sparse_matrix_csr example.
    Xs = sparse.csr_matrix(X.to_numpy())
    clf_s = LogisticRegression(max_iter=300).fit(Xs, y)
    mlflow.sklearn.save_model(clf_s, MODELS / "sk_sparse", input_example=Xs[:2],
                              serialization_format="cloudpickle", pip_requirements=sk_cloudpickle_pip)

    # 4. PythonModel, DataFrame example with datetime, binary, string, long and boolean columns.
    df = pd.DataFrame({
        "id": np.array([1, 2], dtype=np.int64),
        "score": [0.5, 1.25],
        "name": ["a", "b"],
        "flag": [True, False],
        "when": pd.to_datetime(["2024-01-01 10:00:00", "2024-02-03 04:05:06"]),
        "blob": [b"\x00\x01raw", b"bytes"],
    })
    mlflow.pyfunc.save_model(MODELS / "pyfunc_dataframe_types", python_model=Echo(), input_example=df,
                             pip_requirements=PIP)

    # 5. PythonModel with named tensors: dict of ndarrays example (type ndarray, a dict).
    tensors = {"image": np.zeros((2, 3, 3), dtype=np.float32), "label": np.array([1, 2], dtype=np.int64)}
    mlflow.pyfunc.save_model(MODELS / "pyfunc_named_tensors", python_model=Echo(), input_example=tensors,
                             pip_requirements=PIP)

    # 6. PythonModel with complex columns and params: json_object example carrying params (§7.4).
    example = {"text": "hi", "obj": {"a": 1}, "vec": [1.0, 2.0], "m": {"k": 1}}
    params = {"temperature": 0.5, "max_tokens": 16, "stop": ["a", "b"],
              "when": dt.datetime(2024, 1, 1), "cfg": {"x": 1}}
    signature = infer_signature(example, ["out"], params=params)
    mlflow.pyfunc.save_model(MODELS / "pyfunc_params_json", python_model=Echo(), signature=signature,
                             input_example=(example, {"temperature": 0.7, "stop": ["x"]}),
                             pip_requirements=PIP)

    # 7. PythonModel whose signature comes from type hints (is_signature_from_type_hint: true).
    mlflow.pyfunc.save_model(MODELS / "pyfunc_type_hints", python_model=Hinted(), input_example=["a", "b"],
                             pip_requirements=PIP)

    # 8. save_model without signature and without example.
    mlflow.pyfunc.save_model(MODELS / "pyfunc_nosig", python_model=Echo(), pip_requirements=PIP)

    for folder in MODELS.iterdir():
        _normalise(folder)


def generate_tree() -> None:
    """A file store with one logged model that has no signature (MLflow 3 layout)."""
    import mlflow
    from mlflow.pyfunc import PythonModel

    class Echo(PythonModel):
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            return model_input

    target = HERE / "mlruns"
    if target.exists():
        shutil.rmtree(target)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "mlruns"
        mlflow.set_tracking_uri(f"file:{root}")
        mlflow.set_experiment("sig-demo")
        with mlflow.start_run(run_name="nosig"):
            mlflow.pyfunc.log_model(name="model", python_model=Echo(), pip_requirements=PIP)
        shutil.copytree(root, target)
    empty = sorted(str(p.relative_to(target)) for p in target.rglob("*")
                   if p.is_dir() and not any(p.iterdir()))
    (target / "EMPTY_DIRS.txt").write_text("".join(f"{e}\n" for e in empty))


# ------------------------------------------------------------------------- bad fixtures


def _edit_mlmodel(rel_old: str, rel_new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / "MLmodel"
        text = path.read_text()
        assert rel_old in text, (folder, rel_old)
        path.write_text(text.replace(rel_old, rel_new, 1))

    return apply


def _write(rel: str, content: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / rel).write_text(content)

    return apply


def _signature_part(part: str, transform: Callable[[list], list]) -> Callable[[Path], None]:  # type: ignore[type-arg]
    """Rewrite one signature JSON string the way MLflow writes it (json.dumps, quoted scalar)."""
    import yaml

    def apply(folder: Path) -> None:
        path = folder / "MLmodel"
        data = yaml.safe_load(path.read_text())
        data["signature"][part] = json.dumps(transform(json.loads(data["signature"][part])))
        path.write_text(yaml.safe_dump(data, default_flow_style=False))

    return apply


def _drop_required(cols: list) -> list:  # type: ignore[type-arg]
    for c in cols:
        if c["type"] in ("array", "map"):
            del c["required"]
    return cols


def _tf_serving(folder: Path) -> None:
    """The ≤2.1x layout of an ndarray example: wrapped in "inputs", `format: tf-serving`."""
    path = folder / "input_example.json"
    path.write_text(json.dumps({"inputs": json.loads(path.read_text())}))
    _edit_mlmodel("  type: ndarray\n", "  format: tf-serving\n  type: ndarray\n")(folder)


def _split_example(rows: list, rel: str = "input_example.json", wrap: str = "") -> Callable[[Path], None]:  # type: ignore[type-arg]
    """Replace the rows of a split-JSON example (keeping MLflow's columns)."""

    def apply(folder: Path) -> None:
        path = folder / rel
        doc = json.loads(path.read_text())
        inner = doc[wrap] if wrap else doc
        inner["data"] = rows
        path.write_text(json.dumps(doc, indent=2 if wrap else None))

    return apply


TYPES_ROW = [1, 0.5, "a", True, "2024-01-01T10:00:00", "AAFyYXc=\n"]

# code: [(folder inside bad/, source model, edits)] — each folder is one real model + one defect.
DEFECTS: dict[str, list[tuple[str, str, list[Callable[[Path], None]]]]] = {
    "SIG100": [
        ("named_mix", "sk_dataframe", [_signature_part(
            "inputs", lambda c: [*c[:2], {**c[2], "name": None}, c[3]])]),
        ("bad_dtype", "sk_tensor", [_signature_part(
            "inputs", lambda c: [{**c[0], "tensor-spec": {"dtype": "float128x", "shape": [-1, 4]}}])]),
    ],
    "SIG101": [("model", "pyfunc_params_json", [_signature_part(
        "params", lambda p: [*p, {"name": "temperature", "default": 1.0, "shape": None, "type": "double"},
                             {"name": "seed", "default": 2.0, "shape": None, "type": "long"}])])],
    "SIG102": [("model", "pyfunc_params_json", [_signature_part("inputs", _drop_required)])],
    "SIG103": [("model", "sk_dataframe", [_signature_part("inputs", lambda c: [*c, {**c[0]}])])],
    "SIG110": [("model", "sk_tensor", [_edit_mlmodel("type: ndarray", "type: dataframe")])],
    "SIG111": [
        ("flag_without_wrapper", "pyfunc_params_json", [_write("input_example.json", json.dumps(
            {"text": "hi", "obj": {"a": 1}, "vec": [1.0], "m": {"k": 1}}))]),
        ("wrapper_without_flag", "pyfunc_params_json", [_edit_mlmodel("  params: 'true'\n", "")]),
    ],
    "SIG112": [("model", "sk_tensor", [_tf_serving])],
    "SIG120": [
        ("missing_column", "sk_dataframe", [_write("input_example.json", json.dumps(
            {"columns": ["sepal_length", "sepal_width", "petal_length"], "data": [[5.1, 3.5, 1.4]]}))]),
        ("lossy", "pyfunc_dataframe_types", [_split_example([[1.5, *TYPES_ROW[1:]]])]),
        ("bad_param", "pyfunc_params_json", [_write("input_example.json", json.dumps(
            {"inputs": {"text": "hi", "obj": {"a": 1}, "vec": [1.0], "m": {"k": 1}},
             "params": {"max_tokens": "many"}}))]),
    ],
    "SIG121": [
        ("wrong_type", "pyfunc_dataframe_types", [_split_example(
            [[1, 0.5, "a", True, "not a date", "AAFyYXc=\n"]], "serving_input_example.json",
            "dataframe_split")]),
        ("lossy", "pyfunc_dataframe_types", [_split_example(
            [[2**40, *TYPES_ROW[1:]]], "serving_input_example.json", "dataframe_split"),
            _signature_part("inputs", lambda c: [{**c[0], "type": "integer"}, *c[1:]])]),
    ],
    "SIG130": [("model", "pyfunc_nosig", [])],
}


def generate_bad() -> None:
    for code, cases in DEFECTS.items():
        bad = TESTS / "rules" / code / "bad"
        if bad.exists():
            shutil.rmtree(bad)
        for name, source, edits in cases:
            shutil.copytree(MODELS / source, bad / name)
            for edit in edits:
                edit(bad / name)
    # A logged model without signature (warning, unlike the save_model folder above).
    shutil.copytree(HERE / "mlruns", TESTS / "rules" / "SIG130" / "bad" / "mlruns")


def main() -> None:
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow

    assert mlflow.__version__ == "3.17.2", mlflow.__version__
    what = set(sys.argv[1:]) or {"models", "tree", "bad"}
    if "models" in what:
        generate_models()
    if "tree" in what:
        generate_tree()
    if "bad" in what:
        generate_bad()


if __name__ == "__main__":
    main()
