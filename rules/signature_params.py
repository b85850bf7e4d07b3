"""SIG rule on `signature.params`: ParamSpecs MLflow refuses to construct."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.rulekit.sigsupport import checked_part, could_not_evaluate, guarded, short

# Imported lazily by the rule; once before forking workers (mlint.perf.parallel.preload).
FORK_PRELOAD = ("mlint.enforcement",)


@rule("SIG101", "signature-params-unloadable", scope=ModelDir, severity=ERROR)
def signature_params_unloadable(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Every `signature.params` entry must be a ParamSpec MLflow can construct: its `default`
    valid for its type and shape, and its name unique.

    Why: `ParamSpec.__init__` validates the default exactly like a predict-time param (§4.6) and
    `ParamSchema` rejects duplicate names, so a bad entry makes `Model.load` fail. JSON Schema
    (SIG001) already checks the type names, `binary`, the shape (`null` or `[-1]`) and the JSON
    type of the default; this rule adds what needs MLflow's own conversion: `2.0` as a `long`
    default (a float is not an int to MLflow), datetime strings numpy cannot parse, object
    defaults that do not match their `properties`, duplicate names.
    Fix: correct the default (e.g. `2` instead of `2.0`, an ISO date for datetime) or rename the
    duplicate; `mlflow.models.infer_signature(X, y, params=...)` writes valid params.

    Example: `{"name": "seed", "default": 2.0, "shape": null, "type": "long"}`.
    """
    part = checked_part(model, "params")
    if part is None or part.root_error or not part.clean:
        return
    from mlint.enforcement import parse_param_schema  # numpy: only for a model with params

    failed = False
    for i, x in part.clean:
        outcome = guarded(partial(parse_param_schema, [x]))
        if outcome.crash is not None:
            failed = True
            yield could_not_evaluate(f"signature.params/{i}", outcome.crash, "MLmodel", f"{part.pointer}/{i}")
        elif outcome.error is not None:
            failed = True
            yield Problem(f"signature.params/{i}: {outcome.error.reason}", file="MLmodel",
                          pointer=f"{part.pointer}/{i}/default", subject=f"params/{i}")
    if failed:
        return
    outcome = guarded(lambda: parse_param_schema([x for _, x in part.clean]))
    if outcome.crash is not None:
        yield could_not_evaluate("signature.params", outcome.crash, "MLmodel", part.pointer)
    elif outcome.error is not None:
        first: dict[str, int] = {}
        located = False
        for i, x in part.clean:
            name = str(x.get("name")) if isinstance(x, dict) else ""
            if name in first:
                located = True
                yield Problem(
                    f"signature.params/{i}: parameter {short(name)} is already defined by element "
                    f"{first[name]} (MLflow: \"Duplicated parameters found in schema\")",
                    file="MLmodel", pointer=f"{part.pointer}/{i}/name", subject=f"params/{i}")
            else:
                first.setdefault(name, i)
        if not located:
            yield Problem(f"signature.params: {outcome.error.reason}", file="MLmodel", pointer=part.pointer)
