"""Helpers shared by the SIG rules (not a rule module: it registers nothing).

The verdict on a signature is always `mlint.enforcement`'s (MLflow's own, re-implemented);
the JSON Schema layer (SIG001) owns everything expressible per element, so the SIG rules only
look at elements the schema accepted and never report the same defect twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from mlint import schemas
from mlint.core.diagnostics import WARNING, Problem
from mlint.discovery.units import ModelDir
from mlint.rulekit.mlmodel import mlmodel_data, signature_parts

if TYPE_CHECKING:
    from mlint.enforcement import EnforcementError, ParamSchema, Schema

# `mlint.enforcement` (numpy, pandas) is imported where a rule first needs it, never at start-up:
# a model folder without a signature, or a run, must not pay for it (docs/performance.md).

T = TypeVar("T")
PART_SCHEMA = {"inputs": "signature-schema", "outputs": "signature-schema", "params": "signature-params"}


@dataclass(frozen=True)
class CheckedPart:
    """A decoded signature part split by what SIG001 already reports.

    `clean` holds (index, element) pairs with no JSON Schema error inside them; `root_error`
    is True when the part as a whole is rejected (not a list, empty…), so nothing is left to
    check here.
    """

    part: str
    pointer: str
    value: Any
    clean: tuple[tuple[int, Any], ...]
    root_error: bool


def _memo(unit: ModelDir, key: str, compute: Callable[[], T]) -> T:
    store: dict[str, Any] = unit.__dict__.setdefault("_sig_memo", {})
    if key not in store:
        store[key] = compute()
    return cast(T, store[key])


# --- verdict memo --------------------------------------------------------------------------
# SIG120/SIG121's findings are a function of the example file's text, the MLmodel's
# `signature`, `saved_input_example_info` and `is_signature_from_type_hint`, and the rule's
# options — nothing else of the folder. The runs of a project log the same example against
# the same signature, so each distinct combination is enforced once per process. Keys are
# digests of all of it; bounded, cleared when full.
_VERDICTS: dict[bytes, tuple[Problem, ...]] = {}
MAX_VERDICTS = 1024


def _verdict_key(model: ModelDir, code: str, rel: Any, options: Mapping[str, Any]) -> bytes | None:
    if not isinstance(rel, str) or not rel:
        return None
    doc = model.json(rel)
    if doc is None:
        return None  # missing or broken: nothing to enforce, and the rules return at once
    data = mlmodel_data(model) or {}
    head = repr((code, rel, sorted(options.items(), key=repr), data.get("signature"),
                 data.get("saved_input_example_info"), data.get("is_signature_from_type_hint")))
    digest = hashlib.blake2b(digest_size=20)
    for piece in (head, doc.text):
        raw = piece.encode("utf-8", "surrogatepass")
        digest.update(len(raw).to_bytes(8, "little"))
        digest.update(raw)
    return digest.digest()


def memoised_verdict(model: ModelDir, code: str, rel: Any, options: Mapping[str, Any],
                     compute: Callable[[], Iterator[Problem]]) -> Iterator[Problem]:
    """`compute()`'s problems, computed once per distinct (example text, signature, example
    info, type-hint flag, options) in this process. `rel`: the example file (None: not memoised).
    Call it only where the rule itself reads `rel` (the key reads it with `model.json`): the
    result cache's dependencies and the file count then see the same accesses, hit or miss."""
    key = _verdict_key(model, code, rel, options)
    if key is None:
        yield from compute()
        return
    found = _VERDICTS.get(key)
    if found is None:
        found = tuple(compute())
        if len(_VERDICTS) >= MAX_VERDICTS:
            _VERDICTS.clear()
        _VERDICTS[key] = found
    yield from found


def checked_part(model: ModelDir, part: str) -> CheckedPart | None:
    """The decoded `signature.<part>` with the elements SIG001 rejects set aside."""

    def compute() -> CheckedPart | None:
        found = signature_parts(model).get(part)
        if found is None or found.error:
            return None
        value = found.value
        try:
            errors = schemas.best_errors(PART_SCHEMA[part], value, limit=1000)
        except Exception:  # a schema-layer crash must not take the SIG rules down with it
            errors = []
        if not isinstance(value, list) or any(e.pointer == "" for e in errors):
            return CheckedPart(part, found.pointer, value, (), True)
        bad = {e.pointer.split("/")[1] for e in errors if e.pointer.count("/") >= 1}
        clean = tuple((i, x) for i, x in enumerate(value) if str(i) not in bad)
        return CheckedPart(part, found.pointer, value, clean, False)

    return _memo(model, f"part:{part}", compute)


def parsed_schema(model: ModelDir, part: str = "inputs") -> Schema | None:
    """`signature.<part>` as MLflow would load it, or None (absent, or MLflow cannot load it)."""

    def compute() -> Schema | None:
        found = checked_part(model, part)
        if found is None or found.root_error or len(found.clean) != len(found.value):
            return None
        from mlint.enforcement import parse_schema

        try:
            return parse_schema(found.value)
        except Exception:
            return None

    return _memo(model, f"schema:{part}", compute)


def parsed_params(model: ModelDir) -> ParamSchema | None:
    def compute() -> ParamSchema | None:
        found = checked_part(model, "params")
        if found is None or found.root_error or len(found.clean) != len(found.value):
            return None
        from mlint.enforcement import parse_param_schema

        try:
            return parse_param_schema(found.value)
        except Exception:
            return None

    return _memo(model, "params", compute)


def signature_loadable(model: ModelDir) -> bool:
    """Every present signature part loads in MLflow (so enforcing examples makes sense)."""
    for part in signature_parts(model):
        loaded = parsed_params(model) if part == "params" else parsed_schema(model, part)
        if loaded is None:
            return False
    return True


def example_info(model: ModelDir) -> dict[str, Any] | None:
    data = mlmodel_data(model) or {}
    info = data.get("saved_input_example_info")
    return info if isinstance(info, dict) else None


def type_hint_signature(model: ModelDir) -> bool:
    """`is_signature_from_type_hint: true`: MLflow skips input enforcement for such models."""
    return (mlmodel_data(model) or {}).get("is_signature_from_type_hint") is True


@dataclass(frozen=True)
class Outcome:
    """The result of one guarded call into the enforcement module."""

    value: Any = None
    error: EnforcementError | None = None
    crash: BaseException | None = None


def guarded(call: Callable[[], Any]) -> Outcome:
    """Run an enforcement call; MLflow's verdicts become `error`, anything else `crash`.

    A crash is an mlint bug, never a verdict on the user's file: rules report it as "mlint
    could not evaluate" so that the check goes on and the bug is visible.
    """
    from mlint.enforcement import EnforcementError

    try:
        return Outcome(value=call())
    except EnforcementError as exc:
        return Outcome(error=exc)
    except RecursionError as exc:
        return Outcome(crash=exc)
    except Exception as exc:
        return Outcome(crash=exc)


def could_not_evaluate(what: str, exc: BaseException, file: str, pointer: str = "") -> Problem:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return Problem(
        f"mlint could not evaluate {what}: {type(exc).__name__}: {text}",
        file=file, pointer=pointer, severity=WARNING, subject="could-not-evaluate",
        hint="This is a bug in mlint's enforcement module, not necessarily in the model; "
             "please report it with the file attached.",
    )


def short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def option_int(options: Mapping[str, Any], key: str, default: int) -> int:
    value = options.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


EXAMPLE_TYPES = ("dataframe", "ndarray", "sparse_matrix_csc", "sparse_matrix_csr", "json_object")


@dataclass(frozen=True)
class ExampleView:
    """`input_example.json` as MLflow 3.17.2's `_read_example` sees it.

    `data` is the example with the `{"inputs", "params"}` wrapper removed when the info says
    `params: 'true'`; `params` the wrapped params (None otherwise). `params_flag_broken`: the
    flag is set but the file is not such a wrapper (MLflow fails to load it);
    `params_flag_missing`: the file is such a wrapper but the flag is absent (MLflow reads the
    wrapper as data). `legacy_tf_serving`: `format: tf-serving` (MLflow 3 ignores it).
    """

    info: dict[str, Any]
    rel: str
    type: str
    raw: Any
    data: Any
    params: Any
    params_flag: bool
    params_flag_broken: bool
    params_flag_missing: bool
    legacy_tf_serving: bool

    @property
    def consistent(self) -> bool:
        return not (self.params_flag_broken or self.params_flag_missing or self.legacy_tf_serving)

    def data_pointer(self) -> str:
        return "/inputs" if self.params_flag and not self.params_flag_broken else ""


def example_view(model: ModelDir) -> ExampleView | None:
    """None when there is no example info, its `type` is unknown (MLM001 reports that), or the
    file is missing or unparsable (reported elsewhere)."""

    def compute() -> ExampleView | None:
        info = example_info(model)
        if info is None:
            return None
        rel, kind = info.get("artifact_path"), info.get("type")
        if not isinstance(rel, str) or not rel or kind not in EXAMPLE_TYPES:
            return None
        doc = model.json(rel)
        if doc is None:
            return None
        raw = doc.data
        flag = bool(info.get("params"))
        wrapper = isinstance(raw, dict) and "inputs" in raw
        broken = flag and not (wrapper and "params" in raw)
        missing = not flag and isinstance(raw, dict) and set(raw) == {"inputs", "params"}
        data, params = raw, None
        if flag and wrapper:
            data, params = raw["inputs"], raw.get("params")
        return ExampleView(info, rel, str(kind), raw, data, params, flag, broken, missing,
                           info.get("format") == "tf-serving")

    return _memo(model, "example", compute)


SPLIT_KEYS = {"columns", "data", "index"}
SPARSE_KEYS = ("data", "indices", "indptr", "shape")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:5])
        return f"an object with keys {keys}" if value else "an empty object"
    if isinstance(value, list):
        return "a list"
    return f"a JSON {type(value).__name__}"


def shape_problem(view: ExampleView) -> str:
    """Why the file's content does not fit `type`, or "" when it does."""
    data = view.data
    if view.type == "dataframe":
        if not isinstance(data, dict) or "data" not in data or set(data) - SPLIT_KEYS:
            return (f"is {_describe(data)}, but type 'dataframe' needs pandas split JSON "
                    f"(an object with 'data' and optionally 'columns' and 'index')")
    elif view.type == "ndarray":
        if isinstance(data, dict) and ("data" in data and (set(data) <= SPLIT_KEYS
                                                          or set(SPARSE_KEYS) <= set(data))):
            return (f"is {_describe(data)} (a DataFrame or sparse matrix layout), but type "
                    f"'ndarray' means a nested list or an object of named nested lists")
        if isinstance(data, dict) and set(data) == {"inputs"}:
            return ("is a serving payload {\"inputs\": …}, but type 'ndarray' means the bare array; "
                    "MLflow would read 'inputs' as the name of a tensor")
    elif view.type.startswith("sparse_matrix"):
        missing = [k for k in SPARSE_KEYS if not isinstance(data, dict) or k not in data]
        if missing:
            return (f"is {_describe(data)}, but type '{view.type}' needs an object with "
                    f"{', '.join(repr(k) for k in SPARSE_KEYS)} (missing {', '.join(missing)})")
    return ""
