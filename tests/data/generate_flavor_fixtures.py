#!/usr/bin/env python
"""Write tiny model folders of the non-pickle flavors with *real* MLflow (3.17.2) and copy them
into tests/data/flavors/<mlflow-version>/<name>/.

The flavor libraries are not project dependencies: run this with a scratch interpreter that has
MLflow 3.17.2 plus lightgbm, xgboost, catboost, onnx + onnxruntime, torch, keras and spacy, e.g.

    python3 -m venv /tmp/ff-venv
    echo "$(.venv/bin/python -c 'import site; print(site.getsitepackages()[0])')" \
        > /tmp/ff-venv/lib/python3.11/site-packages/zz_project.pth     # the project's mlflow
    /tmp/ff-venv/bin/pip install lightgbm onnx onnxruntime torch==2.13.0 keras h5py spacy
    /tmp/ff-venv/bin/pip install --no-deps xgboost catboost    # no nvidia-nccl, no plotly
    /tmp/ff-venv/bin/python tests/data/generate_flavor_fixtures.py

Every model is saved with `mlflow.<flavor>.save_model` (no run, so no absolute URI), seeded,
and then loaded back with `mlflow.pyfunc.load_model(...).predict(input_example)` (or the
flavor's own `load_model` when the flavor has no pyfunc), so each folder is known to load.
Keras runs on the torch backend (`KERAS_BACKEND=torch`) for `keras_v3`; the two `tensorflow`
flavor models need `pip install tensorflow-cpu` and a second, partial run with the tensorflow
backend (a partial run updates GENERATE_LOG.json in place):

    KERAS_BACKEND=tensorflow /tmp/ff-venv/bin/python tests/data/generate_flavor_fixtures.py \
        tensorflow_keras tensorflow_keras_h5

`GENERATE_LOG.json` records the versions and what each load returned. Never load these files
in mlint tests: they are read as bytes only.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import traceback
from pathlib import Path

GEN_ROOT = Path("/tmp/mlint-gen/flavors")
REPO_DATA = Path(__file__).resolve().parent / "flavors"

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"


def _features():  # tiny deterministic data: 24 rows, 4 float32 features, 2 classes
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


def lightgbm_booster(path: Path):
    import lightgbm as lgb
    import mlflow.lightgbm

    x, y = _features()
    booster = lgb.train({"objective": "binary", "num_leaves": 3, "min_data_in_leaf": 2,
                         "verbose": -1, "seed": 0}, lgb.Dataset(x, y), num_boost_round=2)
    mlflow.lightgbm.save_model(booster, str(path), input_example=x[:2])
    return x[:2]


def _xgb_booster():
    import xgboost as xgb

    x, y = _features()
    return xgb.train({"max_depth": 2, "seed": 0}, xgb.DMatrix(x, label=y), num_boost_round=2), x


def xgboost_ubj(path: Path):
    import mlflow.xgboost

    booster, x = _xgb_booster()
    mlflow.xgboost.save_model(booster, str(path), input_example=x[:2])  # model_format="ubj"
    return x[:2]


def xgboost_json(path: Path):
    import mlflow.xgboost

    booster, x = _xgb_booster()
    mlflow.xgboost.save_model(booster, str(path), model_format="json", input_example=x[:2])
    return x[:2]


def catboost_classifier(path: Path):
    import catboost
    import mlflow.catboost

    x, y = _features()
    model = catboost.CatBoostClassifier(iterations=2, depth=2, random_seed=0, verbose=False,
                                        allow_writing_files=False)
    model.fit(x, y)
    mlflow.catboost.save_model(model, str(path), input_example=x[:2])
    return x[:2]


def onnx_external_data(path: Path):
    """A MatMul with a 4x100 float initializer (1,600 bytes): over onnx's 1,024-byte threshold,
    so MLflow's default `save_as_external_data=True` moves it to a separate file."""
    import mlflow.onnx
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = np.arange(400, dtype="float32").reshape(4, 100) / 400
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 100])],
        [numpy_helper.from_array(weights, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    x, _ = _features()
    mlflow.onnx.save_model(model, str(path), input_example=x[:2])
    return x[:2]


def _torch_module():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


def pytorch_pt2(path: Path):
    import mlflow.pytorch

    x, _ = _features()
    mlflow.pytorch.save_model(_torch_module(), str(path), serialization_format="pt2",
                              input_example=x[:2])
    return x[:2]


def pytorch_pickle(path: Path):
    import mlflow.pytorch

    x, _ = _features()
    mlflow.pytorch.save_model(_torch_module(), str(path), serialization_format="pickle",
                              input_example=x[:2])
    return x[:2]


def pytorch_torchscript(path: Path):
    import mlflow.pytorch
    import torch

    x, _ = _features()
    mlflow.pytorch.save_model(torch.jit.script(_torch_module()), str(path),
                              serialization_format="pickle", input_example=x[:2])
    return x[:2]


def keras_v3(path: Path):
    import keras
    import mlflow.keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    x, _ = _features()
    # mlflow.keras.save_model writes the input example before it creates the folder (log_model
    # passes an existing temporary one), so create it here.
    path.mkdir(parents=True)
    signature = mlflow.models.infer_signature(x[:2], model.predict(x[:2], verbose=0))
    mlflow.keras.save_model(model, str(path), input_example=x[:2], signature=signature)
    return x[:2]


def _tf_keras_model():
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    return tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])


def tensorflow_keras(path: Path):
    """mlflow.tensorflow with a Keras model: TF >= 2.16 writes `data/model.keras`."""
    import mlflow.tensorflow

    x, _ = _features()
    mlflow.tensorflow.save_model(_tf_keras_model(), str(path), input_example=x[:2])
    return x[:2]


def tensorflow_keras_h5(path: Path):
    """mlflow.tensorflow with `save_format: h5` (what MLflow < 2.x wrote by default)."""
    import mlflow.tensorflow

    x, _ = _features()
    mlflow.tensorflow.save_model(_tf_keras_model(), str(path), input_example=x[:2],
                                 keras_model_kwargs={"save_format": "h5"})
    return x[:2]


def spacy_textcat(path: Path):
    """A blank English pipeline with a bag-of-words text classifier (pyfunc needs `textcat`)."""
    import mlflow.spacy
    import pandas as pd
    import spacy

    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 1,
        "no_output_layer": False, "length": 64}})
    textcat.add_label("POS")
    textcat.add_label("NEG")
    nlp.initialize()
    example = pd.DataFrame({"text": ["good", "bad"]})
    mlflow.spacy.save_model(nlp, str(path), input_example=example)
    return example


MODELS = {
    "lightgbm_booster": lightgbm_booster,
    "xgboost_ubj": xgboost_ubj,
    "xgboost_json": xgboost_json,
    "catboost_classifier": catboost_classifier,
    "onnx_external_data": onnx_external_data,
    "pytorch_pt2": pytorch_pt2,
    "pytorch_pickle": pytorch_pickle,
    "pytorch_torchscript": pytorch_torchscript,
    "keras_v3": keras_v3,
    "spacy_textcat": spacy_textcat,
    # KERAS_BACKEND=tensorflow runs only (the other Keras model uses the torch backend)
    "tensorflow_keras": tensorflow_keras,
    "tensorflow_keras_h5": tensorflow_keras_h5,
}


def _versions() -> dict[str, str | None]:
    from importlib import metadata

    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("mlflow", "numpy", "pandas", "lightgbm", "xgboost", "catboost", "onnx",
                 "onnxruntime", "torch", "keras", "spacy", "tensorflow-cpu", "h5py"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def main() -> int:
    import mlflow.pyfunc

    only = set(sys.argv[1:])
    if GEN_ROOT.exists():
        shutil.rmtree(GEN_ROOT)
    GEN_ROOT.mkdir(parents=True)
    log: dict = {"versions": _versions(), "keras_backend": os.environ["KERAS_BACKEND"], "steps": []}
    version = log["versions"]["mlflow"]
    failed = False
    for name, make in MODELS.items():
        if only and name not in only:
            continue
        path = GEN_ROOT / name
        entry: dict = {"name": name}
        try:
            example = make(path)
            loaded = mlflow.pyfunc.load_model(str(path))
            entry["predict"] = repr(type(loaded.predict(example)).__name__)
            entry["status"] = "ok"
        except Exception:  # noqa: BLE001 - recorded, then the run fails
            entry["status"] = "error"
            entry["error"] = traceback.format_exc().replace(sys.prefix, "<sys.prefix>")
            failed = True
        log["steps"].append(entry)
        print(name, entry["status"], flush=True)
    target = REPO_DATA / version
    for name in [s["name"] for s in log["steps"] if s["status"] == "ok"]:
        if (target / name).exists():
            shutil.rmtree(target / name)
        shutil.copytree(GEN_ROOT / name, target / name)
    log_file = target / "GENERATE_LOG.json"
    if only and log_file.exists():  # a partial run updates the entries it re-made
        old = json.loads(log_file.read_text())
        names = {s["name"] for s in log["steps"]}
        old["steps"] = [s for s in old["steps"] if s["name"] not in names] + log["steps"]
        old.setdefault("partial_runs", []).append({"models": sorted(names), **log})
        del old["partial_runs"][-1]["steps"]
        log = old
    log_file.write_text(json.dumps(log, indent=2, sort_keys=True) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
