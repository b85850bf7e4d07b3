"""Column (ColSpec) enforcement: ``_enforce_mlflow_datatype`` and the complex cell types.

Line-for-line re-implementation of the MLflow 3.17.2 functions in ``mlflow/models/utils.py``.
The order of the checks matters (it produces the quirks documented in docs/enforcement.md),
so it is kept identical even where it looks redundant.
"""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import EnforcementError, LossyCastError, Report
from .schema import AnyType, Array, ColSpec, DataType, FieldType, Map, Object, Schema

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import PANDAS as pd


def enforce_datatype_column(name: Any, values: pd.Series, t: DataType) -> pd.Series:
    """``_enforce_mlflow_datatype``: lossless conversion of a whole column to ``t``."""
    if values.dtype == object and t not in (DataType.binary, DataType.string):
        # Object columns are re-inferred first: this is where the pandas major version leaks in
        # (pandas 3 infers str objects as StringDtype, pandas 2 keeps them object).
        values = values.infer_objects()

    if t == DataType.string and (
        values.dtype == object or isinstance(values.dtype, pd.StringDtype)
    ):
        # No content check: an object column of ints passes as "string".
        return values

    if t == DataType.binary and isinstance(values.dtype, pd.StringDtype):
        return values

    # pandas type on the left: numpy dtypes do not know pandas extension dtypes.
    if t.to_pandas() == values.dtype or t.to_numpy() == values.dtype:
        return values

    if t == DataType.binary and values.dtype.kind == t.binary.to_numpy().kind:
        # bytes itemsize varies with the longest element; MLflow's binary is length-agnostic.
        return values

    if t == DataType.datetime and values.dtype.kind == t.to_numpy().kind:
        try:
            return values.astype(np.dtype("datetime64[ns]"))
        except TypeError as e:
            raise EnforcementError(
                "Please ensure that the input data of datetime column only contains "
                f"timezone-naive datetime objects. Error: {e}",
                [name],
            ) from e

    if t == DataType.datetime and (values.dtype == object or values.dtype == t.to_python()):
        try:
            return values.astype(np.dtype("datetime64[ns]"), errors="raise")
        except (ValueError, TypeError) as e:
            raise EnforcementError(
                f"Failed to convert column {name} from type {values.dtype} to {t!r}.", [name]
            ) from e

    if t == DataType.boolean and values.dtype == object:
        # MLflow passes object columns unchanged for boolean so None is not turned into False.
        return values

    # ``np.dtype(object) == decimal.Decimal`` is True, so *every* still-object column reaches
    # this branch for a double target (not only Decimal columns).
    if t == DataType.double and values.dtype == decimal.Decimal:
        try:
            return pd.to_numeric(values, errors="raise")
        except (ValueError, TypeError) as e:
            raise EnforcementError(
                f"Failed to convert column {name} from type {values.dtype} to {t!r}.", [name]
            ) from e

    numpy_type = t.to_numpy()
    src = values.dtype
    if src.kind == numpy_type.kind:
        is_upcast = src.itemsize <= numpy_type.itemsize
    elif src.kind == "u" and numpy_type.kind == "i":
        is_upcast = src.itemsize < numpy_type.itemsize
    elif src.kind in ("i", "u") and numpy_type == np.float64:
        is_upcast = src.itemsize <= 6  # int8/16/32 and uint8/16/32 fit a float64 mantissa
    else:
        is_upcast = False

    if is_upcast:
        return values.astype(numpy_type, errors="raise")

    # int64 columns holding only 0/1 (or nulls) may become float/double (one-hot encodings).
    if (
        src == np.int64
        and numpy_type in (np.float32, np.float64)
        and all(pd.isnull(x) or x in [0, 1] for x in values)
    ):
        return values.astype(numpy_type, errors="raise")

    hint = ""
    if (
        src == np.float64
        and numpy_type.kind in ("i", "u")
        and values.hasnans
        and all(pd.isnull(x) or int(x) == x for x in values)
    ):
        hint = (
            " Hint: the type mismatch is likely caused by missing values. Integer columns in "
            "python can not represent missing values and are therefore encoded as floats."
        )
    raise EnforcementError(
        f"Incompatible input types for column {name}. "
        f"Can not safely convert {src} to {numpy_type}.{hint}",
        [name],
    )


def _is_none_or_nan(x: Any) -> bool:
    if isinstance(x, float):
        return bool(np.isnan(x))
    return x is None or x is pd.NA or x is pd.NaT


def enforce_datatype_cell(data: Any, t: DataType, required: bool = True) -> Any:
    """``_enforce_datatype``: a scalar inside an Array/Object/Map."""
    if not required and _is_none_or_nan(data):
        return None
    if not np.isscalar(data):
        raise EnforcementError(f"Expected data to be scalar, got {type(data).__name__}")
    try:
        series = enforce_datatype_column("", pd.Series(data), t)
    except EnforcementError as e:
        raise EnforcementError(
            f"Failed to enforce schema of data `{data!r}` with dtype `{t.name}`"
        ) from e
    return series[0]


def enforce_array(
    data: Any, arr: Array, required: bool = True, report: Report | None = None, name: Any = None
) -> Any:
    if (not required or isinstance(arr.items, AnyType)) and (
        data is None or (isinstance(data, (list, np.ndarray)) and len(data) == 0)
    ):
        return data
    if not isinstance(data, (list, np.ndarray)):
        raise EnforcementError(
            f"Expected data to be list or numpy array, got {type(data).__name__}"
        )

    enforced: Any
    if isinstance(arr.items, DataType):
        if len(data) > 0:
            checked = enforce_datatype_column("", pd.Series(data), arr.items)
            # ``to_numpy(dtype=...)`` is a real cast: None → False for booleans, ints → "1"
            # for strings. MLflow does it silently; we report it.
            enforced = checked.to_numpy(dtype=arr.items.to_numpy())
            if report is not None:
                report.compare(name, list(checked), list(enforced), f"array<{arr.items.name}>")
        else:
            enforced = data
    else:
        enforced = [enforce_type(x, arr.items, required, report, name) for x in data]

    if isinstance(data, list) and isinstance(enforced, np.ndarray):
        enforced = enforced.tolist()
    elif isinstance(data, np.ndarray) and isinstance(enforced, list):
        enforced = np.array(enforced)
    return enforced


def enforce_object(
    data: Any, obj: Object, required: bool = True, report: Report | None = None, name: Any = None
) -> Any:
    if not required and (data is None or data == {}):
        return data
    if not isinstance(data, dict):
        raise EnforcementError(
            f"Failed to enforce schema of '{data}' with type '{obj}'. "
            f"Expected data to be dictionary, got {type(data).__name__}"
        )
    props = obj.property_dict()
    missing = {k for k, p in props.items() if p.required} - set(data)
    if missing:
        raise EnforcementError(f"Missing required properties: {missing}")
    invalid = data.keys() - props.keys()
    if invalid:
        raise EnforcementError(f"Invalid properties not defined in the schema found: {invalid}")
    out = dict(data)  # MLflow mutates the caller's dict in place; we stay pure
    for k, v in data.items():
        try:
            out[k] = enforce_type(v, props[k].type, props[k].required, report, name)
        except LossyCastError:
            raise
        except EnforcementError as e:
            raise EnforcementError(
                f"Failed to enforce schema for key `{k}`. Expected type "
                f"{_type_name(props[k].type)}, received type {type(v).__name__}"
            ) from e
    return out


def enforce_map(
    data: Any, m: Map, required: bool = True, report: Report | None = None, name: Any = None
) -> Any:
    if (not required or isinstance(m.values, AnyType)) and (data is None or data == {}):
        return data
    if not isinstance(data, dict):
        raise EnforcementError(f"Expected data to be a dict, got {type(data).__name__}")
    if not all(isinstance(k, str) for k in data):
        raise EnforcementError("Expected all keys in the map type data are string type.")
    # MLflow passes the *map's* ``required`` down to every value.
    return {k: enforce_type(v, m.values, required, report, name) for k, v in data.items()}


def enforce_type(
    data: Any, t: FieldType, required: bool = True, report: Report | None = None, name: Any = None
) -> Any:
    """``_enforce_type``: dispatch for one cell."""
    if isinstance(t, DataType):
        return enforce_datatype_cell(data, t, required)
    if isinstance(t, Array):
        return enforce_array(data, t, required, report, name)
    if isinstance(t, Object):
        return enforce_object(data, t, required, report, name)
    if isinstance(t, Map):
        return enforce_map(data, t, required, report, name)
    return data  # AnyType


def _type_name(t: FieldType) -> str:
    if isinstance(t, DataType):
        return t.name
    if isinstance(t, Array):
        return "array"
    if isinstance(t, Object):
        return "object"
    if isinstance(t, Map):
        return "map"
    return "any"


def _column(df: pd.DataFrame, name: Any) -> pd.Series:
    col = df[name]
    if isinstance(col, pd.DataFrame):
        # MLflow crashes here ("'DataFrame' object has no attribute 'dtype'").
        raise EnforcementError(f"Duplicate column name {name!r} in the input data.", [name])
    return col


def _cells(name: Any, col: pd.Series, spec: ColSpec, required: bool, report: Report) -> pd.Series:
    out = []
    for obj in col:
        try:
            out.append(enforce_type(obj, spec.type, required, report, name))
        except LossyCastError:
            raise
        except EnforcementError as e:
            raise EnforcementError(f"Column {name!r}: {e.reason}", [name]) from e
    return pd.Series(out, index=col.index, name=name)


def enforce_named_columns(df: pd.DataFrame, schema: Schema, report: Report) -> pd.DataFrame:
    """``_enforce_named_col_schema``: reorder to schema order, drop extras, convert."""
    input_dict = schema.input_dict()
    new: dict[Any, pd.Series] = {}
    for name in schema.input_names():
        if name not in input_dict:
            # A falsy name ("" or 0) is replaced by its index in input_names() but not in
            # input_dict(); MLflow raises KeyError here.
            raise EnforcementError(f"Ill-defined schema: input name {name!r} cannot be looked up")
        spec = input_dict[name]
        assert isinstance(spec, ColSpec)
        if name not in df:
            if spec.required:
                raise EnforcementError(
                    f"The input column '{name}' is required by the model signature but missing "
                    "from the input data.",
                    [name],
                )
            continue
        col = _column(df, name)
        if isinstance(spec.type, DataType):
            new[name] = enforce_datatype_column(name, col, spec.type)
        else:
            new[name] = _cells(name, col, spec, spec.required, report)
    return pd.DataFrame(new)


def enforce_unnamed_columns(df: pd.DataFrame, schema: Schema, report: Report) -> pd.DataFrame:
    """``_enforce_unnamed_col_schema``: positional; keeps the input's column names."""
    names = df.columns[: len(schema.inputs)]
    new: dict[Any, pd.Series] = {}
    for i, name in enumerate(names):
        spec = schema.inputs[i]
        assert isinstance(spec, ColSpec)
        col = _column(df, name)
        if isinstance(spec.type, DataType):
            new[name] = enforce_datatype_column(name, col, spec.type)
        else:
            # MLflow calls _enforce_type without ``required`` here, i.e. always required.
            new[name] = _cells(name, col, spec, True, report)
    return pd.DataFrame(new)
