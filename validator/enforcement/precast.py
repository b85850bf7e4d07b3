"""MLflow's lenient pre-cast of JSON payload data (the scoring-server path).

Mirrors ``mlflow/utils/proto_json_utils.py`` (``cast_df_types_according_to_schema``,
``_cast_schema_type``, ``convert_data_type``, ``parse_instances_data``). The pre-cast is *lossy*
(astype semantics); every value it changes is recorded as a warning in the ``Report``.
"""

from __future__ import annotations

import base64
import copy
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import enforce_array, enforce_map, enforce_object
from .errors import EnforcementError, EnforcementWarning, LossyCastError, Report
from .schema import AnyType, Array, ColSpec, DataType, Map, Object, Schema, TensorSpec

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import PANDAS as pd


def _b64decode(name: Any, x: Any, report: Report) -> bytes:
    out = base64.decodebytes(bytes(x, "utf8"))
    # decodebytes silently skips non-alphabet characters; flag input that is not the canonical
    # encoding of what came out (e.g. an ISO date string "decoded" into garbage bytes).
    if base64.b64encode(out).decode() != re.sub(r"\s", "", x):
        report.add(
            EnforcementWarning(
                "lossy-cast",
                name,
                f"{name!r}: {x!r} is not valid base64; MLflow decoded it leniently to {out!r}",
                ((x, out),),
            )
        )
    return out


def cast_dataframe(pdf: pd.DataFrame, schema: Schema, report: Report) -> pd.DataFrame:
    """``cast_df_types_according_to_schema`` (mutates and returns ``pdf``, as MLflow does)."""
    actual = set(pdf.columns)
    types = [s.type if isinstance(s, ColSpec) else s.dtype for s in schema.inputs]
    pairs: list[tuple[Any, Any]]
    if schema.has_input_names():
        pairs = list(zip(schema.input_names(), types, strict=False))
    elif schema.is_tensor_spec() and len(types) == 1:
        pairs = [(c, types[0]) for c in pdf.columns]
    else:
        n = min(len(types), len(pdf.columns))
        pairs = list(zip(pdf.columns[:n], types[:n], strict=False))
    required = set(schema.required_input_names())

    for name, spec_type in pairs:
        col_type = spec_type.to_pandas() if isinstance(spec_type, DataType) else spec_type
        if name not in actual:
            continue
        req = name in required
        try:
            before = list(pdf[name])
            if spec_type is DataType.binary:
                pdf[name] = pdf[name].map(lambda x, n=name: _b64decode(n, x, report))
                continue
            if isinstance(col_type, np.dtype) and col_type == np.dtype(bytes):
                pdf[name] = pdf[name].map(lambda x: bytes(x, "utf8"))
                continue
            if schema.is_tensor_spec() and isinstance(pdf[name].iloc[0], list):
                continue  # list cells are reshaped/cast later by _enforce_schema
            if isinstance(spec_type, Array):
                pdf[name] = pdf[name].map(
                    lambda x, t=spec_type, r=req, n=name: enforce_array(x, t, r, report, n)
                )
                continue
            if isinstance(spec_type, Object):
                pdf[name] = pdf[name].map(
                    lambda x, t=spec_type, r=req, n=name: enforce_object(x, t, r, report, n)
                )
                continue
            if isinstance(spec_type, Map):
                pdf[name] = pdf[name].map(
                    lambda x, t=spec_type, r=req, n=name: enforce_map(x, t, r, report, n)
                )
                continue
            if isinstance(spec_type, AnyType):
                continue
            if spec_type is DataType.datetime:
                parsed = pd.to_datetime(pdf[name])
                # pandas 3 parses to microseconds; MLflow normalises to ns (no-op on pandas 2).
                if pd.api.types.is_datetime64_any_dtype(parsed) and (
                    getattr(parsed.dt, "unit", "ns") != "ns"
                ):
                    parsed = parsed.dt.as_unit("ns")
                pdf[name] = parsed
                report.compare(name, before, list(parsed), "pd.to_datetime")
                continue
            # pandas 3 reads strings (with NaN) as StringDtype; MLflow skips the object cast.
            if (
                col_type is object or (isinstance(col_type, np.dtype) and col_type.kind == "U")
            ) and isinstance(pdf[name].dtype, pd.StringDtype):
                continue
            pdf[name] = pdf[name].astype(col_type)
            report.compare(name, before, list(pdf[name]), f"astype({_dtype_name(col_type)})")
        except LossyCastError:
            raise
        except EnforcementError as e:
            raise EnforcementError(
                f"Data is not compatible with model signature. Failed to convert column {name} "
                f"to type '{_dtype_name(col_type)}'. Error: {e.reason}",
                [name],
            ) from e
        except Exception as e:
            raise EnforcementError(
                f"Data is not compatible with model signature. Failed to convert column {name} "
                f"to type '{_dtype_name(col_type)}'. Error: '{e!r}'",
                [name],
            ) from e
    return pdf


def _dtype_name(t: Any) -> str:
    if t is object:
        return "object"
    return str(getattr(t, "name", t))


def _dataframe(decoded: Any, orient: str, schema: Schema | None, report: Report) -> pd.DataFrame:
    """``dataframe_from_parsed_json``."""
    if orient == "records":
        if not isinstance(decoded, list):
            raise EnforcementError(
                "Dataframe records format must be a list of records. Got "
                + ("dictionary" if isinstance(decoded, dict) else f"type {type(decoded)}")
                + "."
            )
        try:
            pdf = pd.DataFrame(data=decoded)
        except Exception as e:
            raise EnforcementError(f"Invalid dataframe_records payload: {e}") from e
    else:
        if not isinstance(decoded, dict):
            raise EnforcementError(
                "Dataframe split format must be a dictionary. Got "
                + ("list" if isinstance(decoded, list) else f"type {type(decoded)}")
                + "."
            )
        keys = set(decoded)
        if "data" not in keys or keys - {"columns", "data", "index"}:
            raise EnforcementError(
                "Dataframe split format must have 'data' field and optionally 'columns' and "
                f"'index' fields. Got {sorted(keys)}."
            )
        try:
            pdf = pd.DataFrame(
                index=decoded.get("index"), columns=decoded.get("columns"), data=decoded["data"]
            )
        except Exception as e:
            raise EnforcementError(f"Invalid dataframe_split payload: {e}") from e
    if schema is not None:
        pdf = cast_dataframe(pdf, schema, report)
    return pdf


# ------------------------------------------------------------------ instances / inputs


def _flatten(x: Any) -> list[Any]:
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flatten(item)]
    return [x]


def convert_value(data: Any, spec: ColSpec | TensorSpec | None, report: Report, name: Any) -> Any:
    """``convert_data_type``: numpy cast for DataType/TensorSpec, enforcement for complex types."""
    try:
        if spec is None:
            return np.array(data)
        if isinstance(spec, TensorSpec):
            out: Any = np.array(data, dtype=spec.dtype)
            report.compare(name, _flatten(data), _flatten(out), f"np.array(dtype={spec.dtype})")
            return out
        t = spec.type
        if isinstance(t, DataType):
            if isinstance(data, (list, np.ndarray)):
                out = np.array(data, t.to_numpy())
            else:
                out = np.array([data], t.to_numpy())[0]
            report.compare(name, _flatten(data), _flatten(out), f"np.array(dtype={t.name})")
            return out
        if isinstance(t, Array):
            return np.array(enforce_array(data, t, spec.required, report, name))
        if isinstance(t, Object):
            return enforce_object(data, t, spec.required, report, name)
        if isinstance(t, Map):
            return enforce_map(data, t, spec.required, report, name)
        return data  # AnyType
    except LossyCastError:
        raise
    except EnforcementError as e:
        raise EnforcementError(f"Invalid input for {name!r}. {e.reason}", [name]) from e
    except Exception as e:
        raise EnforcementError(f"Invalid input for {name!r}. {e}", [name]) from e


def _cast_schema_type(data: Any, schema: Schema | None, report: Report) -> Any:
    data = copy.deepcopy(data)
    named = schema is not None and schema.has_input_names()
    types = schema.input_dict() if schema is not None and named else {}
    if schema is not None:
        if (
            len(types) == 1
            and isinstance(data, list)
            and not any(isinstance(x, dict) for x in data)
        ):
            # A single named column: a plain list is that column.
            data = {next(iter(types)): data}
        elif not named and not (isinstance(data, list) or np.isscalar(data)):
            raise EnforcementError(
                "Failed to parse input data. This model contains an un-named model signature "
                "which expects a single n-dimensional array or a single value as input, however, "
                f"an input of type {type(data)} was found."
            )
    if isinstance(data, dict):
        return {c: convert_value(v, types.get(c), report, c) for c, v in data.items()}
    spec = schema.inputs[0] if schema is not None else None
    if isinstance(data, list):
        if all(isinstance(x, dict) for x in data):
            return [
                {c: convert_value(v, types.get(c), report, c) for c, v in row.items()}
                for row in data
            ]
        # A list of values is cast with the *first* spec, even for multi-column schemas.
        return convert_value(data, spec, report, spec.name if spec is not None else None)
    return convert_value(data, spec, report, spec.name if spec is not None else None)


def _instances(data: Any, schema: Schema | None, report: Report) -> Any:
    """``parse_instances_data``."""
    if isinstance(data, list) and len(data) > 0 and isinstance(data[0], dict):
        types = schema.input_dict() if schema is not None and schema.has_input_names() else {}
        columns: dict[Any, list[Any]] = defaultdict(list)
        for item in data:
            if not isinstance(item, dict):
                raise EnforcementError(f"instances: expected a list of objects, got {item!r}")
            for c, v in item.items():
                columns[c].append(convert_value(v, types.get(c), report, c))
        out: Any = {c: np.array(v) for c, v in columns.items()}
    else:
        out = _cast_schema_type(data, schema, report)
    if isinstance(out, dict):
        check = {k: v for k, v in out.items() if isinstance(v, (list, np.ndarray))}
        if schema is not None and schema.has_input_names():
            not_array = {
                c
                for c, s in schema.input_dict().items()
                if not (isinstance(s, ColSpec) and isinstance(s.type, Array))
            }
            cols = list(set(schema.required_input_names()) & not_array & set(check))
        else:
            cols = list(check)
        if cols and not all(len(check[c]) == len(check[cols[0]]) for c in cols[1:]):
            raise EnforcementError(
                "The length of values for each input/column name are not the same"
            )
    return out


# ------------------------------------------------------------------ public entry points
