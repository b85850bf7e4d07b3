"""Schemas validated property by property (`mlint.schemas._validate`) give exactly the errors
of one whole validation, for real MLmodel/conda files and for broken ones with many errors
spread over several properties (where the merge order and the limit matter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import mlint.schemas as schemas
from tests.conftest import REPO

SPLIT = [n for n in schemas.names() if schemas._per_property(n)]


def _files(name: str) -> list[Path]:
    roots = [REPO / "tests" / "data", REPO / "tests" / "rules", REPO / "examples"]
    return sorted(p for root in roots for p in root.rglob(name) if p.is_file())


def _loaded(paths: list[Path]) -> list[Any]:
    out = []
    for path in paths:
        try:
            out.append(yaml.safe_load(path.read_text()))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError):
            continue
    return out


BROKEN_MLMODEL: list[Any] = [
    {"flavors": {"python_function": {"env": 3}, "sklearn": []}, "signature": {"inputs": 1},
     "run_id": 5, "utc_time_created": "yesterday", "model_size_bytes": "big",
     "saved_input_example_info": {"type": 7}, "metadata": [], "mlflow_version": ["x"]},
    {"flavors": [], "signature": [], "artifact_path": {}, "model_uuid": 1.5, "databricks_runtime": 1},
    {"flavors": {f"f{i}": {"code": i} for i in range(30)}, "run_id": None},
    {"flavors": "not a mapping"},
    {},
    [],
    "MLmodel",
    None,
]
BROKEN_CONDA: list[Any] = [
    {"name": 1, "channels": "x", "dependencies": [{"pip": "x"}, 3, None]},
    {"dependencies": {"pip": []}, "prefix": 2},
]


def _instances(name: str) -> list[Any]:
    if name == "mlmodel":
        return _loaded(_files("MLmodel")) + BROKEN_MLMODEL
    if name == "conda-env":
        return _loaded(_files("conda.yaml")) + BROKEN_CONDA
    return []


def test_the_split_applies_to_mlmodel_and_conda_only() -> None:
    assert SPLIT == ["conda-env", "mlmodel"]


@pytest.mark.parametrize("name", SPLIT)
@pytest.mark.parametrize("limit", [1, 3, 20, 1000])
def test_per_property_equals_whole(name: str, limit: int) -> None:
    instances = _instances(name)
    assert len(instances) > 10
    for instance in instances:
        whole = schemas._best_errors(name, instance, limit)
        assert schemas._validate(name, instance, limit) == whole, instance
        assert schemas.best_errors(name, instance, limit) == whole, instance
        assert schemas.best_errors(name, instance, limit) == whole, instance  # memo hit


def test_broken_examples_do_have_errors_across_properties() -> None:
    errors = schemas._best_errors("mlmodel", BROKEN_MLMODEL[0], 1000)
    assert len({e.pointer.split("/")[1] for e in errors}) >= 5
    assert len(errors) > 3
