"""MLFLOW_FORMAT.md §4.3: one test per cell of the column conversion matrix (pandas 3 column).

``EXPECTED[source][target]`` is the output dtype, "same" for pass-through, or None for an error.
Rows that depend on the pandas major version are adjusted below (see docs/enforcement.md).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from mlint.enforcement import EnforcementError, enforce_schema

from .strategies import DATATYPES, make_column

PANDAS3 = int(pd.__version__.split(".")[0]) >= 3
T = DATATYPES  # boolean integer long float double string binary datetime


def row(**ok: str) -> dict[str, str | None]:
    return {t: ok.get(t) for t in T}


OBJ_ANY = {"string": "same", "binary": "same"}
EXPECTED: dict[str, dict[str, str | None]] = {
    "bool": row(boolean="bool"),
    "int8": row(integer="int32", long="int64", double="float64"),
    "int16": row(integer="int32", long="int64", double="float64"),
    "int32": row(integer="int32", long="int64", double="float64"),
    "int64_01": row(long="int64", float="float32", double="float64"),
    "int64": row(long="int64"),
    "uint8": row(integer="int32", long="int64", double="float64"),
    "uint16": row(integer="int32", long="int64", double="float64"),
    "uint32": row(long="int64", double="float64"),
    "uint64": row(),
    "float16": row(float="float32", double="float64"),
    "float32": row(float="float32", double="float64"),
    "float64": row(double="float64"),
    "float64_integral_nan": row(double="float64"),
    "obj_str": row(**OBJ_ANY) if PANDAS3 else row(boolean="same", **OBJ_ANY),
    "string_dtype": row(**OBJ_ANY),
    "obj_int": row(long="int64", **OBJ_ANY),
    "obj_float": row(double="float64", **OBJ_ANY),
    "obj_bool": row(boolean="bool", **OBJ_ANY),
    "obj_bool_none": row(boolean="same", double="float64", **OBJ_ANY),
    "obj_bytes": row(boolean="same", **OBJ_ANY),
    "obj_datetime": row(datetime="datetime64[ns]", **OBJ_ANY),
    "obj_date": row(boolean="same", datetime="datetime64[ns]", **OBJ_ANY),
    "obj_iso": row(**OBJ_ANY)
    if PANDAS3
    else row(boolean="same", datetime="datetime64[ns]", **OBJ_ANY),
    "dt64ns": row(datetime="datetime64[ns]"),
    "dt64s": row(datetime="datetime64[ns]"),
    "dt64tz": row(),
    "obj_decimal": row(boolean="same", double="float64", **OBJ_ANY),
    # MLFLOW_FORMAT.md says "—" for these two; real MLflow 3.17.2 accepts them (same-kind
    # upcast through astype), so the table here follows MLflow.
    "Int64": row(long="int64"),
    "boolean_ext": row(boolean="bool"),
    "Float64": row(double="float64"),
    "category": row(),
}


@pytest.mark.parametrize("target", T)
@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_conversion_matrix(source: str, target: str) -> None:
    col = make_column(source, 7, 4)
    schema = [{"type": target, "name": "x", "required": True}]
    expected = EXPECTED[source][target]
    df = pd.DataFrame({"x": col})
    if expected is None:
        with pytest.raises(EnforcementError) as ei:
            enforce_schema(df, schema)
        assert "x" in str(ei.value) or ei.value.inputs == ("x",)
        return
    out = enforce_schema(df, schema)
    want: Any = df["x"].dtype if expected == "same" else expected
    assert str(out["x"].dtype) == str(want)


def test_optional_long_with_none_fails() -> None:
    # An optional DataType column still goes through the conversion: None makes it float64.
    schema = [{"type": "long", "name": "x", "required": False}]
    with pytest.raises(EnforcementError, match="missing values"):
        enforce_schema(pd.DataFrame({"x": [1, None]}), schema)


def test_string_column_content_not_checked() -> None:
    out = enforce_schema(
        pd.DataFrame({"x": pd.Series([1, 2], dtype=object)}), '[{"type":"string","name":"x"}]'
    )
    assert list(out["x"]) == [1, 2]


def test_boolean_object_with_none_kept() -> None:
    out = enforce_schema(
        pd.DataFrame({"x": pd.Series([True, None], dtype=object)}),
        '[{"type":"boolean","name":"x"}]',
    )
    assert out["x"].dtype == object and out["x"][1] is None


def test_nullable_int_with_na_fails() -> None:
    schema = [{"type": "long", "name": "x", "required": True}]
    with pytest.raises(EnforcementError):
        enforce_schema(pd.DataFrame({"x": pd.Series([1, None], dtype="Int64")}), schema)
