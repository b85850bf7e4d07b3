"""Signature JSON → small frozen dataclasses, with MLflow 3.17.2's parse-time checks.

Mirrors ``mlflow/types/schema.py`` (``Schema.from_json``, ``ColSpec``/``TensorSpec``/
``ParamSpec.from_json_dict``). Every check MLflow performs while loading raises
:class:`SchemaError` here, so a signature we accept is one MLflow can load. The types themselves
live in ``spec`` and are re-exported here.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import SchemaError

# Re-exported (`X as X`): the rest of the package imports them from here.
from .spec import (
    AnyType as AnyType,
)
from .spec import (
    Array as Array,
)
from .spec import (
    ColSpec as ColSpec,
)
from .spec import (
    DataType as DataType,
)
from .spec import (
    FieldType as FieldType,
)
from .spec import (
    Map as Map,
)
from .spec import (
    Object as Object,
)
from .spec import (
    ParamSchema as ParamSchema,
)
from .spec import (
    ParamSpec as ParamSpec,
)
from .spec import (
    Property as Property,
)
from .spec import (
    Schema as Schema,
)
from .spec import (
    TensorSpec as TensorSpec,
)
from .spec import (
    check_type as check_type,
)

# --------------------------------------------------------------------------- parsing

_COMPLEX = ("array", "object", "map", "sparkml_vector", "any")


def _loads(value: str | bytes | Sequence[Any], what: str) -> list[Any]:
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise SchemaError(f"{what} is not valid JSON: {e}") from e
    if not isinstance(value, list):
        raise SchemaError(f"{what} must be a list, got type {type(value).__name__}")
    return list(value)


def _datatype(name: Any) -> DataType:
    if isinstance(name, str) and name in DataType.__members__:
        return DataType[name]
    raise SchemaError(
        f"Unsupported type '{name}', expected instance of DataType, Array, Object, Map or "
        f"one of {[t.name for t in DataType]}"
    )


def _nested(d: Any, what: str) -> FieldType:
    """Parse an ``items`` (Array) dict; mirrors ``Array.from_json_dict``'s dispatch."""
    if not isinstance(d, dict):
        raise SchemaError(f"Expected {what} to be a dictionary of Object JSON")
    if "type" not in d:
        raise SchemaError(f"Missing keys in {what} JSON. Expected to find key `type`")
    t = d["type"]
    if t == "object":
        return _object(d)
    if t == "array":
        return _array(d)
    if t == "sparkml_vector":
        return Array(DataType.double, sparkml_vector=True)
    if t == "map":
        return _map(d)
    if t == "any":
        return AnyType()
    return _datatype(t)


def _array(d: dict[str, Any]) -> FieldType:
    if not {"items", "type"} <= set(d):
        raise SchemaError("Missing keys in Array JSON. Expected to find keys `items` and `type`")
    if d["type"] != "array":
        raise SchemaError("Type mismatch, Array expects `array` as the type")
    return Array(_nested(d["items"], "Array's items"))


def _map(d: dict[str, Any]) -> FieldType:
    if not {"values", "type"} <= set(d):
        raise SchemaError("Missing keys in Map JSON. Expected to find keys `values` and `type`")
    if d["type"] != "map":
        raise SchemaError("Type mismatch, Map expects `map` as the type")
    v = d["values"]
    if isinstance(v, dict) and v.get("type") == "sparkml_vector":
        # MLflow quirk: ``Map.from_json_dict`` *returns* SparkMLVector() itself here, so the
        # column becomes an array of doubles, not a map.
        return Array(DataType.double, sparkml_vector=True)
    return Map(_nested(v, "Map's values"))


def _object(d: dict[str, Any]) -> Object:
    if not {"properties", "type"} <= set(d):
        raise SchemaError(
            "Missing keys in Object JSON. Expected to find keys `properties` and `type`"
        )
    if d["type"] != "object":
        raise SchemaError("Type mismatch, Object expects `object` as the type")
    props = d["properties"]
    if not isinstance(props, dict) or any(not isinstance(p, dict) for p in props.values()):
        raise SchemaError("Expected properties to be a dictionary of Property JSON")
    if not props:
        raise SchemaError("Creating Object with empty properties is not allowed.")
    out = []
    for name, p in props.items():
        if "type" not in p:
            raise SchemaError(f"Missing keys in Property `{name}`. Expected to find key `type`")
        if p["type"] == "sparkml_vector":
            # Property.from_json_dict returns a bare SparkMLVector, which Object then rejects.
            raise SchemaError("Expected values to be instance of Property")
        out.append(Property(name, _nested(p, f"Property `{name}`"), bool(p.get("required", True))))
    return Object(tuple(sorted(out, key=lambda p: p.name)))


def _colspec(d: dict[str, Any]) -> ColSpec:
    t = d["type"]
    if t not in _COMPLEX:
        extra = set(d) - {"type", "name", "required"}
        if extra:
            # ColSpec(**json) → TypeError; this is how legacy `optional` files fail to load.
            raise SchemaError(
                f"ColSpec got unexpected keyword argument(s) {sorted(extra)}"
                + (
                    " (the legacy `optional` flag is not loadable by MLflow >= 2.22)"
                    if "optional" in extra
                    else ""
                )
            )
        return ColSpec(_datatype(t), d.get("name"), bool(d.get("required", True)))
    rest = {k: v for k, v in d.items() if k not in ("name", "required")}
    # A missing `required` on complex types becomes None → falsy → optional (MLflow quirk).
    required = bool(d.get("required"))
    ftype: FieldType
    if t == "array":
        ftype = _array(rest)
    elif t == "object":
        ftype = _object(rest)
    elif t == "map":
        ftype = _map(rest)
    elif t == "sparkml_vector":
        ftype = Array(DataType.double, sparkml_vector=True)
    else:
        ftype = AnyType()
    return ColSpec(ftype, d.get("name"), required)


def _tensorspec(d: dict[str, Any]) -> TensorSpec:
    if "tensor-spec" not in d:
        raise SchemaError(
            "Missing keys in TensorSpec JSON. Expected to find keys `tensor-spec` and `type`"
        )
    ts = d["tensor-spec"]
    if not isinstance(ts, dict) or not {"dtype", "shape"} <= set(ts):
        raise SchemaError(
            "Missing keys in TensorSpec JSON. Expected to find keys `dtype` and `shape`"
        )
    try:
        dtype = np.dtype(ts["dtype"])
    except (TypeError, ValueError) as e:
        raise SchemaError(f"Invalid tensor dtype {ts['dtype']!r}: {e}") from e
    if dtype.char in ("U", "S") and not dtype.name.isalpha():
        raise SchemaError(
            "MLflow does not support size information in flexible numpy data types. Use"
            f' np.dtype("{dtype.name.rstrip(string.digits)}") instead'
        )
    try:
        shape = tuple(ts["shape"])  # not validated further by MLflow
    except TypeError as e:
        raise SchemaError(f"Invalid tensor shape {ts['shape']!r}: {e}") from e
    return TensorSpec(dtype, shape, d.get("name"))


def parse_schema(value: str | bytes | Sequence[Any] | Schema) -> Schema:
    """Parse a signature ``inputs``/``outputs`` value (JSON string or decoded list)."""
    if isinstance(value, Schema):
        return value
    raw = _loads(value, "Schema")
    specs: list[ColSpec | TensorSpec] = []
    raw_required: list[Any] = []
    for x in raw:
        if not isinstance(x, dict):
            raise SchemaError(f"Schema entries must be objects, got {type(x).__name__}")
        if "type" not in x:
            raise SchemaError("Missing keys in ColSpec JSON. Expected to find key `type`")
        specs.append(_tensorspec(x) if x["type"] == "tensor" else _colspec(x))
        raw_required.append(x.get("required", True if x["type"] not in _COMPLEX else None))
    if not specs:
        raise SchemaError("Creating Schema with empty inputs is not allowed.")
    named = [s.name is not None for s in specs]
    if not (all(named) or not any(named)):
        raise SchemaError(
            "Creating Schema with a combination of named and unnamed inputs is not allowed. "
            f"Got input names {[s.name for s in specs]}"
        )
    tensors = [isinstance(s, TensorSpec) for s in specs]
    if not (all(tensors) or not any(tensors)):
        raise SchemaError("Creating Schema with a combination of ColSpec and TensorSpec")
    if all(tensors) and len(specs) > 1 and not all(named):
        raise SchemaError(
            "Creating Schema with multiple unnamed TensorSpecs is not supported. "
            "Please provide names for each TensorSpec."
        )
    # MLflow tests `x.required is False` on the raw value, so a missing flag (None) passes.
    if not any(named) and any(r is False for r in raw_required):
        raise SchemaError("Creating Schema with unnamed optional inputs is not supported.")
    if all(tensors):
        return Schema(tuple(s for s in specs if isinstance(s, TensorSpec)))
    return Schema(tuple(s for s in specs if isinstance(s, ColSpec)))


def parse_param_schema(value: str | bytes | Sequence[Any] | ParamSchema) -> ParamSchema:
    """Parse a signature ``params`` value; validates each default like MLflow does."""
    from .params import validate_param_value  # circular: params needs these dataclasses

    if isinstance(value, ParamSchema):
        return value
    out: list[ParamSpec] = []
    for x in _loads(value, "ParamSchema"):
        if not isinstance(x, dict):
            raise SchemaError(f"ParamSchema entries must be objects, got {type(x).__name__}")
        if not ({"name", "default"} <= set(x) and ({"type"} <= set(x) or {"dtype"} <= set(x))):
            raise SchemaError(
                "Missing keys in ParamSpec JSON. Expected to find keys `name`, `type`(or "
                f"`dtype`) and `default`. Received keys: {list(x)}"
            )
        name = str(x["name"])
        tname = x.get("type") or x.get("dtype")
        ptype: DataType | Object
        if tname == "object":
            ptype = _object(x)
        elif isinstance(tname, str) and tname in DataType.__members__:
            ptype = DataType[tname]
        else:
            raise SchemaError(f"Unsupported type '{tname}' for ParamSpec '{name}'")
        if ptype is DataType.binary:
            raise SchemaError(f"Binary type is not supported for parameters, ParamSpec '{name}'")
        try:
            shape = tuple(x["shape"]) if x.get("shape") is not None else None
        except TypeError as e:
            raise SchemaError(f"Invalid shape for ParamSpec '{name}': {e}") from e
        spec = ParamSpec(name, ptype, x["default"], shape)
        # The constructor stores the *validated* default (e.g. ISO string → datetime).
        default = validate_param_value(spec, x["default"])
        out.append(ParamSpec(name, ptype, default, shape))
    names = [p.name for p in out]
    dups = [n for i, n in enumerate(names) if n in names[:i]]
    if dups:
        raise SchemaError(f"Duplicated parameters found in schema: {dups}")
    return ParamSchema(tuple(out))
