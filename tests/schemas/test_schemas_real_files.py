"""Files written by real MLflow validate without a single schema error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from schema_corpus import TREE_292, decoded_signature, file_kind, iter_files, read_yaml

from mlint.schemas import best_errors

DATA = Path(__file__).parent / "data"
SAMPLES_3172 = DATA / "mlflow-3.17.2"

SAMPLE_KINDS = {
    "logged_model/MLmodel": "mlmodel",
    "saved_model_cloudpickle_tensor/MLmodel": "mlmodel",
    "saved_pyfunc_params/MLmodel": "mlmodel",
    "logged_model/conda.yaml": "conda-env",
    "logged_model/python_env.yaml": "python-env",
    "mlruns/0/meta.yaml": "experiment-meta",
    "run/meta.yaml": "run-meta",
    "inputs/meta.yaml": "run-input-meta",
    "outputs/meta.yaml": "run-output-meta",
    "datasets/meta.yaml": "dataset-meta",
    "models/meta.yaml": "logged-model-meta",
    "registry/meta.yaml": "registered-model-meta",
    "registry/version-1/meta.yaml": "model-version-meta",
}


def _all_errors(kind: str, doc: Any) -> list[str]:
    found = [f"{e.pointer}: {e.message}" for e in best_errors(kind, doc)]
    if kind == "mlmodel":
        for key, name, decoded in decoded_signature(doc):
            found += [
                f"signature.{key}{e.pointer}: {e.message}" for e in best_errors(name, decoded)
            ]
    return found


@pytest.mark.parametrize("relpath", sorted(SAMPLE_KINDS))
def test_mlflow_3_17_2_samples(relpath: str) -> None:
    doc = yaml.safe_load((SAMPLES_3172 / relpath).read_text(encoding="utf-8"))
    assert _all_errors(SAMPLE_KINDS[relpath], doc) == []


def test_sample_signatures_are_decoded_and_checked() -> None:
    doc = yaml.safe_load((SAMPLES_3172 / "saved_pyfunc_params/MLmodel").read_text("utf-8"))
    kinds = [(key, name) for key, name, _ in decoded_signature(doc)]
    assert kinds == [
        ("inputs", "signature-schema"),
        ("outputs", "signature-schema"),
        ("params", "signature-params"),
    ]


def test_named_tensor_signature_sample() -> None:
    sig = json.loads((SAMPLES_3172 / "named_tensor_signature.json").read_text("utf-8"))
    assert best_errors("mlmodel", {"signature": sig}) == []
    for key in ("inputs", "outputs"):
        assert best_errors("signature-schema", json.loads(sig[key])) == []


def _tree_files() -> list[tuple[Path, str, str]]:
    if not TREE_292.is_dir():
        return []
    out = []
    for path, logical in iter_files(TREE_292):
        kind = file_kind(logical)
        if kind:
            out.append((path, logical, kind))
    return out


TREE_FILES = _tree_files()


@pytest.mark.skipif(not TREE_FILES, reason="shared corpus (../shared/corpus) not present")
def test_mlflow_2_9_2_tree_covers_every_kind() -> None:
    kinds = {kind for _, _, kind in TREE_FILES}
    assert kinds >= {
        "mlmodel",
        "conda-env",
        "python-env",
        "experiment-meta",
        "run-meta",
        "run-input-meta",
        "dataset-meta",
        "registered-model-meta",
        "model-version-meta",
    }


@pytest.mark.skipif(not TREE_FILES, reason="shared corpus (../shared/corpus) not present")
def test_mlflow_2_9_2_tree_is_clean() -> None:
    failures = {}
    signatures = 0
    for path, logical, kind in TREE_FILES:
        doc = read_yaml(path)
        signatures += sum(1 for _ in decoded_signature(doc)) if kind == "mlmodel" else 0
        errs = _all_errors(kind, doc)
        if errs:
            failures[logical] = errs
    assert failures == {}
    assert signatures > 0
