"""List-shaped param defaults may hold nulls, exactly as MLflow's ParamSpec accepts them."""

from __future__ import annotations

import json

import pytest

from mlint import schemas

CASES = [("long", [1, None], True), ("string", ["a", None], True), ("double", [None], True),
         ("boolean", [True, None], True), ("long", [1, "x"], False), ("string", "a", False)]


@pytest.mark.parametrize(("kind", "default", "valid"), CASES)
def test_list_default_items(kind: str, default: object, valid: bool) -> None:
    spec = [{"name": "p", "type": kind, "default": default, "shape": [-1]}]
    assert (schemas.best_errors("signature-params", spec) == []) is valid


@pytest.mark.parametrize(("kind", "default", "valid"), CASES)
def test_list_default_items_agree_with_mlflow(kind: str, default: object, valid: bool) -> None:
    schema_module = pytest.importorskip("mlflow.types.schema")
    spec = json.dumps([{"name": "p", "type": kind, "default": default, "shape": [-1]}])
    try:
        schema_module.ParamSchema.from_json(spec)
        accepted = True
    except Exception:
        accepted = False
    assert accepted is valid
