"""Re-implementation of MLflow 3.x input-vs-signature schema enforcement (no mlflow import).

See docs/enforcement.md. Public API:

* :func:`enforce_schema` / :func:`enforce_schema_report` — in-memory data vs ``inputs``;
* :func:`enforce_params` / :func:`enforce_params_report` — inference params vs ``params``;
* :func:`parse_serving_payload` — a scoring-server JSON payload → what MLflow enforces;
* :func:`enforce_serving_payload` — parse + enforce data and params in one go;
* :func:`parse_schema` / :func:`parse_param_schema` — signature JSON → frozen dataclasses.

Lossy acceptance is reported as :class:`EnforcementWarning` (``kind == "lossy-cast"``) on the
``*_report`` results and :class:`ParsedPayload`, or raised as :class:`LossyCastError` with
``strict=True``.
"""

from .core import EnforcementResult, enforce_schema, enforce_schema_report
from .errors import (
    EnforcementError,
    EnforcementWarning,
    LossyCastError,
    SchemaError,
)
from .params import enforce_params, enforce_params_report
from .payload import ParsedPayload, ServingResult, enforce_serving_payload, parse_serving_payload
from .schema import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
    parse_param_schema,
    parse_schema,
)

__all__ = [
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "EnforcementError",
    "EnforcementResult",
    "EnforcementWarning",
    "LossyCastError",
    "Map",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "ParsedPayload",
    "Property",
    "Schema",
    "SchemaError",
    "ServingResult",
    "TensorSpec",
    "enforce_params",
    "enforce_params_report",
    "enforce_schema",
    "enforce_schema_report",
    "enforce_serving_payload",
    "parse_param_schema",
    "parse_schema",
    "parse_serving_payload",
]
