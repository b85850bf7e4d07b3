"""Hypothesis strategies: signatures and (conforming or arbitrary) in-memory inputs."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

DATATYPES = ["boolean", "integer", "long", "float", "double", "string", "binary", "datetime"]


def _ints(rng: np.random.Generator, n: int, lo: int = -100, hi: int = 100) -> list[int]:
    return [int(x) for x in rng.integers(lo, hi, n)]


# name -> factory(rng, n) -> pd.Series
SOURCES: dict[str, Callable[[np.random.Generator, int], pd.Series]] = {
    "bool": lambda r, n: pd.Series(r.integers(0, 2, n).astype(bool)),
    "int8": lambda r, n: pd.Series(np.array(_ints(r, n), dtype=np.int8)),
    "int16": lambda r, n: pd.Series(np.array(_ints(r, n), dtype=np.int16)),
    "int32": lambda r, n: pd.Series(np.array(_ints(r, n), dtype=np.int32)),
    "int64": lambda r, n: pd.Series(np.array(_ints(r, n), dtype=np.int64)),
    "int64_01": lambda r, n: pd.Series(r.integers(0, 2, n).astype(np.int64)),
    "uint8": lambda r, n: pd.Series(np.array(_ints(r, n, 0, 200), dtype=np.uint8)),
    "uint16": lambda r, n: pd.Series(np.array(_ints(r, n, 0, 200), dtype=np.uint16)),
    "uint32": lambda r, n: pd.Series(np.array(_ints(r, n, 0, 200), dtype=np.uint32)),
    "uint64": lambda r, n: pd.Series(np.array(_ints(r, n, 0, 200), dtype=np.uint64)),
    "float16": lambda r, n: pd.Series(r.normal(size=n).astype(np.float16)),
    "float32": lambda r, n: pd.Series(r.normal(size=n).astype(np.float32)),
    "float64": lambda r, n: pd.Series(r.normal(size=n)),
    "float64_integral_nan": lambda r, n: pd.Series([np.nan] + [float(x) for x in _ints(r, n - 1)]),
    "obj_str": lambda r, n: pd.Series([f"s{x}" for x in _ints(r, n)], dtype=object),
    "obj_iso": lambda r, n: pd.Series(
        [f"2024-01-{1 + x % 28:02d}" for x in _ints(r, n, 0, 28)], dtype=object
    ),
    "obj_int": lambda r, n: pd.Series(_ints(r, n), dtype=object),
    "obj_float": lambda r, n: pd.Series([x + 0.5 for x in _ints(r, n)], dtype=object),
    "obj_bool": lambda r, n: pd.Series([bool(x % 2) for x in _ints(r, n)], dtype=object),
    "obj_bool_none": lambda r, n: pd.Series(
        [None] + [bool(x % 2) for x in _ints(r, n - 1)], dtype=object
    ),
    "obj_bytes": lambda r, n: pd.Series([b"b%d" % x for x in _ints(r, n)], dtype=object),
    "obj_datetime": lambda r, n: pd.Series(
        [dt.datetime(2024, 1, 1 + x % 28, 3) for x in _ints(r, n, 0, 28)], dtype=object
    ),
    "obj_date": lambda r, n: pd.Series(
        [dt.date(2024, 1, 1 + x % 28) for x in _ints(r, n, 0, 28)], dtype=object
    ),
    "obj_decimal": lambda r, n: pd.Series(
        [decimal.Decimal(x) / 4 for x in _ints(r, n)], dtype=object
    ),
    "obj_none": lambda r, n: pd.Series([None] * n, dtype=object),
    "dt64ns": lambda r, n: pd.Series(
        np.array(["2024-01-01"] * n, dtype="datetime64[ns]") + np.array(_ints(r, n, 0, 9), "m8[D]")
    ),
    "dt64s": lambda r, n: pd.Series(np.array(["2024-01-02T03:04:05"] * n, dtype="datetime64[s]")),
    "dt64tz": lambda r, n: pd.Series(pd.date_range("2024-01-01", periods=n, tz="UTC")),
    "Int64": lambda r, n: pd.Series(_ints(r, n), dtype="Int64"),
    "Float64": lambda r, n: pd.Series([x / 2 for x in _ints(r, n)], dtype="Float64"),
    "boolean_ext": lambda r, n: pd.Series([bool(x % 2) for x in _ints(r, n)], dtype="boolean"),
    "category": lambda r, n: pd.Series([f"c{x % 3}" for x in _ints(r, n)], dtype="category"),
    "string_dtype": lambda r, n: pd.Series([f"s{x}" for x in _ints(r, n)], dtype="string"),
}

# Sources that conform to a DataType with MLflow's lossless rules (used for conformance tests).
CONFORMING: dict[str, list[str]] = {
    "boolean": ["bool", "obj_bool"],
    "integer": ["int8", "int16", "int32", "uint8", "uint16"],
    "long": ["int8", "int16", "int32", "int64", "int64_01", "uint8", "uint16", "uint32", "obj_int"],
    "float": ["float16", "float32", "int64_01"],
    "double": [
        "float16",
        "float32",
        "float64",
        "int8",
        "int16",
        "int32",
        "uint8",
        "uint16",
        "uint32",
        "int64_01",
        "obj_float",
        "obj_decimal",
        "Float64",
    ],
    "string": ["obj_str", "string_dtype"],
    "binary": ["obj_bytes"],
    "datetime": ["dt64ns", "dt64s", "obj_datetime", "obj_date"],
}

names = st.text(alphabet="abcdefghij_", min_size=1, max_size=4)


@st.composite
def named_schemas(draw: st.DrawFn, min_size: int = 1, max_size: int = 4) -> list[dict[str, Any]]:
    cols = draw(st.lists(names, min_size=min_size, max_size=max_size, unique=True))
    return [
        {"type": draw(st.sampled_from(DATATYPES)), "name": c, "required": draw(st.booleans())}
        for c in cols
    ]


def make_column(source: str, seed: int, n: int) -> pd.Series:
    return SOURCES[source](np.random.default_rng(seed), n)
