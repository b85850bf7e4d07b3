"""Params enforcement: ``_enforce_params_schema`` / ``ParamSpec.validate_type_and_shape``."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from .columns import enforce_object
from .errors import EnforcementError, EnforcementWarning, Report
from .schema import DataType, Object, ParamSchema, ParamSpec, check_type, parse_param_schema

# dtype -> the value types it may be widened from (MLflow's _ALLOWED_CONVERSIONS_FOR_PARAMS).
ALLOWED_PARAM_WIDENINGS: dict[DataType, tuple[DataType, ...]] = {
    DataType.long: (DataType.integer,),
    DataType.float: (DataType.integer, DataType.long),
    DataType.double: (DataType.integer, DataType.long, DataType.float),
}


def enforce_param_datatype(value: Any, t: DataType) -> Any:
    """``_enforce_param_datatype``; returns a Python builtin (or datetime) value."""
    if value is None:
        return None
    if t is DataType.datetime:
        try:
            result = np.datetime64(value).item()
        except ValueError as e:
            raise EnforcementError(
                f"Failed to convert value `{value!r}` from type `{type(value)}` to `{t!r}`"
            ) from e
        if isinstance(result, int):
            # ns-precision (or integer) inputs .item() to an int, not a date.
            raise EnforcementError(
                f"Failed to convert value to `{t!r}`. It must be convertible to "
                f"datetime.date/datetime, got `{value}`"
            )
        return result
    if not np.isscalar(value):
        raise EnforcementError(f"Value must be a scalar for type `{t!r}`, got `{value}`")
    if check_type(t, value) or any(
        check_type(w, value) for w in ALLOWED_PARAM_WIDENINGS.get(t, ())
    ):
        try:
            return t.to_python()(value)
        except ValueError as e:
            raise EnforcementError(
                f"Failed to convert value `{value!r}` from type `{type(value)}` to `{t!r}`"
            ) from e
    raise EnforcementError(
        f"Can not safely convert `{type(value)}` to `{t!r}` for value `{value!r}`"
    )


def _is_1d_array(value: Any) -> bool:
    if not isinstance(value, (list, np.ndarray)):
        return False
    try:
        return np.array(value).ndim == 1
    except ValueError as e:  # ragged nested lists; MLflow lets this ValueError escape
        raise EnforcementError(f"Invalid array value: {e}") from e


def validate_param_value(spec: ParamSpec, value: Any) -> Any:
    """``ParamSpec.validate_type_and_shape``: returns the converted value or raises."""
    if spec.shape == (-1,) and not _is_1d_array(value):
        raise EnforcementError(
            f"Value must be a 1D array with shape (-1,) for param {spec.name!r}, received "
            f"{type(value).__name__}",
            [spec.name],
        )
    try:
        if spec.shape is None:
            if isinstance(spec.type, DataType):
                return enforce_param_datatype(value, spec.type)
            # Validate a deep copy, return the original (MLflow does the same).
            enforce_object(copy.deepcopy(value), spec.type)
            return value
        if spec.shape == (-1,):
            if isinstance(spec.type, Object):
                # MLflow hands the Object to _enforce_param_datatype, which returns None for a
                # None element and fails on anything else (so [] and [None] pass).
                if any(v is not None for v in value):
                    raise EnforcementError("Object params with shape (-1,) only accept None items")
                return [None for _ in value]
            return [enforce_param_datatype(v, spec.type) for v in value]
    except Exception as e:
        raise EnforcementError(
            f"Failed to validate type and shape for {spec.name!r}, error: {e}", [spec.name]
        ) from e
    raise EnforcementError(
        "Shape must be None for scalar or dictionary value, or (-1,) for 1D array value for "
        f"ParamSpec {spec.name!r}, received {spec.shape}",
        [spec.name],
    )


ParamSchemaLike = str | bytes | Sequence[Any] | ParamSchema


def enforce_params_report(
    params: Any, params_schema: ParamSchemaLike | None
) -> tuple[dict[str, Any] | None, tuple[EnforcementWarning, ...]]:
    """Like :func:`enforce_params` but also returns MLflow's params warnings."""
    report = Report()
    if params_schema is None:
        if params is None or params == {}:
            return params, ()
        report.add(
            EnforcementWarning(
                "params-ignored",
                None,
                "params given but the model signature defines no params schema; "
                + (
                    f"ignoring {list(params.keys())}"
                    if isinstance(params, dict)
                    else "ignoring invalid params (not a dictionary)"
                ),
            )
        )
        return {}, tuple(report.warnings)
    schema = parse_param_schema(params_schema)
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise EnforcementError(
            f"Parameters must be a dictionary. Got type '{type(params).__name__}'."
        )
    if any(not isinstance(k, str) for k in params):
        report.add(
            EnforcementWarning(
                "params-keys-stringified", None, "non-string params keys were converted with str()"
            )
        )
        params = {str(k): v for k, v in params.items()}
    allowed = {p.name for p in schema.params}
    if ignored := sorted(set(params) - allowed):
        report.add(
            EnforcementWarning(
                "params-ignored", None, f"Unrecognized params {ignored} are ignored for inference."
            )
        )
    out = {k: v for k, v in params.items() if k in allowed}
    invalid: list[tuple[str, str]] = []
    for spec in schema.params:
        if spec.name in out:
            try:
                out[spec.name] = validate_param_value(spec, out[spec.name])
            except EnforcementError as e:
                invalid.append((spec.name, e.reason))
        else:
            out[spec.name] = spec.default
    if invalid:
        raise EnforcementError(f"Invalid parameters found: {invalid!r}", [n for n, _ in invalid])
    return out, tuple(report.warnings)


def enforce_params(params: Any, params_schema: ParamSchemaLike | None) -> dict[str, Any] | None:
    """Enforce inference ``params`` against a signature ``params`` value, as MLflow 3.x does.

    Returns the params with every schema param present (defaults filled in, values converted
    to Python builtins); unknown params are dropped. Without a params schema, returns ``{}``
    (or ``params`` itself when it is None or ``{}``), like MLflow.
    """
    return enforce_params_report(params, params_schema)[0]
