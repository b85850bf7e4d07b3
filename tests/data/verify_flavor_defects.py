#!/usr/bin/env python
"""Check what real MLflow does with single-defect copies of the flavor fixtures.

Run with the scratch interpreter of generate_flavor_fixtures.py (it has the flavor libraries):

    /tmp/ff-venv/bin/python tests/data/verify_flavor_defects.py

Each defect is applied to a copy under /tmp/mlint-gen/flavor-defects/, then a fresh child process
runs `mlflow.pyfunc.load_model(copy).predict(<the model's own input example>)`: a child, because a
truncated LightGBM file aborts the whole interpreter. The outcome of every case is written to
tests/data/flavors/<version>/DEFECTS.json; the rules MLM130-MLM133 cite these outcomes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path("/tmp/mlint-gen/flavor-defects")

CHILD = r"""
import os, sys, json
os.environ.setdefault("KERAS_BACKEND", "torch")
import mlflow.pyfunc
from mlflow.models import Model
path = sys.argv[1]
model = mlflow.pyfunc.load_model(path)
example = Model.load(path).load_input_example(path)
model.predict(example)
print("PREDICT-OK")
"""


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def delete(path: Path) -> None:
    shutil.rmtree(path) if path.is_dir() else path.unlink()


def rename(path: Path) -> None:
    path.rename(path.with_name(path.name + ".bak"))


def as_json(path: Path) -> None:
    path.write_text('{"learner": {}, "version": [2, 1, 0]}')


def as_text(path: Path) -> None:
    path.write_text("tree\nversion=v4\n")


def drop_config(path: Path) -> None:
    """Rewrite a .keras zip without its config.json member."""
    import io
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist() if n != "config.json"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


CASES: list[tuple[str, str, object]] = [
    ("lightgbm_booster", "model.lgb", truncate),
    ("lightgbm_booster", "model.lgb", empty),
    ("lightgbm_booster", "model.lgb", as_json),
    ("xgboost_ubj", "model.ubj", truncate),
    ("xgboost_ubj", "model.ubj", empty),
    ("xgboost_ubj", "model.ubj", as_text),
    ("xgboost_json", "model.json", truncate),
    ("xgboost_json", "model.json", empty),
    ("catboost_classifier", "model.cb", truncate),
    ("catboost_classifier", "model.cb", empty),
    ("catboost_classifier", "model.cb", as_json),
    ("onnx_external_data", "model.onnx", truncate),
    ("onnx_external_data", "model.onnx", empty),
    ("onnx_external_data", "model.onnx", as_text),
    ("onnx_external_data", "*.data", delete),
    ("onnx_external_data", "*.data", truncate),
    ("pytorch_pt2", "data/model.pt2", truncate),
    ("pytorch_pt2", "data/model.pt2", empty),
    ("pytorch_pt2", "data/model.pt2", rename),
    ("pytorch_pickle", "data/model.pth", truncate),
    ("pytorch_pickle", "data/model.pth", empty),
    ("pytorch_pickle", "data/model.pth", rename),
    ("pytorch_pickle", "data/pickle_module_info.txt", delete),
    ("pytorch_pickle", "data/pickle_module_info.txt", empty),
    ("pytorch_torchscript", "data/model.pth", truncate),
    ("keras_v3", "data/model.keras", truncate),
    ("keras_v3", "data/model.keras", empty),
    ("keras_v3", "data/model.keras", rename),
    ("keras_v3", "data/model.keras", as_json),
    ("keras_v3", "data/model.keras", drop_config),
    ("tensorflow_keras_h5", "data/model.h5", truncate),
    ("tensorflow_keras_h5", "data/model.h5", empty),
    ("tensorflow_keras_h5", "data/model.h5", as_json),
    ("tensorflow_keras", "data/model.keras", truncate),
    ("tensorflow_keras", "data/model.keras", rename),
    ("spacy_textcat", "model.spacy/config.cfg", delete),
    ("spacy_textcat", "model.spacy/meta.json", delete),
    ("spacy_textcat", "model.spacy/meta.json", truncate),
    ("spacy_textcat", "model.spacy/textcat", delete),
    ("spacy_textcat", "model.spacy/textcat/model", truncate),
    ("spacy_textcat", "model.spacy/textcat/model", empty),
    ("spacy_textcat", "model.spacy/tokenizer", delete),
    ("spacy_textcat", "model.spacy/vocab/strings.json", truncate),
]


def main() -> int:
    """With model names as arguments, only their cases run and DEFECTS.json is updated in
    place (the tensorflow models need `KERAS_BACKEND=tensorflow`, the others torch)."""
    source = HERE / "flavors" / "3.17.2"
    only = set(sys.argv[1:])
    results = []
    for name, rel, defect in CASES:
        if only and name not in only:
            continue
        work = WORK / f"{name}-{rel.replace('/', '_').replace('*', 'x')}-{defect.__name__}"
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(source / name, work)
        target = next(work.glob(rel)) if "*" in rel else work / rel
        defect(target)
        proc = subprocess.run([sys.executable, "-c", CHILD, str(work)], capture_output=True,
                              text=True, timeout=300)
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "Error" in ln or "Exception" in ln or "error" in ln]
        outcome = "predict ok" if "PREDICT-OK" in proc.stdout else (
            f"process killed by signal {-proc.returncode}" if proc.returncode < 0
            else f"exit {proc.returncode}")
        results.append({"model": name, "file": rel, "defect": defect.__name__, "outcome": outcome,
                        "last_error": (errors or lines or [""])[-1][:300]})
        print(f"{name:22} {rel:32} {defect.__name__:9} {outcome:28} {results[-1]['last_error'][:120]}",
              flush=True)
    if only:
        kept = [r for r in json.loads((source / "DEFECTS.json").read_text())
                if r["model"] not in only]
        results = kept + results
    (source / "DEFECTS.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
