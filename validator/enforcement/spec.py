"""The signature types as small frozen dataclasses (``mlflow/types/schema.py``'s classes).

Built by ``schema.parse_schema``/``parse_param_schema``, which perform MLflow's parse-time checks.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

import numpy as np


class DataType(enum.Enum):
    """MLflow's eight scalar column types (``mlflow.types.DataType``)."""

    boolean = 1
    integer = 2
    long = 3
    float = 4
    double = 5
    string = 6
    binary = 7
    datetime = 8

    def to_numpy(self) -> np.dtype[Any]:
        return _NUMPY[self]

    def to_pandas(self) -> Any:
        # string/binary map to the *builtin* ``object`` (not np.dtype("O")), exactly as MLflow;
        # comparisons like ``object == series.dtype`` rely on numpy's reflected __eq__.
        return _PANDAS[self]

    def to_python(self) -> type:
        return _PYTHON[self]

    def __repr__(self) -> str:
        return self.name


_NUMPY: dict[DataType, np.dtype[Any]] = {
    DataType.boolean: np.dtype("bool"),
    DataType.integer: np.dtype("int32"),
    DataType.long: np.dtype("int64"),
    DataType.float: np.dtype("float32"),
    DataType.double: np.dtype("float64"),
    DataType.string: np.dtype("str"),
    DataType.binary: np.dtype("bytes"),
    DataType.datetime: np.dtype("datetime64[ns]"),
}
_PANDAS: dict[DataType, Any] = {**_NUMPY, DataType.string: object, DataType.binary: object}
_PYTHON: dict[DataType, type] = {
    DataType.boolean: bool,
    DataType.integer: int,
    DataType.long: int,
    DataType.float: builtins.float,
    DataType.double: builtins.float,
    DataType.string: str,
    DataType.binary: bytes,
    DataType.datetime: dt.date,
}


def check_type(t: DataType, value: Any) -> bool:
    """``DataType.check_type``: exact ``type(value)`` membership (no subclasses, no pyspark).

    The list deliberately mixes np.dtype objects and Python types: ``type(v) in [...]`` then
    uses numpy's dtype equality, so ``np.int32`` matches ``np.dtype("int32")`` — as in MLflow.
    """
    types: list[Any] = [t.to_numpy(), t.to_pandas(), t.to_python()]
    if t is DataType.datetime:
        types.extend([np.datetime64, dt.datetime])
    if t is DataType.binary:
        types.append(bytearray)
    return type(value) in types


@dataclass(frozen=True)
class AnyType:
    """``{"type": "any"}`` — no validation at all."""


@dataclass(frozen=True)
class Array:
    items: FieldType
    #: ``sparkml_vector`` parses to an Array of double in MLflow (SparkMLVector subclasses Array).
    sparkml_vector: bool = False


@dataclass(frozen=True)
class Property:
    name: str
    type: FieldType
    required: bool = True


@dataclass(frozen=True)
class Object:
    properties: tuple[Property, ...]  # sorted by name, as MLflow does

    def property_dict(self) -> dict[str, Property]:
        return {p.name: p for p in self.properties}


@dataclass(frozen=True)
class Map:
    values: FieldType


FieldType = DataType | Array | Object | Map | AnyType


@dataclass(frozen=True)
class ColSpec:
    type: FieldType
    name: Any = None  # None means unnamed; "" and ints count as *named* (MLflow quirk)
    required: bool = True


@dataclass(frozen=True)
class TensorSpec:
    dtype: np.dtype[Any]
    shape: tuple[Any, ...]
    name: Any = None
    required: bool = True  # always true in MLflow


@dataclass(frozen=True)
class Schema:
    inputs: tuple[ColSpec | TensorSpec, ...]

    def is_tensor_spec(self) -> bool:
        return isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        return self.inputs[0].name is not None

    def input_names(self) -> list[Any]:
        # ``x.name or i``: a falsy name ("" or 0) is replaced by its index, like MLflow.
        return [x.name or i for i, x in enumerate(self.inputs)]

    def required_input_names(self) -> list[Any]:
        return [x.name or i for i, x in enumerate(self.inputs) if x.required]

    def optional_input_names(self) -> list[Any]:
        return [x.name or i for i, x in enumerate(self.inputs) if not x.required]

    def input_dict(self) -> dict[Any, ColSpec | TensorSpec]:
        # Duplicate names: the last one wins (MLflow accepts duplicates).
        return {x.name: x for x in self.inputs}


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: DataType | Object
    default: Any
    shape: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ParamSchema:
    params: tuple[ParamSpec, ...]
