"""Errors, warnings and the lossy-cast classifier shared by the enforcement modules."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .lazy import is_pandas, is_pandas_null

if TYPE_CHECKING:
    pass
else:
    pass


class EnforcementError(ValueError):
    """Input does not conform to the schema (MLflow would refuse it).

    ``inputs`` names the offending column(s)/tensor(s)/param(s) when known; ``reason`` is the
    message without the prefix. ``str(err)`` is the full, human-readable message.
    """

    def __init__(self, reason: str, inputs: Sequence[Any] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.inputs: tuple[Any, ...] = tuple(inputs)


class LossyCastError(EnforcementError):
    """Raised instead of a ``lossy-cast`` warning when ``strict=True``."""


class SchemaError(EnforcementError):
    """The signature JSON itself is invalid (MLflow would fail to load it)."""


WarningKind = Literal[
    "lossy-cast",
    "coerced",
    "extra-inputs-ignored",
    "params-ignored",
    "params-keys-stringified",
]


@dataclass(frozen=True)
class EnforcementWarning:
    """Something MLflow accepts silently (or with only a log line) that a linter may report.

    kind:
      * ``lossy-cast`` — a value was changed by a cast MLflow performs (1.5 → 1 for an integer
        column, 2**40 wrapping in int32, "a" → True for a boolean column, ints read as epoch
        nanoseconds for a datetime column, None → False in a boolean array, …).
      * ``coerced`` — the value survived but its kind changed ("1" → 1, True → 1, 1 → "1").
      * ``extra-inputs-ignored`` — undeclared columns/tensors were dropped.
      * ``params-ignored`` / ``params-keys-stringified`` — MLflow's params warnings.
    ``examples`` holds up to three ``(original, converted)`` pairs.
    """

    kind: WarningKind
    input: Any
    message: str
    examples: tuple[tuple[Any, Any], ...] = ()


@dataclass
class Report:
    """Mutable collector threaded through the (otherwise pure) enforcement functions."""

    warnings: list[EnforcementWarning] = field(default_factory=list)
    strict: bool = False

    def add(self, warning: EnforcementWarning) -> None:
        if self.strict and warning.kind == "lossy-cast":
            raise LossyCastError(f"Lossy cast (strict mode): {warning.message}", [warning.input])
        self.warnings.append(warning)

    def compare(self, name: Any, before: Iterable[Any], after: Iterable[Any], what: str) -> None:
        """Record lossy/coerced warnings for element-wise ``before`` → ``after``."""
        lossy: list[tuple[Any, Any]] = []
        coerced: list[tuple[Any, Any]] = []
        for o, n in zip(before, after, strict=False):
            verdict = classify(o, n)
            if verdict == "lossy":
                lossy.append((o, n))
            elif verdict == "coerced":
                coerced.append((o, n))
        label = f"{name!r}" if name is not None else "unnamed input"
        if lossy:
            self.add(
                EnforcementWarning(
                    "lossy-cast",
                    name,
                    f"{label}: {len(lossy)} value(s) changed by {what} (e.g. "
                    f"{_fmt(lossy[0][0])} -> {_fmt(lossy[0][1])})",
                    tuple(lossy[:3]),
                )
            )
        if coerced:
            self.add(
                EnforcementWarning(
                    "coerced",
                    name,
                    f"{label}: {len(coerced)} value(s) changed kind under {what} (e.g. "
                    f"{_fmt(coerced[0][0])} -> {_fmt(coerced[0][1])})",
                    tuple(coerced[:3]),
                )
            )


def _fmt(x: Any) -> str:
    return repr(x.item() if isinstance(x, np.generic) else x)


def _is_null(x: Any) -> bool:
    if x is None or is_pandas_null(x):
        return True
    if isinstance(x, (float, np.floating)):
        return bool(np.isnan(x))
    return isinstance(x, np.datetime64) and bool(np.isnat(x))


def _kind(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return "num"
    if isinstance(x, (str, np.str_)):
        return "str"
    if isinstance(x, (bytes, bytearray, np.bytes_)):
        return "bytes"
    if (isinstance(x, (dt.date, np.datetime64)) or is_pandas(x, "Timestamp")):
        return "datetime"
    return "other"


def classify(o: Any, n: Any) -> Literal["lossy", "coerced"] | None:
    """Is ``o`` → ``n`` value-preserving (None), kind-changing ("coerced") or lossy?"""
    if _is_null(o):
        return None if _is_null(n) else "lossy"
    if _is_null(n):
        return "lossy"
    ko, kn = _kind(o), _kind(n)
    try:
        if ko == kn == "num":
            if isinstance(n, np.float32) and not isinstance(o, np.float64):
                # Rounding to the declared float32 precision is what the schema asks for; only
                # overflow to inf (or a change beyond float32 rounding) counts as lossy.
                return None if np.float32(o) == n else "lossy"
            return (
                None
                if (o == n and math.isfinite(float(n)) == math.isfinite(float(o)))
                else ("lossy")
            )
        if ko == kn:
            return None if bool(o == n) else "lossy"
        if ko == "bool" and kn == "num":
            return "coerced" if n == int(o) else "lossy"
        if ko == "num" and kn == "bool":
            return "coerced" if o in (0, 1) and bool(o) == bool(n) else "lossy"
        if ko == "str" and kn == "num":
            return "coerced" if float(o) == float(n) else "lossy"
        if ko == "str" and kn == "bool":
            return "coerced" if str(o).strip().lower() in ("true", "1") and bool(n) else "lossy"
        if ko in ("num", "bool") and kn == "str":
            return "coerced" if str(o) == str(n) else "lossy"
        if ko == "str" and kn in ("datetime", "bytes"):
            return "coerced"
        if ko in ("num", "bool") and kn == "datetime":
            # JSON numbers read as nanoseconds since the epoch: almost never what was meant.
            return "lossy"
    except (TypeError, ValueError, OverflowError):
        return "lossy"
    return "coerced" if _safe_eq(o, n) else "lossy"


def _safe_eq(o: Any, n: Any) -> bool:
    try:
        return bool(o == n)
    except Exception:
        return False
