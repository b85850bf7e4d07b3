"""Property tests: conformance, single fault, invariance, widening, idempotence."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mlint.enforcement import EnforcementError, enforce_schema

from .strategies import CONFORMING, SOURCES, make_column, named_schemas

RESULT_DTYPE = {
    "boolean": {"bool", "object"},
    "integer": {"int32"},
    "long": {"int64"},
    "float": {"float32"},
    "double": {"float64"},
    "string": {"object", "str", "string"},
    "binary": {"object"},
    "datetime": {"datetime64[ns]"},
}


@st.composite
def conforming_case(draw: st.DrawFn) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    schema = draw(named_schemas())
    n = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**16))
    cols = {
        s["name"]: make_column(draw(st.sampled_from(CONFORMING[s["type"]])), seed + i, n)
        for i, s in enumerate(schema)
    }
    return schema, pd.DataFrame(cols)


@given(case=conforming_case())
def test_conformance(case: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    schema, df = case
    out = enforce_schema(df, schema)
    assert list(out.columns) == [s["name"] for s in schema]
    for s in schema:
        assert str(out[s["name"]].dtype) in RESULT_DTYPE[s["type"]]


# For each type, a source with no lossless conversion into it (per the §4.3 matrix).
NON_CONVERTIBLE = {
    "boolean": "float64",
    "integer": "int64",
    "long": "float64",
    "float": "float64",
    "double": "dt64ns",
    "string": "float64",
    "binary": "int32",
    "datetime": "float32",
}


@given(case=conforming_case(), data=st.data())
def test_single_fault(case: tuple[list[dict[str, Any]], pd.DataFrame], data: st.DataObject) -> None:
    schema, df = case
    victim = data.draw(st.sampled_from(schema))
    name = victim["name"]
    if data.draw(st.booleans()) and victim["required"]:
        df = df.drop(columns=[name])
    else:
        df = df.assign(**{name: make_column(NON_CONVERTIBLE[victim["type"]], 1, len(df))})
    with pytest.raises(EnforcementError) as ei:
        enforce_schema(df, schema)
    assert ei.value.inputs == (name,)
    assert repr(name) in str(ei.value) or name in str(ei.value)


@given(case=conforming_case(), data=st.data())
def test_invariance(case: tuple[list[dict[str, Any]], pd.DataFrame], data: st.DataObject) -> None:
    schema, df = case
    expected = enforce_schema(df, schema)
    extra = {
        f"zz{i}": make_column(data.draw(st.sampled_from(sorted(SOURCES))), i, len(df))
        for i in range(data.draw(st.integers(0, 3)))
    }
    shuffled = df.assign(**extra)
    shuffled = shuffled[data.draw(st.permutations(list(shuffled.columns)))]
    pd.testing.assert_frame_equal(enforce_schema(shuffled, schema), expected)


# MLflow's lossless widenings between DataTypes (a column accepted for the key type as its
# natural dtype is also accepted for every type in the value list).
WIDENS = {"integer": ["long", "double"], "float": ["double"], "boolean": [], "long": []}
NATURAL = {"integer": "int32", "float": "float32", "boolean": "bool", "long": "int64"}


@given(src=st.sampled_from(sorted(WIDENS)), seed=st.integers(0, 2**16), n=st.integers(1, 5))
def test_widening(src: str, seed: int, n: int) -> None:
    df = pd.DataFrame({"x": make_column(NATURAL[src], seed, n)})
    enforce_schema(df, [{"type": src, "name": "x"}])
    for wider in WIDENS[src]:
        out = enforce_schema(df, [{"type": wider, "name": "x"}])
        assert list(out["x"].astype(float)) == list(df["x"].astype(float))


@given(case=conforming_case())
def test_idempotence(case: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    schema, df = case
    once = enforce_schema(df, schema)
    twice = enforce_schema(once, schema)
    pd.testing.assert_frame_equal(once, twice)


@given(case=conforming_case())
def test_input_not_mutated(case: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    schema, df = case
    before = df.copy(deep=True)
    enforce_schema(df, schema)
    assume(len(df) > 0)
    pd.testing.assert_frame_equal(df, before)
