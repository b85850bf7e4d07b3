"""Tensor (TensorSpec) enforcement: strict dtype/shape, plus MLflow's DataFrame → tensor paths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import EnforcementError, Report
from .lazy import is_pandas
from .schema import Schema, TensorSpec

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import PANDAS as pd


def is_sparse_matrix(x: Any) -> bool:
    # Duck-typed so that scipy stays an optional, never-imported dependency.
    t = type(x)
    return t.__module__.startswith("scipy.sparse") and t.__name__ in (
        "csr_matrix",
        "csc_matrix",
    )


def clean_tensor_type(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """Strip size information from flexible dtypes (``<U5`` → ``str``, ``S3`` → ``bytes``)."""
    if dtype.char == "U":
        return np.dtype("str")
    if dtype.char == "S":
        return np.dtype("bytes")
    return dtype


def _label(name: Any) -> str:
    return f"input {name!r}" if name is not None else "the unnamed input"


def enforce_tensor_spec(values: Any, spec: TensorSpec, name: Any = None) -> Any:
    """``_enforce_tensor_spec``: exact dtype (after U/S cleaning), rank, and fixed dims."""
    expected_shape = spec.shape
    expected_type = spec.dtype
    actual_shape = values.shape
    actual_type = values.dtype if isinstance(values, np.ndarray) else values.data.dtype

    if len(expected_shape) == 1 and expected_shape[0] == -1 and expected_type == np.dtype("O"):
        return values  # Tensor('object', (-1,)) accepts anything
    if (
        len(expected_shape) > 1
        and -1 in expected_shape[1:]
        and len(actual_shape) == 1
        and actual_type == np.dtype("O")
    ):
        return values  # ragged arrays: 1-D object array against a spec with inner -1 dims

    mismatch = EnforcementError(
        f"{_label(name)}: shape of input {actual_shape} does not match expected shape "
        f"{expected_shape}.",
        [name],
    )
    if len(expected_shape) != len(actual_shape):
        raise mismatch
    for expected, actual in zip(expected_shape, actual_shape, strict=False):
        if expected != -1 and expected != actual:
            raise mismatch
    if clean_tensor_type(actual_type) != expected_type:
        raise EnforcementError(
            f"{_label(name)}: dtype of input {actual_type} does not match expected dtype "
            f"{expected_type}",
            [name],
        )
    return values


def reshape_and_cast_column(
    name: Any, series: pd.Series, spec: TensorSpec, report: Report
) -> np.ndarray[Any, Any]:
    """``_reshape_and_cast_pandas_column_values``: one DataFrame column → one tensor."""
    if spec.shape[0] != -1 or -1 in spec.shape[1:]:
        raise EnforcementError(
            "For pandas dataframe input, the first dimension of shape must be a variable "
            "dimension and other dimensions must be fixed, but in model signature the shape "
            f"of {_label(name)} is {spec.shape}.",
            [name],
        )
    # MLflow reads ``pd_series[0]``: a *label* lookup, so a frame without row label 0 fails.
    try:
        first = series[0]
    except (KeyError, IndexError) as e:
        raise EnforcementError(
            f"{_label(name)}: no row labelled 0 in the input data", [name]
        ) from e

    if np.isscalar(first):
        for shape in [(-1,), (-1, 1)]:
            if spec.shape == shape:
                try:
                    # This is a real cast (float64 → float32, "1" → 1): MLflow only checks
                    # the dtype afterwards, so we record what the cast changed.
                    cast = np.array(series, dtype=spec.dtype)
                except (ValueError, TypeError, OverflowError) as e:
                    raise EnforcementError(
                        f"{_label(name)}: cannot cast column values to {spec.dtype}: {e}", [name]
                    ) from e
                report.compare(name, list(series), list(cast), f"cast to {spec.dtype}")
                enforced: np.ndarray[Any, Any] = enforce_tensor_spec(cast.reshape(shape), spec, name)
                return enforced
        raise EnforcementError(
            f"The input pandas dataframe column '{name}' contains scalar values, which requires "
            f"the shape to be (-1,) or (-1, 1), but got tensor spec shape of {spec.shape}.",
            [name],
        )
    if isinstance(first, list) and len(first) > 0 and np.isscalar(first[0]):
        err = EnforcementError(
            f"The value in the Input DataFrame column '{name}' could not be converted to the "
            f"expected shape of: '{spec.shape}'. Ensure that each of the input list elements "
            f"are of uniform length and that the data can be coerced to the tensor type "
            f"'{spec.dtype}'",
            [name],
        )
        try:
            stacked = np.vstack(series.tolist())
            out = stacked.reshape(spec.shape).astype(spec.dtype)
        except ValueError as e:
            raise err from e
        if len(out) != len(series):
            raise err
        report.compare(
            name, stacked.ravel().tolist(), out.ravel().tolist(), f"cast to {spec.dtype}"
        )
        return out
    if isinstance(first, np.ndarray):
        err = EnforcementError(
            f"The value in the Input DataFrame column '{name}' could not be converted to the "
            f"expected shape of: '{spec.shape}'. Ensure that each of the input numpy array "
            "elements are of uniform length and can be reshaped to above expected shape.",
            [name],
        )
        try:
            # No dtype check and no cast on this path (MLflow quirk: float64 cells pass a
            # float32 spec unchanged).
            out = np.vstack(series.tolist()).reshape(spec.shape)
        except ValueError as e:
            raise err from e
        if len(out) != len(series):
            raise err
        return out
    raise EnforcementError(
        "Because the model signature requires tensor spec input, the input pandas dataframe "
        "values should be either scalar value, python list containing scalar values or numpy "
        f"array containing scalar values, other types are not supported ({_label(name)}).",
        [name],
    )


def enforce_tensor_schema(data: Any, schema: Schema, report: Report) -> Any:
    """``_enforce_tensor_schema``."""
    specs = [s for s in schema.inputs if isinstance(s, TensorSpec)]
    if schema.has_input_names():
        names = schema.input_names()
        if isinstance(data, dict):
            out: dict[Any, Any] = {}
            for name, spec in zip(names, specs, strict=False):
                value = data[name]
                if not isinstance(value, np.ndarray):
                    raise EnforcementError(
                        "This model contains a tensor-based model signature with input names, "
                        "which suggests a dictionary input mapping input name to a numpy array, "
                        f"but a dict with value type {type(value)} was found for {name!r}.",
                        [name],
                    )
                out[name] = enforce_tensor_spec(value, spec, name)
            return out
        if is_pandas(data, "DataFrame"):
            return {
                name: reshape_and_cast_column(name, data[name], spec, report)
                for name, spec in zip(names, specs, strict=False)
            }
        raise EnforcementError(
            "This model contains a tensor-based model signature with input names, which "
            "suggests a dictionary input mapping input name to tensor, or a pandas DataFrame "
            f"input, but an input of type {type(data)} was found."
        )
    spec = specs[0]
    if is_pandas(data, "DataFrame"):
        if data.empty:
            raise EnforcementError("Input DataFrame is empty.")
        if len(data.columns) == 1:
            return reshape_and_cast_column(None, data[data.columns[0]], spec, report)
        if spec.shape != (-1, len(data.columns)):
            raise EnforcementError(
                "This model contains a model signature with an unnamed input. Since the input "
                "data is a pandas DataFrame containing multiple columns, the input shape must "
                f"be (-1, number_of_dataframe_columns); got {len(data.columns)} columns and a "
                f"spec shape of {spec.shape}."
            )
        return enforce_tensor_spec(data.to_numpy(), spec)
    if isinstance(data, np.ndarray) or is_sparse_matrix(data):
        return enforce_tensor_spec(data, spec)
    raise EnforcementError(
        "This model contains a tensor-based model signature with no input names, which "
        "suggests a numpy array input or a pandas dataframe input with proper column values, "
        f"but an input of type {type(data)} was found."
    )
