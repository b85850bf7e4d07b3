"""SIG rules on `signature.inputs` / `signature.outputs`: MLflow's Schema invariants that JSON
Schema cannot express, loadable-but-surprising declarations, and a missing signature."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlint.core.diagnostics import ERROR, INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.rulekit.mlmodel import mlmodel_data
from mlint.rulekit.sigsupport import CheckedPart, checked_part, could_not_evaluate, guarded, short

COMPLEX_TYPES = ("array", "object", "map", "any", "sparkml_vector")
# Imported lazily by the rules; once before forking workers (mlint.perf.parallel.preload).
FORK_PRELOAD = ("mlint.enforcement",)


def _is_tensor(x: Any) -> bool:
    return isinstance(x, dict) and x.get("type") == "tensor"


def _named(x: Any) -> bool:
    # MLflow counts a name as absent only when it is None: "" and 0 are names (§3.2).
    return isinstance(x, dict) and x.get("name") is not None


def _listing(indexes: list[int]) -> str:
    return ", ".join(str(i) for i in indexes[:8]) + (", …" if len(indexes) > 8 else "")


def _element_problems(part: CheckedPart) -> Iterator[Problem]:
    """Per-element load failures (a dtype numpy does not know, …), each at its element."""
    from mlint.enforcement import parse_schema  # numpy: only for a model with a signature

    for i, x in part.clean:
        outcome = guarded(partial(parse_schema, [x]))
        if outcome.crash is not None:
            yield could_not_evaluate(f"signature.{part.part}/{i}", outcome.crash, "MLmodel",
                                     f"{part.pointer}/{i}")
        elif outcome.error is not None and "unnamed optional" not in outcome.error.reason:
            where = f"{part.pointer}/{i}"
            if _is_tensor(x) and "dtype" in outcome.error.reason:
                where += "/tensor-spec/dtype"
            yield Problem(f"signature.{part.part}/{i}: {outcome.error.reason}", file="MLmodel",
                          pointer=where, subject=f"{part.part}/{i}")


def _cross_problems(part: CheckedPart) -> Iterator[Problem]:
    """The invariants between elements, in the order `Schema.__init__` checks them."""
    items = [(i, x) for i, x in part.clean]
    label = f"signature.{part.part}"
    named = [i for i, x in items if _named(x)]
    unnamed = [i for i, x in items if not _named(x)]
    if named and unnamed:
        minority = unnamed if len(unnamed) <= len(named) else named
        kind = "unnamed" if minority is unnamed else "named"
        yield Problem(
            f"{label}: element(s) {_listing(minority)} are {kind} while the others are not; MLflow "
            f"requires all inputs named or none (\"Creating Schema with a combination of named and "
            f"unnamed inputs is not allowed\")",
            file="MLmodel", pointer=f"{part.pointer}/{minority[0]}", subject=f"{part.part}:named-mix")
    tensors = [i for i, x in items if _is_tensor(x)]
    columns = [i for i, x in items if not _is_tensor(x)]
    if tensors and columns:
        minority = tensors if len(tensors) <= len(columns) else columns
        kind = "tensor specs" if minority is tensors else "column specs"
        yield Problem(
            f"{label}: element(s) {_listing(minority)} are {kind} among "
            f"{'column' if minority is tensors else 'tensor'} specs; MLflow does not allow mixing "
            f"ColSpec and TensorSpec in one schema",
            file="MLmodel", pointer=f"{part.pointer}/{minority[0]}", subject=f"{part.part}:kind-mix")
    if tensors and not columns and len(tensors) > 1 and unnamed:
        yield Problem(
            f"{label}: {len(tensors)} tensors but element(s) {_listing(unnamed)} have no name; "
            f"MLflow supports several tensors only when every tensor is named",
            file="MLmodel", pointer=f"{part.pointer}/{unnamed[0]}", subject=f"{part.part}:unnamed-tensors")
    if not named:
        for i, x in items:
            if isinstance(x, dict) and x.get("required") is False:
                yield Problem(
                    f"{label}/{i}: unnamed input with \"required\": false; MLflow does not support "
                    f"unnamed optional inputs (it matches unnamed inputs by position)",
                    file="MLmodel", pointer=f"{part.pointer}/{i}/required", subject=f"{part.part}/{i}")


@rule("SIG100", "signature-schema-unloadable", scope=ModelDir, severity=ERROR)
def signature_schema_unloadable(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`signature.inputs`/`outputs` must satisfy MLflow's Schema invariants: all elements named
    or none, no mix of column and tensor specs, several tensors only when all are named, no
    unnamed optional input, and tensor dtypes that numpy understands.

    Why: `Model.load` builds a `Schema` from these strings and raises on any of them, so the
    model cannot be loaded, served or validated at all. The verdict is MLflow's own (through
    `mlint.enforcement.parse_schema`); elements already rejected by SIG001 are not re-reported.
    Fix: re-create the signature with `mlflow.models.infer_signature(X, y)` or correct the
    reported element (give every input a `name`, or none; split tensors and columns; use
    `required: true` for unnamed inputs; write dtypes as numpy names such as `float32`).

    Example: `[{"type": "double", "name": "a"}, {"type": "double"}]` — the second column has no name.
    """
    for part_name in ("inputs", "outputs"):
        part = checked_part(model, part_name)
        if part is None or part.root_error or not part.clean:
            continue
        element = list(_element_problems(part))
        yield from element
        if element:
            continue  # the whole-schema verdict needs loadable elements first, as in MLflow
        from mlint.enforcement import parse_schema

        outcome = guarded(partial(parse_schema, [x for _, x in part.clean]))
        if outcome.crash is not None:
            yield could_not_evaluate(f"signature.{part_name}", outcome.crash, "MLmodel", part.pointer)
        elif outcome.error is not None:
            # MLflow stops at the first violated invariant; so does the report (fix, re-run).
            located = list(_cross_problems(part))[:1]
            yield from located or [Problem(f"signature.{part_name}: {outcome.error.reason}",
                                           file="MLmodel", pointer=part.pointer)]


@rule("SIG102", "complex-column-implicitly-optional", scope=ModelDir, severity=WARNING)
def complex_column_implicitly_optional(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A named `array`, `object`, `map`, `any` or `sparkml_vector` input column without a
    `required` flag is silently optional.

    Why: for these types MLflow reads a missing `required` as None, which is falsy, so the
    column may be absent at predict time — unlike simple types, where a missing flag means
    required (docs/mlflow-format.md §3.3). MLflow itself always writes the flag since 2.10, so a file
    without it was written by hand or by an old tool, and probably meant "required".
    Fix: add `"required": true` (or `false` if optional is intended) to the column.
    """
    part = checked_part(model, "inputs")
    if part is None or part.root_error:
        return
    for i, x in part.clean:
        if isinstance(x, dict) and x.get("type") in COMPLEX_TYPES and "required" not in x and _named(x):
            yield Problem(
                f"signature.inputs/{i}: {x['type']} column {short(x.get('name'))} has no "
                f"\"required\" flag, so MLflow treats it as optional",
                file="MLmodel", pointer=f"{part.pointer}/{i}", subject=f"inputs/{i}",
                hint='Add "required": true (or false if the column may be absent).')


@rule("SIG103", "signature-duplicate-name", scope=ModelDir, severity=ERROR)
def signature_duplicate_name(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Input and output names in a signature must be unique: a duplicate input name is an
    error, a duplicate output name (outputs are not enforced) a warning.

    Why: MLflow accepts duplicate names, but enforcement builds the model's input from the
    signature's names, so one column is silently lost: with inputs `a` and `a` (was `b`),
    `predict` on the model's own input example (columns `a`, `b`) hands the model only `a`
    (verified with MLflow 3.17.2), and a model that needs both fails or predicts wrongly.
    Fix: rename or remove the duplicate; `mlflow.models.infer_signature` never produces them.
    """
    for part_name in ("inputs", "outputs"):
        part = checked_part(model, part_name)
        if part is None or part.root_error:
            continue
        first: dict[str, int] = {}
        for i, x in part.clean:
            if not _named(x):
                continue
            key = repr(x["name"])
            if key in first:
                effect = "enforcement passes the model only one column of that name" \
                    if part_name == "inputs" else "MLflow keeps only the last declaration"
                yield Problem(
                    f"signature.{part_name}/{i}: name {short(x['name'])} is already used by element "
                    f"{first[key]}; {effect}",
                    file="MLmodel", pointer=f"{part.pointer}/{i}/name", subject=f"{part_name}/{i}",
                    severity=None if part_name == "inputs" else WARNING)
            else:
                first[key] = i


@rule("SIG130", "signature-missing", scope=ModelDir, severity=WARNING, default=False)
def signature_missing(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A model should carry a signature. Off by default (`--extend-select SIG130`): MLflow
    itself logs models without one whenever neither a signature nor an input example is given.

    Why: without `signature` MLflow performs no input validation at all: a serving request with
    missing columns, wrong types or a different order reaches the model as is, and errors (or
    silently wrong predictions) happen inside the model code. Model registries and serving UIs
    also need it to describe the model. Reported as a warning for logged models (in a run or an
    MLflow 3 logged model) and as info for folders written by `save_model`.
    Fix: pass `signature=mlflow.models.infer_signature(X, model.predict(X))` or an
    `input_example` to `log_model`/`save_model` (MLflow then infers the signature).
    """
    data = mlmodel_data(model)
    if data is None or data.get("signature") is not None:
        return
    logged = model.run is not None or model.logged_model is not None
    yield Problem(
        "the model has no signature: MLflow will not validate inputs at predict time",
        file="MLmodel", line=1, severity=None if logged else INFO,
        hint="Log the model with signature=infer_signature(X, predictions) or with an input_example.")
