"""A pandas-free verdict for the common split-oriented column example (issue #20, start-up).

`log_model(input_example=pd.DataFrame | dict)` writes `{"columns": [...], "data": [[...]]}`;
SIG120/SIG121 run it through `parse_serving_payload` (pandas' `DataFrame(...)` plus the lenient
`astype` pre-cast) then `enforce_schema_report`. Importing pandas for that costs more than the
rest of a one-folder check, so :func:`split_verdict` answers directly when it can decide with
certainty what the pandas path (``precast._dataframe``/``cast_dataframe``, then ``core._enforce``)
would report, and returns None otherwise: the caller then takes the pandas path, which stays
the reference. tests/enforcement/test_fastcols.py checks the two agree (hypothesis differential).

What it decides: named signatures whose columns are all boolean/integer/long/float/double/
string, and a payload of exactly `columns` (distinct strings) and `data` (rows of that length
holding JSON scalars). Per column it mirrors pandas' inference from Python objects (int64,
float64, bool, str, all-None object) and the numpy `astype` the pre-cast performs; anything
whose pandas outcome is not plain numpy (uint64/object columns, NaN into integers, strings into
numbers, datetime, binary, nested values, `index`) is left to pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import EnforcementError, EnforcementWarning, Report
from .schema import ColSpec, DataType, Schema

_SIMPLE = {DataType.boolean, DataType.integer, DataType.long, DataType.float, DataType.double,
           DataType.string}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Beyond 2**53 an int's float64 conversion rounds; pandas' mixed int/float inference is not
# re-derived here for such values.
_EXACT_FLOAT_INT = 2**53


class _Fallback(Exception):
    """The pandas path must decide."""


@dataclass(frozen=True)
class SplitVerdict:
    """What the two pandas steps would give: `load` the pre-cast's warnings (it cannot fail on
    what this module accepts), `enforce` the enforcement warnings or its rejection."""

    load: tuple[EnforcementWarning, ...]
    enforce: tuple[EnforcementWarning, ...] | EnforcementError


def _is_int(x: Any) -> bool:
    return type(x) is int


def _infer(values: list[Any]) -> tuple[str, list[Any]]:
    """pandas' dtype for a column built from these Python objects, and `list(series)`."""
    kinds = {type(x) for x in values}
    if not values:
        return "object", []
    if kinds == {bool}:
        return "bool", list(values)
    if kinds == {int}:
        if all(_INT64_MIN <= x <= _INT64_MAX for x in values):
            return "int64", list(values)
        raise _Fallback  # uint64 or object
    if kinds <= {int, float, type(None)} and kinds & {int, float}:
        if any(_is_int(x) and abs(x) > _EXACT_FLOAT_INT for x in values):
            raise _Fallback
        if any(isinstance(x, float) and not math.isfinite(x) for x in values):
            raise _Fallback
        return "float64", [math.nan if x is None else float(x) for x in values]
    if kinds == {str}:
        return "str", list(values)
    if kinds == {str, type(None)}:
        return "str", [math.nan if x is None else x for x in values]
    if kinds == {type(None)}:
        return "object", list(values)
    raise _Fallback


_TARGET = {
    DataType.boolean: "bool",
    DataType.integer: "int32",
    DataType.long: "int64",
    DataType.float: "float32",
    DataType.double: "float64",
}


def _cast(src: str, before: list[Any], t: DataType) -> tuple[list[Any], str] | None:
    """`series.astype(t.to_pandas())` as `list(...)`, None when the pre-cast skips the column."""
    if t is DataType.string:
        if src == "str":
            return None  # pandas' StringDtype column: cast_dataframe leaves it alone
        return list(before), "object"  # astype(object) of numpy values: the same Python scalars
    target = _TARGET[t]
    if src in ("str", "object") and before:
        raise _Fallback  # strings/None into numbers: pandas' own conversion rules
    if src == "float64" and target in ("int32", "int64") and any(
        not math.isfinite(x) for x in before
    ):
        raise _Fallback  # pandas raises IntCastingNaNError
    if not before:
        return [], target
    with np.errstate(all="ignore"):
        out = np.array(before, dtype=src).astype(target)
    return out.tolist(), target


def _verdict(split: Any, schema: Schema) -> SplitVerdict:
    if not isinstance(split, dict) or set(split) != {"columns", "data"}:
        raise _Fallback
    columns, rows = split["columns"], split["data"]
    if not isinstance(columns, list) or not isinstance(rows, list) or not columns:
        raise _Fallback
    if not all(type(c) is str for c in columns) or len(set(columns)) != len(columns):
        raise _Fallback
    width = len(columns)
    for row in rows:
        if type(row) is not list or len(row) != width:
            raise _Fallback
        for x in row:
            if x is not None and type(x) not in (bool, int, float, str):
                raise _Fallback
    if not schema.has_input_names() or schema.is_tensor_spec():
        raise _Fallback
    specs = schema.inputs
    names = [s.name for s in specs]
    if not all(type(n) is str and n for n in names) or len(set(names)) != len(names):
        raise _Fallback
    if not all(isinstance(s, ColSpec) and s.type in _SIMPLE for s in specs):
        raise _Fallback
    index = {c: i for i, c in enumerate(columns)}
    # Infer every column first: pandas builds the whole frame before any cast.
    inferred = {c: _infer([row[i] for row in rows]) for c, i in index.items()}

    load = Report()
    for spec in specs:  # cast_dataframe: schema order, absent columns skipped
        assert isinstance(spec, ColSpec) and isinstance(spec.type, DataType)
        if spec.name not in index:
            continue
        src, before = inferred[spec.name]
        cast = _cast(src, before, spec.type)
        if cast is not None:
            after, dtype_name = cast
            load.compare(spec.name, before, after, f"astype({dtype_name})")

    # core._enforce: presence check; the columns then already have the declared dtypes.
    required = schema.required_input_names()
    optional = set(schema.optional_input_names())
    expected = set(required)
    actual = set(columns)  # the same insertion order as set(df.columns): same iteration order
    missing = [c for c in required if c in expected - actual]
    extra = [c for c in actual if c in actual - expected - optional]
    enforce = Report()
    if missing:
        msg = f"Model is missing inputs {missing}."
        if extra:
            msg += f" Note that there were extra inputs: {extra}."
        return SplitVerdict(tuple(load.warnings), EnforcementError(msg, missing))
    if extra:
        enforce.add(EnforcementWarning(
            "extra-inputs-ignored", None,
            f"Found extra inputs in the model input that are not defined in the model "
            f"signature: {extra}. These inputs will be ignored."))
    return SplitVerdict(tuple(load.warnings), tuple(enforce.warnings))


def split_verdict(split: Any, schema: Schema | None) -> SplitVerdict | None:
    """The verdict on a `dataframe_split` value, or None when pandas must decide."""
    if schema is None:
        return None
    try:
        return _verdict(split, schema)
    except _Fallback:
        return None
    except Exception:
        # A slip here must not become a finding or a crash: the reference path decides.
        return None
