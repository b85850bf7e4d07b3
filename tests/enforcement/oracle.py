"""Call real MLflow (the oracle) and summarise results comparably with mlint's."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pandas as pd

import mlint.enforcement as enf


def summary(out: Any) -> Any:
    """A comparable digest: dtypes (and column order) of the enforced output."""
    if isinstance(out, pd.DataFrame):
        return ("df", [(str(c), str(t)) for c, t in out.dtypes.items()], len(out))
    if isinstance(out, np.ndarray):
        return ("nd", str(out.dtype), out.shape)
    if isinstance(out, dict):
        return ("dict", {str(k): summary(v) for k, v in out.items()})
    if isinstance(out, list):
        return ("list", len(out))
    return ("other", type(out).__name__)


def ours(data: Any, schema: Any) -> tuple[str, Any]:
    try:
        return "ok", summary(enf.enforce_schema(copy.deepcopy(data), schema))
    except enf.EnforcementError as e:
        return "err", e.reason


def theirs(data: Any, schema: Any) -> tuple[str, Any]:
    from mlflow.models.utils import _enforce_schema
    from mlflow.types.schema import Schema

    s = Schema.from_json(schema if isinstance(schema, str) else json.dumps(schema))
    try:
        return "ok", summary(_enforce_schema(copy.deepcopy(data), s))
    except Exception as e:
        return "err", str(e)


def ours_params(params: Any, pschema: Any) -> tuple[str, Any]:
    try:
        return "ok", enf.enforce_params(copy.deepcopy(params), pschema)
    except enf.EnforcementError as e:
        return "err", e.reason


def theirs_params(params: Any, pschema: Any) -> tuple[str, Any]:
    from mlflow.models.utils import _enforce_params_schema
    from mlflow.types.schema import ParamSchema

    s = ParamSchema.from_json(pschema if isinstance(pschema, str) else json.dumps(pschema))
    try:
        return "ok", _enforce_params_schema(copy.deepcopy(params), s)
    except Exception as e:
        return "err", str(e)


def ours_payload(payload: dict[str, Any], schema: Any) -> tuple[str, Any]:
    try:
        return "ok", summary(enf.parse_serving_payload(copy.deepcopy(payload), schema).data)
    except enf.EnforcementError as e:
        return "err", e.reason


def theirs_payload(payload: dict[str, Any], schema: Any) -> tuple[str, Any]:
    from mlflow.pyfunc.scoring_server import infer_and_parse_data
    from mlflow.types.schema import Schema

    s = Schema.from_json(schema if isinstance(schema, str) else json.dumps(schema))
    try:
        return "ok", summary(infer_and_parse_data(copy.deepcopy(payload), s))
    except Exception as e:
        return "err", str(e)
