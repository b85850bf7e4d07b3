"""``enforce_schema``: MLflow's ``_enforce_schema`` (input coercion, presence check, dispatch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import enforce_named_columns, enforce_unnamed_columns
from .errors import EnforcementError, EnforcementWarning, Report
from .lazy import is_pandas
from .schema import Array, Object, Schema, parse_schema
from .tensors import enforce_tensor_schema

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import PANDAS as pd

SchemaLike = str | bytes | Sequence[Any] | Schema


@dataclass(frozen=True)
class EnforcementResult:
    """The converted value plus everything MLflow accepted silently (see EnforcementWarning)."""

    data: Any
    warnings: tuple[EnforcementWarning, ...] = ()

    @property
    def lossy(self) -> bool:
        return any(w.kind == "lossy-cast" for w in self.warnings)


def _is_scalar(x: Any) -> bool:
    return bool(np.isscalar(x)) or x is None


def _to_dataframe(data: Any, schema: Schema) -> pd.DataFrame:
    """Input coercion for column-based schemas (docs/mlflow-format.md §4.1)."""
    if np.isscalar(data):
        return pd.DataFrame([data])
    if isinstance(data, dict):
        if any(isinstance(getattr(c, "type", None), (Array, Object)) for c in schema.inputs) or all(
            _is_scalar(v) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in data.values()
        ):
            # One row per dict. Note: Map is *not* in MLflow's list, so a dict with map values
            # is read column-wise.
            return pd.DataFrame([data])
        try:
            if all(
                isinstance(v, np.ndarray)
                and v.dtype.type == np.str_
                and v.size == 1
                and v.shape == ()
                for v in data.values()
            ):
                return pd.DataFrame([data])
            if any(isinstance(v, np.ndarray) and v.ndim > 1 for v in data.values()):
                return pd.DataFrame(
                    {
                        k: (v.tolist() if isinstance(v, np.ndarray) and v.ndim > 1 else v)
                        for k, v in data.items()
                    }
                )
            return pd.DataFrame(data)
        except Exception as e:
            raise EnforcementError(
                "This model contains a column-based signature, which suggests a DataFrame input. "
                f"There was an error casting the input data to a DataFrame: {e}"
            ) from e
    if isinstance(data, (list, np.ndarray)) or is_pandas(data, "Series"):
        return pd.DataFrame(data)
    if is_pandas(data, "DataFrame"):
        return data
    raise EnforcementError(f"Expected input to be DataFrame. Found: {type(data).__name__}")


def _enforce(data: Any, schema: Schema, report: Report) -> Any:
    if is_pandas(data, "Series"):
        data = pd.DataFrame(data)
    if not schema.is_tensor_spec():
        data = _to_dataframe(data, schema)

    if schema.has_input_names():
        required = schema.required_input_names()
        optional = set(schema.optional_input_names())
        expected = set(required)
        actual: set[Any] = set()
        if len(expected) == 1 and isinstance(data, np.ndarray):
            # A single (required) tensor: a bare ndarray is that tensor.
            data = {required[0]: data}
            actual = expected
        elif is_pandas(data, "DataFrame"):
            actual = set(data.columns)
        elif isinstance(data, dict):
            actual = set(data.keys())
        missing = [c for c in required if c in expected - actual]
        extra = [c for c in actual if c in actual - expected - optional]
        if missing:
            msg = f"Model is missing inputs {missing}."
            if extra:
                msg += f" Note that there were extra inputs: {extra}."
            raise EnforcementError(msg, missing)
        if extra:
            report.add(
                EnforcementWarning(
                    "extra-inputs-ignored",
                    None,
                    f"Found extra inputs in the model input that are not defined in the model "
                    f"signature: {extra}. These inputs will be ignored.",
                )
            )
    elif not schema.is_tensor_spec():
        assert isinstance(data, pd.DataFrame)
        if len(data.columns) < len(schema.inputs):
            raise EnforcementError(
                f"Model inference is missing inputs. The model signature declares "
                f"{len(schema.inputs)} inputs but the provided value only has "
                f"{len(data.columns)} inputs. Note: the inputs were not named in the signature "
                "so we can only verify their count.",
                list(range(len(data.columns), len(schema.inputs))),
            )
        if len(data.columns) > len(schema.inputs):
            report.add(
                EnforcementWarning(
                    "extra-inputs-ignored",
                    None,
                    f"Unnamed schema declares {len(schema.inputs)} inputs; the trailing "
                    f"{len(data.columns) - len(schema.inputs)} column(s) are ignored.",
                )
            )

    if schema.is_tensor_spec():
        return enforce_tensor_schema(data, schema, report)
    if schema.has_input_names():
        return enforce_named_columns(data, schema, report)
    return enforce_unnamed_columns(data, schema, report)


def enforce_schema_report(
    data: Any, schema: SchemaLike, *, strict: bool = False
) -> EnforcementResult:
    """Like :func:`enforce_schema` but also returns the warnings (lossy casts, dropped inputs).

    With ``strict=True`` a lossy cast raises :class:`EnforcementError` instead of warning.
    """
    parsed = parse_schema(schema)
    report = Report(strict=strict)
    try:
        out = _enforce(data, parsed, report)
    except EnforcementError:
        raise
    except Exception as e:
        # MLflow's predict wraps *any* exception from enforcement as SCHEMA_ENFORCEMENT_FAILED,
        # including the pandas/numpy errors of its crash paths; so any exception is a rejection.
        raise EnforcementError(f"Failed to enforce schema: {type(e).__name__}: {e}") from e
    return EnforcementResult(out, tuple(report.warnings))


def enforce_schema(data: Any, schema: SchemaLike, *, strict: bool = False) -> Any:
    """Enforce ``data`` against a signature ``inputs``/``outputs`` value, as MLflow 3.x does.

    Returns the converted input (a DataFrame for column schemas; an ndarray or a dict of
    ndarrays for tensor schemas) or raises :class:`EnforcementError`.
    """
    return enforce_schema_report(data, schema, strict=strict).data
