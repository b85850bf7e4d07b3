"""Shared, cached views of a model folder's MLmodel that several rule families need.

Signature values are JSON strings inside YAML; they are decoded once per unit here, and a
decoding failure is a value pointing at the YAML key that holds the string.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlint.files import structure_problem
from mlint.units import ModelDir

SIGNATURE_PARTS = ("inputs", "outputs", "params")


@dataclass(frozen=True)
class SignaturePart:
    """One decoded `signature.<part>`: `value` is the decoded JSON, or `error` says why not."""

    part: str
    pointer: str
    value: Any = None
    error: str = ""


def mlmodel_data(unit: ModelDir) -> dict[str, Any] | None:
    """The MLmodel mapping, or None when missing, unparsable or not a mapping."""
    doc = unit.yaml("MLmodel")
    return doc.data if doc is not None and isinstance(doc.data, dict) else None


def flavors(unit: ModelDir) -> dict[str, dict[str, Any]]:
    """`flavors`, keeping only mapping-valued entries (the schema rule reports the rest)."""
    data = mlmodel_data(unit) or {}
    raw = data.get("flavors")
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, dict)}


def signature_parts(unit: ModelDir) -> dict[str, SignaturePart]:
    """Decoded signature parts that are present and truthy (as `ModelSignature.from_dict` reads)."""
    memo = unit.__dict__.setdefault("_signature_parts", None)
    if memo is not None:
        return memo
    parts: dict[str, SignaturePart] = {}
    data = mlmodel_data(unit) or {}
    signature = data.get("signature")
    if isinstance(signature, Mapping):
        for part in SIGNATURE_PARTS:
            raw = signature.get(part)
            if not raw:  # MLflow treats null and "" as absent
                continue
            pointer = f"/signature/{part}"
            if not isinstance(raw, str):
                kind = type(raw).__name__
                parts[part] = SignaturePart(part, pointer, error=f"must be a JSON string, not {kind}")
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                error = f"is not valid JSON: {exc.msg} at character {exc.pos}"
                parts[part] = SignaturePart(part, pointer, error=error)
                continue
            except RecursionError:
                parts[part] = SignaturePart(part, pointer, error="is nested too deeply to decode")
                continue
            except ValueError as exc:  # an int past Python's 4300-digit conversion limit
                parts[part] = SignaturePart(part, pointer, error=f"is not valid JSON: {exc}"[:160])
                continue
            # The same caps as for files: rules and jsonschema recurse into the decoded value.
            problem = structure_problem(value)
            parts[part] = SignaturePart(part, pointer, value=None if problem else value, error=problem)
    unit.__dict__["_signature_parts"] = parts
    return parts
