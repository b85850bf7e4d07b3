"""Example-based tests for MLFLOW_FORMAT.md §3 (parsing) and §4.1/4.2/4.4/4.5/4.6/4.7."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlint.enforcement import (
    EnforcementError,
    LossyCastError,
    SchemaError,
    enforce_params,
    enforce_params_report,
    enforce_schema,
    enforce_schema_report,
    enforce_serving_payload,
    parse_schema,
    parse_serving_payload,
)

AB = '[{"type":"long","name":"a","required":true},{"type":"double","name":"b","required":false}]'


# ---------------------------------------------------------------- §3 parsing
@pytest.mark.parametrize(
    "bad",
    [
        "[]",
        '[{"type":"long","name":"a"},{"type":"long"}]',
        '[{"type":"long","name":"a"},{"type":"tensor","name":"t","tensor-spec":{"dtype":"int8","shape":[1]}}]',
        '[{"type":"tensor","tensor-spec":{"dtype":"int8","shape":[1]}},{"type":"tensor","tensor-spec":{"dtype":"int8","shape":[1]}}]',
        '[{"type":"long","required":false}]',
        '[{"type":"long","name":"a","optional":true}]',
        '[{"type":"int","name":"a"}]',
        '[{"type":"tensor","tensor-spec":{"dtype":"<U5","shape":[-1]}}]',
        '[{"type":"object","name":"o","properties":{}}]',
    ],
)
def test_invalid_schemas_rejected(bad: str) -> None:
    with pytest.raises(SchemaError):
        parse_schema(bad)


def test_complex_type_without_required_is_optional() -> None:
    s = parse_schema('[{"type":"array","items":{"type":"long"},"name":"a"}]')
    assert s.required_input_names() == []
    assert enforce_schema(pd.DataFrame({"z": [1]}), s).shape[1] == 0


def test_duplicate_names_and_string_zero_dim_accepted() -> None:
    parse_schema('[{"type":"long","name":"a"},{"type":"long","name":"a"}]')
    parse_schema('[{"type":"tensor","tensor-spec":{"dtype":"str","shape":[-1]}}]')


# ---------------------------------------------------------------- §4.1 / §4.2
def test_reorder_drop_extra_and_warn() -> None:
    df = pd.DataFrame({"z": [0], "b": [1.0], "a": [1]})
    res = enforce_schema_report(df, AB)
    assert list(res.data.columns) == ["a", "b"]
    assert [w.kind for w in res.warnings] == ["extra-inputs-ignored"]


def test_missing_required_named_exactly() -> None:
    with pytest.raises(EnforcementError, match=r"missing inputs \['a'\]") as ei:
        enforce_schema(pd.DataFrame({"A": [1], "b": [1.0]}), AB)  # case-sensitive
    assert ei.value.inputs == ("a",)


def test_missing_optional_is_skipped() -> None:
    assert list(enforce_schema(pd.DataFrame({"a": [1]}), AB).columns) == ["a"]


def test_ndarray_against_named_schema_fails() -> None:
    with pytest.raises(EnforcementError, match="missing inputs"):
        enforce_schema(np.array([[1]]), '[{"type":"long","name":"a"}]')


def test_unnamed_positional() -> None:
    schema = '[{"type":"long"},{"type":"double"}]'
    out = enforce_schema(pd.DataFrame({"p": [1], "q": [2.0], "r": ["x"]}), schema)
    assert list(out.columns) == ["p", "q"]
    with pytest.raises(EnforcementError, match="can only verify their count"):
        enforce_schema(pd.DataFrame({"p": [1]}), schema)


def test_scalar_dict_list_coercion() -> None:
    assert enforce_schema(5, '[{"type":"long"}]').shape == (1, 1)
    assert enforce_schema({"a": 1, "b": 2.0}, AB).shape == (1, 2)
    assert enforce_schema({"a": [1, 2], "b": [1.0, 2.0]}, AB).shape == (2, 2)
    with pytest.raises(EnforcementError, match="Expected input to be DataFrame"):
        enforce_schema(object(), AB)


def test_duplicate_input_columns_rejected() -> None:
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(EnforcementError):
        enforce_schema(df, AB)


def test_empty_frame_ok() -> None:
    out = enforce_schema(pd.DataFrame({"a": pd.Series([], dtype="int64")}), AB)
    assert len(out) == 0


# ---------------------------------------------------------------- §4.4 complex cells
ARR = '[{"type":"array","items":{"type":"long"},"name":"c","required":true}]'
OBJ = (
    '[{"type":"object","name":"c","required":true,"properties":'
    '{"k":{"type":"string","required":true},"o":{"type":"double","required":false}}}]'
)
MAP = '[{"type":"map","values":{"type":"long"},"name":"c","required":true}]'


def test_array_cells() -> None:
    assert enforce_schema({"c": [1, 2]}, ARR)["c"][0] == [1, 2]
    for bad in (None, 5, ["x"]):
        with pytest.raises(EnforcementError) as ei:
            enforce_schema(pd.DataFrame({"c": pd.Series([bad], dtype=object)}), ARR)
        assert ei.value.inputs == ("c",)


def test_optional_array_accepts_none_and_empty() -> None:
    schema = ARR.replace('"required":true', '"required":false')
    enforce_schema(pd.DataFrame({"c": pd.Series([None, []], dtype=object)}), schema)


def test_object_cells() -> None:
    enforce_schema({"c": {"k": "v"}}, OBJ)
    with pytest.raises(EnforcementError, match="Missing required properties"):
        enforce_schema({"c": {"o": 1.0}}, OBJ)
    with pytest.raises(EnforcementError, match="Invalid properties"):
        enforce_schema({"c": {"k": "v", "zzz": 1}}, OBJ)


def test_map_cells() -> None:
    enforce_schema(pd.DataFrame({"c": [{"x": 1}]}), MAP)
    with pytest.raises(EnforcementError, match="string type"):
        enforce_schema(pd.DataFrame({"c": [{1: 1}]}), MAP)


def test_any_accepts_anything() -> None:
    enforce_schema(
        pd.DataFrame({"c": [None, object()]}), '[{"type":"any","name":"c","required":true}]'
    )


def test_boolean_array_none_becomes_false_is_lossy() -> None:
    schema = '[{"type":"array","items":{"type":"boolean"},"name":"c","required":true}]'
    res = enforce_schema_report({"c": [True, None]}, schema)
    assert res.data["c"][0] == [True, False]
    assert res.lossy
    with pytest.raises(LossyCastError):
        enforce_schema({"c": [True, None]}, schema, strict=True)


# ---------------------------------------------------------------- §4.5 tensors
T1 = '[{"type":"tensor","tensor-spec":{"dtype":"float32","shape":[-1,2]}}]'
TN = '[{"type":"tensor","name":"t","tensor-spec":{"dtype":"float32","shape":[-1]}}]'


def test_tensor_exact_dtype_and_shape() -> None:
    enforce_schema(np.zeros((3, 2), np.float32), T1)
    with pytest.raises(EnforcementError, match="dtype"):
        enforce_schema(np.zeros((3, 2)), T1)
    with pytest.raises(EnforcementError, match="shape"):
        enforce_schema(np.zeros((3, 3), np.float32), T1)
    with pytest.raises(EnforcementError):
        enforce_schema([[0.0, 0.0]], T1)


def test_named_tensor_dict_requires_ndarray() -> None:
    assert enforce_schema({"t": np.zeros(2, np.float32), "x": 1}, TN).keys() == {"t"}
    with pytest.raises(EnforcementError) as ei:
        enforce_schema({"t": [0.0]}, TN)
    assert ei.value.inputs == ("t",)


def test_dataframe_column_to_tensor_casts_and_reports() -> None:
    res = enforce_schema_report(pd.DataFrame({"t": [1.5, 2.0]}), TN)
    assert res.data["t"].dtype == np.float32 and not res.lossy
    res = enforce_schema_report(
        pd.DataFrame({"t": [1.5, 2.0]}),
        TN.replace("float32", "int64"),
    )
    assert res.data["t"].tolist() == [1, 2] and res.lossy


def test_ndarray_cells_skip_dtype_check() -> None:
    df = pd.DataFrame({"t": [np.zeros(2), np.zeros(2)]})
    out = enforce_schema(df, TN.replace("[-1]", "[-1,2]"))
    assert out["t"].dtype == np.float64  # MLflow quirk: no cast, no check


def test_object_vector_spec_accepts_anything() -> None:
    enforce_schema(
        np.array([1, "a"], dtype=object),
        '[{"type":"tensor","tensor-spec":{"dtype":"object","shape":[-1]}}]',
    )


# ---------------------------------------------------------------- §4.6 params
P = json.dumps(
    [
        {"name": "i", "type": "integer", "default": 1, "shape": None},
        {"name": "d", "type": "double", "default": 1.0, "shape": None},
        {"name": "l", "type": "long", "default": [1], "shape": [-1]},
        {"name": "t", "type": "datetime", "default": "2024-01-01T00:00:00", "shape": None},
    ]
)


def test_params_defaults_filled_and_unknown_dropped() -> None:
    out, warns = enforce_params_report({"zz": 1}, P)
    assert out == {"i": 1, "d": 1.0, "l": [1], "t": dt.datetime(2024, 1, 1)}
    assert [w.kind for w in warns] == ["params-ignored"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("i", 2**40, 2**40),  # no range check
        ("d", 1, 1.0),
        ("d", np.float32(0.5), 0.5),
        ("l", [np.int32(3)], [3]),
        ("t", "2024-02-03", dt.date(2024, 2, 3)),
        ("i", None, None),
    ],
)
def test_params_accepted(name: str, value: Any, expected: Any) -> None:
    out = enforce_params({name: value}, P)
    assert out is not None and out[name] == expected and type(out[name]) is type(expected)


@pytest.mark.parametrize(
    ("name", "value"),
    [("i", True), ("i", 1.0), ("d", "1"), ("l", 3), ("i", [1]), ("t", 5), ("t", "nope")],
)
def test_params_rejected(name: str, value: Any) -> None:
    with pytest.raises(EnforcementError, match="Invalid parameters") as ei:
        enforce_params({name: value}, P)
    assert ei.value.inputs == (name,)


def test_params_without_schema() -> None:
    assert enforce_params(None, None) is None
    out, warns = enforce_params_report({"a": 1}, None)
    assert out == {} and warns[0].kind == "params-ignored"
    with pytest.raises(EnforcementError):
        enforce_params([1], P)


# ---------------------------------------------------------------- §4.7 payloads
def _split(values: list[Any], t: str) -> tuple[Any, Any]:
    payload = {"dataframe_split": {"columns": ["c"], "data": [[v] for v in values]}}
    schema = [{"type": t, "name": "c", "required": True}]
    return payload, schema


@pytest.mark.parametrize(
    ("values", "t", "ok", "lossy"),
    [
        ([1, 2], "boolean", True, True),
        ([1.5, 2.5], "integer", True, True),
        ([1.0, 2.0], "long", True, False),
        ([True, False], "integer", True, False),
        (["1", "2"], "long", True, False),
        (["a", "b"], "boolean", True, True),
        (["a", "b"], "long", False, False),
        ([None, 1], "long", False, False),
        ([None, 1], "double", True, False),
        ([2**40, 1], "integer", True, True),
        ([1, 2], "datetime", True, True),
        (["2024-01-01", "2024-01-02"], "datetime", True, False),
        (["YWJj"], "binary", True, False),
        (["2024-01-01"], "binary", True, True),
        ([1, 2], "binary", False, False),
        ([1, 2], "string", True, False),
    ],
)
def test_dataframe_split_precast(values: list[Any], t: str, ok: bool, lossy: bool) -> None:
    payload, schema = _split(values, t)
    if not ok:
        with pytest.raises(EnforcementError) as ei:
            parse_serving_payload(payload, schema)
        assert ei.value.inputs == ("c",)
        return
    parsed = parse_serving_payload(payload, schema)
    assert parsed.lossy is lossy
    if lossy:
        with pytest.raises(LossyCastError):
            parse_serving_payload(payload, schema, strict=True)


def test_truncation_is_reported_with_example() -> None:
    payload, schema = _split([1.5], "integer")
    p = parse_serving_payload(payload, schema)
    assert p.data["c"].tolist() == [1]
    w = next(w for w in p.warnings if w.kind == "lossy-cast")
    assert w.input == "c" and w.examples == ((1.5, 1),)


def test_inputs_and_instances_formats() -> None:
    schema = [
        {"type": "long", "name": "a", "required": True},
        {"type": "string", "name": "s", "required": True},
    ]
    p = parse_serving_payload({"inputs": {"a": [1, 2], "s": ["x", "y"]}}, schema)
    assert p.data["a"].dtype == np.int64
    p = parse_serving_payload({"instances": [{"a": 1, "s": "x"}, {"a": 2, "s": "y"}]}, schema)
    assert p.data["a"].tolist() == [1, 2]
    single = [{"type": "double", "name": "a", "required": True}]
    p = parse_serving_payload({"inputs": [1, 2]}, single)  # single named column wraps a list
    assert list(p.data) == ["a"]
    with pytest.raises(EnforcementError):
        parse_serving_payload({"inputs": {"a": 1}}, '[{"type":"long"}]')


def test_payload_envelope() -> None:
    schema = '[{"type":"long","name":"a"}]'
    p = parse_serving_payload('{"dataframe_records": [{"a": 1}], "params": {"k": 1}}', schema)
    assert p.params == {"k": 1} and not p.is_llm_input
    with pytest.raises(EnforcementError, match="exactly one"):
        parse_serving_payload({"dataframe_records": [], "inputs": []}, schema)
    with pytest.raises(EnforcementError):
        parse_serving_payload("not json", schema)
    assert parse_serving_payload({"messages": []}, schema).is_llm_input


def test_enforce_serving_payload_end_to_end() -> None:
    pschema = '[{"name":"k","type":"double","default":0.5,"shape":null}]'
    r = enforce_serving_payload(
        {"dataframe_split": {"columns": ["a"], "data": [[1.5]]}, "params": {"k": 2}},
        '[{"type":"integer","name":"a","required":true}]',
        pschema,
    )
    assert r.data["a"].dtype == np.int32 and r.params == {"k": 2.0} and r.lossy


def test_non_object_payloads_are_enforcement_errors_not_type_errors() -> None:
    from mlint.enforcement import EnforcementError, parse_serving_payload

    for payload in (None, [1, 2], 3, "null", "[1]"):
        with pytest.raises(EnforcementError, match="JSON dictionary"):
            parse_serving_payload(payload)  # type: ignore[arg-type]


def test_chat_style_payloads_are_still_enforced() -> None:
    from mlint.enforcement import EnforcementError, enforce_serving_payload

    schema = '[{"type": "string", "name": "question", "required": true}]'
    with pytest.raises(EnforcementError, match="question"):
        enforce_serving_payload({"messages": [{"role": "user", "content": "hi"}]}, schema)
