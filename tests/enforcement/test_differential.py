"""Differential tests: mlint's verdicts and output dtypes equal real MLflow's (3.17.2)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .oracle import (
    ours,
    ours_params,
    ours_payload,
    theirs,
    theirs_params,
    theirs_payload,
)
from .strategies import DATATYPES, SOURCES, make_column, named_schemas, names

pytest.importorskip("mlflow")


def _same(a: tuple[str, Any], b: tuple[str, Any]) -> None:
    assert a[0] == b[0], f"mlint={a!r} mlflow={b!r}"
    if a[0] == "ok":
        assert a[1] == b[1], f"mlint={a!r} mlflow={b!r}"


@given(
    schema=named_schemas(),
    data=st.data(),
    n=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_named_columns_match_mlflow(
    schema: list[dict[str, Any]], data: st.DataObject, n: int, seed: int
) -> None:
    cols: dict[str, pd.Series] = {}
    for i, spec in enumerate(schema):
        if not spec["required"] and data.draw(st.booleans()):
            continue  # leave optional column out
        if data.draw(st.integers(0, 15)) == 0:
            continue  # leave any column out (sometimes a required one)
        cols[spec["name"]] = make_column(data.draw(st.sampled_from(sorted(SOURCES))), seed + i, n)
    for extra in data.draw(st.lists(names, max_size=2)):
        cols.setdefault("x" + extra, make_column("int64", seed, n))
    order = data.draw(st.permutations(list(cols)))
    df = pd.DataFrame({k: cols[k] for k in order})
    _same(ours(df, schema), theirs(df, schema))


@given(
    types=st.lists(st.sampled_from(DATATYPES), min_size=1, max_size=3),
    sources=st.lists(st.sampled_from(sorted(SOURCES)), min_size=0, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_unnamed_columns_match_mlflow(types: list[str], sources: list[str], seed: int) -> None:
    schema = [{"type": t, "required": True} for t in types]
    df = pd.DataFrame({f"c{i}": make_column(s, seed + i, 3) for i, s in enumerate(sources)})
    _same(ours(df, schema), theirs(df, schema))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, width=64),
    st.text(max_size=3),
    st.binary(max_size=3),
)
complex_types = st.sampled_from(
    [
        {"type": "array", "items": {"type": "long"}},
        {"type": "array", "items": {"type": "string"}},
        {"type": "array", "items": {"type": "boolean"}},
        {"type": "array", "items": {"type": "double"}},
        {"type": "array", "items": {"type": "any"}},
        {"type": "array", "items": {"type": "array", "items": {"type": "long"}}},
        {
            "type": "object",
            "properties": {
                "a": {"type": "long", "required": True},
                "b": {"type": "string", "required": False},
            },
        },
        {"type": "map", "values": {"type": "double"}},
        {"type": "map", "values": {"type": "any"}},
        {"type": "any"},
    ]
)
cells = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    ),
    max_leaves=6,
)


@given(
    ctype=complex_types,
    required=st.sampled_from([True, False, None]),
    values=st.lists(cells, min_size=1, max_size=3),
    as_dict=st.booleans(),
)
def test_complex_cells_match_mlflow(
    ctype: dict[str, Any], required: bool | None, values: list[Any], as_dict: bool
) -> None:
    spec = dict(ctype, name="c")
    if required is not None:
        spec["required"] = required
    schema = [spec]
    data: Any = (
        {"c": values[0]} if as_dict else pd.DataFrame({"c": pd.Series(values, dtype=object)})
    )
    _same(ours(data, schema), theirs(data, schema))


tensor_dtypes = st.sampled_from(["float32", "float64", "int32", "int64", "bool", "object", "str"])


@st.composite
def tensor_cases(draw: st.DrawFn) -> tuple[list[dict[str, Any]], Any]:
    spec_dtype = draw(tensor_dtypes)
    rank = draw(st.integers(1, 3))
    shape = [-1] + [draw(st.sampled_from([-1, 1, 2, 3])) for _ in range(rank - 1)]
    named = draw(st.booleans())
    spec: dict[str, Any] = {"type": "tensor", "tensor-spec": {"dtype": spec_dtype, "shape": shape}}
    if named:
        spec["name"] = "t"
    arr_dtype = draw(tensor_dtypes)
    arr_shape = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(1, 3))))
    seed = draw(st.integers(0, 2**16))
    arr = (np.random.default_rng(seed).normal(size=arr_shape) * 2).round(
        draw(st.sampled_from([0, 1]))
    )
    arr = arr.astype(arr_dtype)
    kind = draw(st.sampled_from(["ndarray", "dict", "df_scalar", "df_list", "df_multi", "list"]))
    data: Any
    if kind == "ndarray":
        data = arr
    elif kind == "dict":
        data = {"t": arr}
    elif kind == "df_scalar":
        data = pd.DataFrame({"t": arr.ravel()})
    elif kind == "df_list":
        data = pd.DataFrame({"t": [list(np.atleast_1d(r).ravel()) for r in arr]})
    elif kind == "df_multi":
        data = pd.DataFrame(arr.reshape(arr.shape[0], -1))
    else:
        data = arr.tolist()
    return [spec], data


@given(case=tensor_cases())
def test_tensors_match_mlflow(case: tuple[list[dict[str, Any]], Any]) -> None:
    schema, data = case
    _same(ours(data, schema), theirs(data, schema))


param_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2**40),
    st.floats(allow_nan=False, width=64),
    st.text(max_size=3),
    st.sampled_from(["2024-01-02", "2024-01-02T03:04:05", "x"]),
    st.builds(np.int32, st.integers(-5, 5)),
    st.builds(np.float32, st.floats(-5, 5)),
    st.builds(np.int64, st.integers(-5, 5)),
    st.builds(np.float64, st.floats(-5, 5)),
    st.lists(st.integers(-3, 3), max_size=3),
    st.lists(st.floats(-3, 3), max_size=2),
    st.just({"a": 1}),
)
param_types = st.sampled_from(
    ["boolean", "integer", "long", "float", "double", "string", "datetime"]
)
defaults = {
    "boolean": True,
    "integer": 1,
    "long": 2,
    "float": 1.5,
    "double": 2.5,
    "string": "s",
    "datetime": "2024-01-01T00:00:00",
}


@given(ptype=param_types, shaped=st.booleans(), value=param_values, give=st.booleans())
def test_params_match_mlflow(ptype: str, shaped: bool, value: Any, give: bool) -> None:
    default = [defaults[ptype]] if shaped else defaults[ptype]
    pschema = [{"name": "p", "type": ptype, "default": default, "shape": [-1] if shaped else None}]
    params = {"p": value, "unknown": 1} if give else None
    a, b = ours_params(params, pschema), theirs_params(params, pschema)
    assert a[0] == b[0], f"mlint={a!r} mlflow={b!r}"
    if a[0] == "ok":
        assert a[1] == b[1] and [type(v) for v in a[1].values()] == [type(v) for v in b[1].values()]


json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([1.5, 2.0, 2**40, -1]),
    st.sampled_from(["1", "a", "2024-01-02", "YWJj", "True"]),
)


@given(
    ptypes=st.lists(st.sampled_from(DATATYPES), min_size=1, max_size=2),
    rows=st.lists(st.lists(json_values, min_size=2, max_size=2), min_size=1, max_size=3),
    fmt=st.sampled_from(["dataframe_split", "dataframe_records", "inputs", "instances"]),
)
def test_payload_parsing_matches_mlflow(ptypes: list[str], rows: list[list[Any]], fmt: str) -> None:
    schema = [{"type": t, "name": f"c{i}", "required": True} for i, t in enumerate(ptypes)]
    cols = [f"c{i}" for i in range(len(ptypes))]
    rows = [r[: len(cols)] for r in rows]
    payload: dict[str, Any]
    if fmt == "dataframe_split":
        payload = {fmt: {"columns": cols, "data": rows}}
    elif fmt == "dataframe_records":
        payload = {fmt: [dict(zip(cols, r, strict=True)) for r in rows]}
    elif fmt == "inputs":
        payload = {fmt: {c: [r[i] for r in rows] for i, c in enumerate(cols)}}
    else:
        payload = {fmt: [dict(zip(cols, r, strict=True)) for r in rows]}
    payload = json.loads(json.dumps(payload))
    a, b = ours_payload(payload, schema), theirs_payload(payload, schema)
    _same(a, b)
    if a[0] == "ok":
        # And the full serving verdict (pre-cast then enforcement) agrees too.
        from mlflow.pyfunc.scoring_server import infer_and_parse_data
        from mlflow.types.schema import Schema

        from mlint.enforcement import parse_serving_payload

        mine = parse_serving_payload(payload, schema).data
        real = infer_and_parse_data(
            json.loads(json.dumps(payload)), Schema.from_json(json.dumps(schema))
        )
        _same(ours(mine, schema), theirs(real, schema))


@given(
    spec_dtype=st.sampled_from(["float32", "float64", "int64", "str"]),
    named=st.booleans(),
    values=st.lists(
        st.lists(st.sampled_from([1, 2.5, "a", True, None, 2**40]), min_size=2, max_size=2),
        min_size=1,
        max_size=3,
    ),
    fmt=st.sampled_from(["inputs", "instances", "dataframe_split"]),
)
def test_tensor_payloads_match_mlflow(
    spec_dtype: str, named: bool, values: list[list[Any]], fmt: str
) -> None:
    spec: dict[str, Any] = {
        "type": "tensor",
        "tensor-spec": {"dtype": spec_dtype, "shape": [-1, 2]},
    }
    if named:
        spec["name"] = "t"
    schema = [spec]
    body: Any = {"t": values} if named and fmt == "inputs" else values
    if fmt == "dataframe_split":
        body = {"data": [[r] for r in values], "columns": ["t"]} if named else {"data": values}
    payload = json.loads(json.dumps({fmt: body}))
    a, b = ours_payload(payload, schema), theirs_payload(payload, schema)
    _same(a, b)


@given(
    types=st.lists(st.sampled_from(DATATYPES), min_size=1, max_size=2),
    value=st.one_of(
        st.dictionaries(st.sampled_from(["a", "b", 0, 1]), st.integers(0, 2), max_size=3),
        st.lists(st.lists(st.integers(0, 1), min_size=2, max_size=2), max_size=2),
        st.integers(0, 1),
        st.just(np.array([[1, 0]])),
    ),
)
def test_unnamed_schema_raw_inputs_match_mlflow(types: list[str], value: Any) -> None:
    schema = [{"type": t, "required": True} for t in types]
    _same(ours(value, schema), theirs(value, schema))
