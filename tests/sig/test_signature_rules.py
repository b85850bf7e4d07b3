"""SIG100/SIG101 locate MLflow's Schema/ParamSchema failures; the verdict matches MLflow's, and
the example row cap is announced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlint import Config, run

D = {"type": "double"}
CASES: list[tuple[str, list[Any], str]] = [
    # (part, decoded signature value, pointer of the expected SIG100/SIG101 finding or "")
    ("inputs", [{**D, "name": "a"}, D], "/signature/inputs/1"),
    ("inputs", [{**D, "name": "a"}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}],
     "/signature/inputs/1"),
    ("inputs", [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}] * 2,
     "/signature/inputs/0"),
    ("inputs", [{**D, "required": False}], "/signature/inputs/0/required"),
    ("inputs", [{"type": "tensor", "tensor-spec": {"dtype": "nope", "shape": [-1]}}],
     "/signature/inputs/0/tensor-spec/dtype"),
    ("outputs", [D, {**D, "name": "b"}], "/signature/outputs/0"),
    ("inputs", [{**D, "name": ""}, {**D, "name": 0}], ""),  # falsy names count as names
    ("inputs", [{**D, "name": "a"}, {**D, "name": "a"}], ""),  # duplicates load (SIG103 warns)
    ("inputs", [{"type": "tensor", "name": "x", "tensor-spec": {"dtype": "float32", "shape": [-1]}},
                {"type": "tensor", "name": "y", "tensor-spec": {"dtype": "O", "shape": [-1, 2]}}], ""),
    ("params", [{"name": "p", "default": 2.0, "type": "long", "shape": None}], "/signature/params/0/default"),
    ("params", [{"name": "p", "default": 1, "type": "long"}, {"name": "p", "default": 2, "type": "long"}],
     "/signature/params/1/name"),
    ("params", [{"name": "d", "default": "not a date", "type": "datetime", "shape": None}],
     "/signature/params/0/default"),
    ("params", [{"name": "o", "default": {"y": 1}, "type": "object", "properties": {"x": {"type": "long"}}}],
     "/signature/params/0/default"),
    ("params", [{"name": "l", "default": [1, 2], "type": "long", "shape": [-1]}], ""),
]


def _model(tmp: Path, part: str, value: list[Any], example: Any = None) -> Path:
    folder = tmp / "model"
    folder.mkdir()
    signature = {"inputs": json.dumps([{**D, "name": "a"}]), "outputs": None, "params": None}
    signature[part] = json.dumps(value)
    doc: dict[str, Any] = {"flavors": {"python_function": {"loader_module": "mlflow.pyfunc.model"}},
                           "signature": signature}
    if example is not None:
        doc["saved_input_example_info"] = {"artifact_path": "input_example.json", "type": "dataframe"}
        (folder / "input_example.json").write_text(json.dumps(example))
    (folder / "MLmodel").write_text(yaml.safe_dump(doc))
    return folder


@pytest.mark.parametrize(("part", "value", "pointer"), CASES)
def test_signature_findings_are_located_and_match_mlflow(part: str, value: list[Any], pointer: str,
                                                         tmp_path: Path) -> None:
    folder = _model(tmp_path, part, value)
    report = run([str(folder)], Config(select=("SIG001", "SIG100", "SIG101")))
    errors = [d for d in report.diagnostics if d.severity.value == "error"]
    assert [d.pointer for d in errors if d.code in ("SIG100", "SIG101")] == ([pointer] if pointer else [])
    schema = pytest.importorskip("mlflow.types.schema")
    try:
        (schema.ParamSchema if part == "params" else schema.Schema).from_json(json.dumps(value))
        mlflow_rejects = False
    except Exception:
        mlflow_rejects = True
    assert bool(errors) == mlflow_rejects


def test_row_cap_is_announced(tmp_path: Path) -> None:
    rows = [[1.0]] * 5 + [["x"]]
    folder = _model(tmp_path, "inputs", [{**D, "name": "a"}], {"columns": ["a"], "data": rows})
    capped = Config(select=("SIG120",), rule_options={"SIG120": {"max-example-rows": 3}})
    assert run([str(folder)], capped).diagnostics == []  # the bad row is past the cap
    full = run([str(folder)], Config(select=("SIG120",))).diagnostics
    assert [d.code for d in full] == ["SIG120"] and "rows only" not in full[0].message
    rows = [["x"]] * 5
    (folder / "input_example.json").write_text(json.dumps({"columns": ["a"], "data": rows}))
    capped_bad = run([str(folder)], capped).diagnostics
    assert len(capped_bad) == 1 and "checked the first 3 rows only" in capped_bad[0].message
