"""SIG rules running the saved input examples through MLflow's enforcement (re-implemented in
`mlint.enforcement`): would MLflow accept them, and only by changing values?"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.reading.linemap import join_pointer
from mlint.rulekit.sigsupport import (
    ExampleView,
    could_not_evaluate,
    example_info,
    example_view,
    guarded,
    memoised_verdict,
    option_int,
    parsed_params,
    parsed_schema,
    shape_problem,
    signature_loadable,
    type_hint_signature,
)

if TYPE_CHECKING:
    from mlint.enforcement import EnforcementWarning, Schema

# `mlint.enforcement` (numpy, pandas) is imported inside the rules, once a model has an example
# to enforce: a check that needs none does not import it (docs/performance.md, start-up). A
# parent about to fork workers imports it once for all of them (mlint.perf.parallel.preload).
FORK_PRELOAD = ("mlint.enforcement",)

DEFAULT_MAX_ROWS = 1000
OPTIONS = {"max-example-rows": DEFAULT_MAX_ROWS}
PAYLOAD_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")


def _fixed_first_dim(schema: Schema | None) -> bool:
    if schema is None:
        return False
    from mlint.enforcement import TensorSpec

    return any(
        isinstance(s, TensorSpec) and s.shape[:1] not in ((-1,), ()) for s in schema.inputs)


def _cap_rows(value: Any, limit: int, columnar: bool) -> tuple[Any, bool]:
    """The first `limit` rows of a list (or of each list in a columnar dict)."""
    if isinstance(value, list) and len(value) > limit:
        return value[:limit], True
    if columnar and isinstance(value, dict):
        capped = {k: v[:limit] if isinstance(v, list) else v for k, v in value.items()}
        return capped, any(isinstance(v, list) and len(v) > limit for v in value.values())
    return value, False


def _cap_split(value: Any, limit: int) -> tuple[Any, bool]:
    if isinstance(value, dict) and isinstance(value.get("data"), list) and len(value["data"]) > limit:
        out = dict(value, data=value["data"][:limit])
        if isinstance(value.get("index"), list):
            out["index"] = value["index"][:limit]
        return out, True
    return value, False


class Locator:
    """Where, in the example file, the column or param MLflow complains about is written."""

    def __init__(self, base: str, value: Any, split: bool) -> None:
        self.base, self.value, self.split = base, value, split

    def column(self, name: Any) -> str:
        value = self.value
        if self.split and isinstance(value, dict) and isinstance(value.get("columns"), list):
            if name in value["columns"]:
                return f"{self.base}/columns/{value['columns'].index(name)}"
            return f"{self.base}/columns"
        if isinstance(value, dict) and name in value:
            return self.base + join_pointer(name)
        return self.base


def _problems(file: str, what: str, locate: Locator, params_at: str, capped: int,
              steps: list[Callable[[], tuple[Any, tuple[EnforcementWarning, ...]]]]) -> Iterator[Problem]:
    note = f" (checked the first {capped} rows only)" if capped else ""
    seen: set[str] = set()
    for step in steps:
        outcome = guarded(step)
        if outcome.crash is not None:
            yield could_not_evaluate(what, outcome.crash, file)
            return
        if outcome.error is not None:
            err = outcome.error
            is_param = err.reason.startswith("Invalid parameters")
            if is_param:
                pointer = params_at + (join_pointer(err.inputs[0]) if err.inputs else "")
            else:
                pointer = locate.column(err.inputs[0]) if err.inputs else locate.base
            named = f" (input {', '.join(repr(i) for i in err.inputs[:3])})" if err.inputs else ""
            yield Problem(f"MLflow rejects {what}{named}: {err.reason[:400]}{note}", file=file,
                          pointer=pointer, line=None if pointer else 1, subject="rejected")
            return
        for warning in outcome.value[1]:
            if warning.kind != "lossy-cast" or warning.message in seen:
                continue
            seen.add(warning.message)
            yield Problem(f"MLflow accepts {what} only by changing values: {warning.message}{note}",
                          file=file, pointer=locate.column(warning.input), severity=WARNING,
                          line=None if locate.column(warning.input) else 1,
                          subject=f"lossy:{warning.input!r}")


def _enforce(data: Any, schema: Schema) -> tuple[Any, tuple[EnforcementWarning, ...]]:
    from mlint.enforcement import enforce_schema_report

    result = enforce_schema_report(data, schema)
    return result.data, result.warnings


@rule("SIG120", "input-example-rejected", scope=ModelDir, severity=ERROR, options=OPTIONS)
def input_example_rejected(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`input_example.json` must conform to the model's signature, as MLflow enforces it.

    Why: the example documents what the model accepts, and `log_model` validates it; an example
    that MLflow's enforcement rejects (missing column, wrong type, bad params) means the
    signature or the example is wrong, and whoever copies the example gets an error from the
    serving endpoint. The example is read as `Model.load_input_example` does (split JSON with
    the lenient JSON pre-cast for `dataframe`, `parse_inputs_data` for `ndarray`, as is for
    `json_object`) and checked with MLflow's `_enforce_schema`/`_enforce_params_schema`
    semantics. When MLflow accepts it only by a lossy cast (1.5 → 1 for an integer column,
    "a" → True for a boolean) the finding is a warning. Models whose signature comes from type
    hints are not input-enforced by MLflow and are skipped (their params still are checked).
    Only the first `max-example-rows` rows (default 1000) are checked; the message says so.
    Fix: regenerate the signature from the same data as the example
    (`infer_signature(example, …)`), or correct the example.
    """
    view = example_view(model)  # reads the example only where the rule itself would
    if view is None:
        return
    yield from memoised_verdict(model, "SIG120", view.rel, options,
                                lambda: _input_example_problems(model, options))


def _input_example_problems(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    view = example_view(model)
    if view is None or not view.consistent or shape_problem(view) or not signature_loadable(model):
        return  # SIG110-SIG112 and SIG100/SIG101 own those
    from mlint.enforcement import enforce_params_report, parse_serving_payload

    schema = parsed_schema(model, "inputs")
    params_schema = parsed_params(model)
    limit = option_int(options, "max-example-rows", DEFAULT_MAX_ROWS)
    data, capped = _example_data(view, schema, limit)
    base = view.data_pointer()
    locate = Locator(base, view.data, view.type == "dataframe")
    enforce_inputs = schema is not None and not type_hint_signature(model)
    steps: list[Callable[[], tuple[Any, tuple[EnforcementWarning, ...]]]] = []
    fast = _fast_split(data, schema) if view.type == "dataframe" and enforce_inputs else None
    if fast is not None:
        steps.extend(fast)
    elif view.type in ("dataframe", "ndarray"):
        key = "dataframe_split" if view.type == "dataframe" else "inputs"
        parsed: dict[str, Any] = {}

        def load() -> tuple[Any, tuple[EnforcementWarning, ...]]:
            result = parse_serving_payload({key: data}, schema)
            parsed["data"] = result.data
            return result.data, result.warnings

        steps.append(load)
        if enforce_inputs and schema is not None:
            steps.append(lambda: _enforce(parsed["data"], schema))
    elif view.type == "json_object" and enforce_inputs and schema is not None:
        steps.append(lambda: _enforce(data, schema))
    elif view.type.startswith("sparse_matrix") and enforce_inputs and schema is not None:
        matrix = _sparse(view)
        if matrix is not None:
            steps.append(lambda: _enforce(matrix, schema))
    if view.params is not None or params_schema is not None:
        steps.append(lambda: enforce_params_report(view.params, params_schema))
    params_at = "/params" if view.params_flag else ""
    yield from _problems(view.rel, f"'{view.rel}'", locate, params_at, limit if capped else 0, steps)


def _fast_split(split: Any, schema: Schema | None
                ) -> list[Callable[[], tuple[Any, tuple[EnforcementWarning, ...]]]] | None:
    """The load and enforce steps answered without pandas (`mlint.enforcement.fastcols`), or
    None when only the pandas path can tell; the findings are the same either way."""
    from mlint.enforcement.fastcols import split_verdict

    verdict = split_verdict(split, schema)
    if verdict is None:
        return None

    def load() -> tuple[Any, tuple[EnforcementWarning, ...]]:
        return None, verdict.load

    def enforce() -> tuple[Any, tuple[EnforcementWarning, ...]]:
        if isinstance(verdict.enforce, Exception):
            raise verdict.enforce
        return None, verdict.enforce

    return [load, enforce]


def _example_data(view: ExampleView, schema: Schema | None, limit: int) -> tuple[Any, bool]:
    if view.type == "dataframe":
        return _cap_split(view.data, limit)
    if view.type == "ndarray" and not _fixed_first_dim(schema):
        return _cap_rows(view.data, limit, columnar=True)
    if view.type == "json_object":
        return _cap_rows(view.data, limit, columnar=False)
    return view.data, False


def _sparse(view: ExampleView) -> Any:
    """The scipy matrix MLflow builds, or None when scipy is missing or the file is malformed
    (SIG110 reports missing keys; construction errors are MLflow's own load failures too)."""
    try:
        from scipy import sparse
    except ImportError:
        return None
    d = view.data
    try:
        build = sparse.csc_matrix if view.type == "sparse_matrix_csc" else sparse.csr_matrix
        return build((d["data"], d["indices"], d["indptr"]), shape=tuple(d["shape"]))
    except Exception:
        return None


@rule("SIG121", "serving-input-example-rejected", scope=ModelDir, severity=ERROR, options=OPTIONS)
def serving_input_example_rejected(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`serving_input_example.json` must be a scoring-server payload that MLflow accepts for
    this model's signature.

    Why: this file is what users copy into `curl` against `mlflow models serve` and what
    `mlflow models predict` and `log_model`'s serving check send. It is parsed like a request
    (`dataframe_split`/`dataframe_records`/`instances`/`inputs`, plus `params`, or a unified-LLM
    payload) with MLflow's lenient JSON pre-cast, then enforced against the signature. A payload
    accepted only through a lossy cast is a warning. For type-hint signatures MLflow only
    requires an `inputs` key. At most `max-example-rows` rows are checked.
    Fix: regenerate it with `mlflow.models.convert_input_example_to_serving_input(example)` after
    fixing the example or the signature.
    """
    info = example_info(model)
    rel = info.get("serving_input_path") if info is not None else None
    if not isinstance(rel, str) or not rel or not signature_loadable(model):
        return  # before reading the payload, as below: the same files are read with the memo
    yield from memoised_verdict(model, "SIG121", rel, options,
                                lambda: _serving_problems(model, options))


def _serving_problems(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    info = example_info(model)
    rel = info.get("serving_input_path") if info is not None else None
    if not isinstance(rel, str) or not rel or not signature_loadable(model):
        return
    doc = model.json(rel)
    if doc is None:
        return
    payload = doc.data
    if type_hint_signature(model):
        if not (isinstance(payload, dict) and ("inputs" in payload or "messages" in payload
                                               or "prompt" in payload or "input" in payload)):
            yield Problem(f"'{rel}' has no 'inputs' key, which MLflow requires for a model whose "
                          f"signature comes from type hints", file=rel)
        return
    from mlint.enforcement import enforce_params_report, parse_serving_payload

    schema = parsed_schema(model, "inputs")
    params_schema = parsed_params(model)
    limit = option_int(options, "max-example-rows", DEFAULT_MAX_ROWS)
    capped = False
    key = next((k for k in PAYLOAD_KEYS if isinstance(payload, dict) and k in payload), None)
    if key is not None and isinstance(payload, dict):
        inner = payload[key]
        if key == "dataframe_split":
            inner, capped = _cap_split(inner, limit)
        elif not _fixed_first_dim(schema):
            inner, capped = _cap_rows(inner, limit, columnar=key == "inputs")
        payload = dict(payload, **{key: inner})
    original = doc.data.get(key) if key and isinstance(doc.data, dict) else None
    locate = Locator(f"/{key}" if key else "", original, key == "dataframe_split")
    parsed: dict[str, Any] = {}

    if not isinstance(payload, dict):
        # Hand non-objects over as the JSON text MLflow reads, so that the enforcement module
        # rejects them as MLflow does (given a decoded `null` it raised a TypeError instead).
        payload = doc.text

    def load() -> tuple[Any, tuple[EnforcementWarning, ...]]:
        result = parse_serving_payload(payload, schema, params_schema)
        parsed["result"] = result
        return result.data, result.warnings

    steps: list[Callable[[], tuple[Any, tuple[EnforcementWarning, ...]]]]
    fast = None
    if key == "dataframe_split" and isinstance(payload, dict) and set(payload) <= {key, "params"}:
        fast = _fast_split(payload[key], schema)
    if fast is not None:
        sent = payload
        steps = [*fast, lambda: enforce_params_report(sent.get("params"), params_schema)]
    else:
        steps = [load]
        if schema is not None:
            steps.append(lambda: _enforce(parsed["result"].data, schema))
        steps.append(lambda: enforce_params_report(parsed["result"].params, params_schema))
    yield from _problems(rel, f"'{rel}'", locate, "/params", limit if capped else 0, steps)
