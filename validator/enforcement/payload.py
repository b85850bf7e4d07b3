"""The JSON scoring-server path: payload → the data MLflow hands to ``_enforce_schema``.

Mirrors ``mlflow.pyfunc.scoring_server._parse_json_data`` / ``infer_and_parse_data``; the lossy
pre-cast itself (``proto_json_utils``) lives in ``precast``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .core import EnforcementResult, SchemaLike, enforce_schema_report
from .errors import EnforcementError, EnforcementWarning, Report
from .params import ParamSchemaLike, enforce_params_report
from .precast import _cast_schema_type, _dataframe, _instances
from .schema import ParamSchema as _ParamSchema
from .schema import parse_param_schema as _parse_param_schema
from .schema import parse_schema

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
LLM_KEYS = ("messages", "prompt", "input")


@dataclass(frozen=True)
class ParsedPayload:
    """What the scoring server passes on: ``model.predict(data, params=params)``.

    * ``data`` — a DataFrame (``dataframe_*``), or an ndarray / dict of ndarrays / list of dicts
      (``instances``/``inputs``), or the raw dict for unified-LLM payloads.
    * ``params`` — the payload's ``params`` value **as sent** (None when absent); run
      :func:`enforce_params` on it to get what the model would see.
    * ``warnings`` — lossy/coerced casts done by the pre-cast.
    * ``is_llm_input`` — the payload used a unified LLM key (``messages``/``prompt``/``input``)
      and was therefore not parsed at all.
    """

    data: Any
    params: Any
    warnings: tuple[EnforcementWarning, ...] = ()
    is_llm_input: bool = False

    @property
    def lossy(self) -> bool:
        return any(w.kind == "lossy-cast" for w in self.warnings)


@dataclass(frozen=True)
class ServingResult:
    """Result of :func:`enforce_serving_payload`: enforced data and params, all warnings."""

    data: Any
    params: dict[str, Any] | None
    warnings: tuple[EnforcementWarning, ...] = ()

    @property
    def lossy(self) -> bool:
        return any(w.kind == "lossy-cast" for w in self.warnings)


# ------------------------------------------------------------------ dataframe_* formats


def _decode(payload: Any) -> dict[str, Any]:
    decoded = payload
    if isinstance(payload, (str, bytes, bytearray)):
        try:
            decoded = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as e:
            raise EnforcementError(
                f"Ensure that input is a valid JSON formatted string. Error: {e!r}"
            ) from e
    if not isinstance(decoded, dict):  # e.g. JSON null, a list, or a decoded scalar
        raise EnforcementError(
            f"The input must be a JSON dictionary with exactly one of the input fields "
            f"{set(FORMATS)}. Received {type(decoded).__name__}."
        )
    return decoded


def parse_serving_payload(
    payload: str | bytes | dict[str, Any],
    schema: SchemaLike | None = None,
    params_schema: ParamSchemaLike | None = None,
    *,
    strict: bool = False,
) -> ParsedPayload:
    """Parse a scoring-server JSON payload as MLflow 3.x does, including its lenient pre-cast.

    ``schema`` is the signature's ``inputs``; ``params_schema`` (its ``params``) is only used to
    split unified-LLM payloads. With ``strict=True`` any lossy pre-cast raises.
    """
    report = Report(strict=strict)
    parsed = parse_schema(schema) if schema is not None else None
    decoded = _decode(payload)
    if any(k in decoded for k in LLM_KEYS):
        pschema = _parse_param_schema(params_schema) if params_schema is not None else None
        names = {p.name for p in pschema.params} if isinstance(pschema, _ParamSchema) else set()
        data = {k: v for k, v in decoded.items() if k not in names}
        llm_params = {k: v for k, v in decoded.items() if k in names}
        return ParsedPayload(data, llm_params, (), True)
    params = decoded.get("params")
    keys = [k for k in decoded if k in FORMATS]
    if len(keys) != 1:
        raise EnforcementError(
            f"The input must be a JSON dictionary with exactly one of the input fields "
            f"{set(FORMATS)}. Received dictionary with input fields: {list(decoded)}."
        )
    fmt = keys[0]
    try:
        if fmt in ("dataframe_split", "dataframe_records"):
            data = _dataframe(decoded[fmt], fmt[10:], parsed, report)
        elif fmt == "instances":
            data = _instances(decoded[fmt], parsed, report)
        else:
            data = _cast_schema_type(decoded[fmt], parsed, report)
    except EnforcementError:
        raise
    except Exception as e:
        raise EnforcementError(
            f"Ensure that the input is a valid JSON-formatted string. Error: {e!r}"
        ) from e
    return ParsedPayload(data, params, tuple(report.warnings), False)


def enforce_serving_payload(
    payload: str | bytes | dict[str, Any],
    schema: SchemaLike | None,
    params_schema: ParamSchemaLike | None = None,
    *,
    strict: bool = False,
) -> ServingResult:
    """Parse a payload then enforce data and params: the whole serving-time verdict.

    This is what ``mlflow models serve`` / ``log_model``'s serving-example validation does
    before calling the model. Raises :class:`EnforcementError` if MLflow would reject it.
    """
    p = parse_serving_payload(payload, schema, params_schema, strict=strict)
    warnings: list[EnforcementWarning] = list(p.warnings)
    data = p.data
    # Unified-LLM (chat-style) payloads skip the pre-cast but not enforcement: the scoring
    # server still calls PyFuncModel.predict, which enforces the input schema.
    if schema is not None:
        res: EnforcementResult = enforce_schema_report(p.data, schema, strict=strict)
        data = res.data
        warnings.extend(res.warnings)
    enforced_params, pw = enforce_params_report(p.params, params_schema)
    warnings.extend(pw)
    return ServingResult(data, enforced_params, tuple(warnings))


__all__: Sequence[str] = (
    "ParsedPayload",
    "ServingResult",
    "enforce_serving_payload",
    "parse_serving_payload",
)
