"""What loading a model's pickles would import and run: dangerous callables, code where the
flavor promises data, imports nobody vouched for, and skops types trusted by the MLmodel.

The files are chosen and scanned once by `mlint.pickle_targets` (never unpickled)."""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import LoggedModel, ModelDir, Run
from mlint.pickle_targets import locate, targets
from mlint.pickles import Finding, Kind, Verdict, default_policy
from mlint.rulekit.mlmodel import flavors

# Model folders, and the artifacts of runs / logged models outside any model folder.
PICKLE_UNITS = (ModelDir, Run, LoggedModel)

ANCHOR_NOTE = "findings about a referenced file sit on the MLmodel key that references it"


def _shown(finding: Finding) -> str:
    return f"{finding.module}.{finding.name}" if finding.module else "?"


def _severity(finding: Finding) -> Any:
    return {"error": ERROR, "warning": WARNING, "info": INFO}[finding.severity.value]


@rule("PKL100", "pickle-dangerous-global", scope=PICKLE_UNITS, severity=ERROR, groups=["security"])
def dangerous_global(model: ModelDir | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle in the model folder imports a known-dangerous callable (`os.system`,
    `subprocess.*`, `builtins.eval`, `importlib` trampolines...) or an import the scanner
    cannot resolve statically (`STACK_GLOBAL` on computed strings, the `EXT` registry).

    Why: `mlflow.<flavor>.load_model` unpickles the file, and unpickling calls what the pickle
    imports: this runs commands on whoever loads (or serves) the model. No model needs these.
    Fix: do not load the model; find out who wrote it. Re-save the model from trusted code (prefer
    `serialization_format="skops"` for scikit-learn, or models-from-code for pyfunc).

    Example: `model.pkl` calling `os.system("curl ... | sh")` at byte 2.
    """
    for target in targets(model):
        for f in target.report.findings:
            if f.kind not in (Kind.DANGEROUS_GLOBAL, Kind.UNRESOLVED_GLOBAL):
                continue
            what = f"imports dangerous {_shown(f)}" if f.kind == Kind.DANGEROUS_GLOBAL \
                else f.message if f.message.startswith("calls the result") \
                else "imports a global that cannot be resolved statically"
            reason = f" ({f.reason})" if f.reason else ""
            yield Problem(f"'{target.rel}' {what}{reason}: loading it runs that code",
                          hint=f"Found {locate(f)}. Do not load this model; re-save it from "
                               "trusted code.",
                          **target.where(f"{f.kind}|{_shown(f)}|{f.member or ''}"))


@rule("PKL101", "pickle-code-in-data", scope=PICKLE_UNITS, severity=ERROR, groups=["security"])
def code_in_data(model: ModelDir | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle rebuilds code (functions, classes or code objects by value: cloudpickle,
    `types.CodeType`, `builtins.type`...) where its flavor promises plain data, e.g. a
    scikit-learn `pickled_model` saved with `serialization_format: pickle`.

    Code is expected (and not reported here) in pyfunc `python_model.pkl`, in models saved with
    `serialization_format: cloudpickle`, in PyTorch models (MLflow pickles them with cloudpickle)
    and in pyfunc `artifacts`. For a pickle the MLmodel does not reference, nothing is promised:
    the finding is a warning.

    Also reported (error, whatever the flavor): a function rebuilt from code in the stream
    that the pickle *calls* while loading (REDUCE on a cloudpickle `_make_function` result);
    cloudpickle only ever stores such functions.

    Why: plain `pickle` never writes code by value, so code here means the file was crafted or
    replaced after MLflow wrote it; it runs at load time.
    Fix: re-save the model with MLflow from trusted code; if the code is yours (a lambda in a
    FunctionTransformer), save with `serialization_format="cloudpickle"` or move it to a module
    shipped with `code_paths=`.
    """
    for target in targets(model):
        for f in target.report.by_kind(Kind.CODE_CALLED):
            yield Problem(f"'{target.rel}' {f.message}",
                          hint=f"Called {locate(f)}. MLflow never writes a pickle that calls "
                               "its own functions while loading: do not load it.",
                          severity=ERROR, **target.where(f"{f.kind}|{f.offset}"))
        found = target.report.by_kind(Kind.CODE_OBJECT)
        if not found:
            continue
        names = sorted({_shown(f) for f in found})
        listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        promise = f"{target.flavor} {target.role}" if target.flavor else "a plain-data artifact"
        severity = ERROR if any(f.severity.value == "error" for f in found) else WARNING
        yield Problem(f"'{target.rel}' rebuilds code ({listed}) where {promise} promises "
                      "plain data: loading it runs that code",
                      hint=f"First code import {locate(found[0])}. Re-save the model from "
                           "trusted code (serialization_format='cloudpickle' if the code is "
                           "yours).",
                      severity=severity, **target.where(Kind.CODE_OBJECT))


@rule("PKL102", "pickle-carries-code", scope=PICKLE_UNITS, severity=INFO, default=False,
      groups=["security"])
def carries_code(model: ModelDir | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle carries code by design (pyfunc `python_model.pkl`, cloudpickle-format models,
    PyTorch models): loading it runs that code. Off by default; enable it with
    `extend-select = ["PKL102"]` to audit which models execute code at load.

    Why: MLflow writes a `PythonModel` subclass defined in a notebook by value with
    cloudpickle. That is normal, but it means the model is only as trustworthy as its writer,
    and cloudpickle payloads often break across Python versions.
    Fix: nothing is wrong. To avoid pickled code altogether, log pyfunc models as
    models-from-code (`python_model="model.py"`) and scikit-learn models with
    `serialization_format="skops"`.
    """
    for target in targets(model):
        for f in target.report.by_kind(Kind.EXPECTED_CODE):
            yield Problem(f"'{target.rel}' {f.message}",
                          hint=f"{locate(f).capitalize() or 'Code'}: consider models-from-code "
                               "(python_model='model.py') or skops for scikit-learn.",
                          **target.where(f"{f.kind}|{f.member or ''}"))


def _split_global(name: str) -> tuple[str, str] | None:
    """'pkg.mod:Qual.name' (exact, unambiguous) or 'pkg.mod.Name' (last component is the
    name); None for anything else, wildcards included."""
    name = name.strip()
    if "*" in name or " " in name:
        return None
    if ":" in name:
        module, _, qual = name.partition(":")
    else:
        module, _, qual = name.rpartition(".")
    parts = module.split(".") + qual.split(".")
    if not module or not qual or not all(p.isidentifier() for p in parts):
        return None
    return module, qual


def _allow_entries(options: Mapping[str, Any]) -> tuple[set[tuple[str, str]], list[str]]:
    """(exact (module, name) pairs, problems) from the `allow` option: tables {global, reason}."""
    allowed, problems = set(), []
    raw = options.get("allow", [])
    for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
        name = item.get("global") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        split = _split_global(name) if isinstance(name, str) else None
        if split is None:
            problems.append(f"entry #{i + 1} needs `global`, one exact name like "
                            "'pkg.mod.Name' or 'pkg.mod:Outer.Inner' (no wildcards)")
        elif not isinstance(reason, str) or not reason.strip():
            problems.append(f"entry #{i + 1} ({name}) needs a non-empty `reason`")
        else:
            allowed.add(split)
    return allowed, problems


def allowed(entries: set[tuple[str, str]], module: str, name: str) -> bool:
    """Exact match only: the module that defines the object and its qualified name. A
    wildcard would also allow what a package re-exports (`mypkg.os`) or defines later."""
    return (module, name) in entries


@rule("PKL103", "pickle-unknown-global", scope=PICKLE_UNITS, severity=ERROR,
      options={"strict": True, "allow": []}, groups=["security"])
def unknown_global(model: ModelDir | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle imports a class or function that is not positively known to be safe for its
    flavor: neither on mlint's allowlist nor on the project's `allow` list. The policy is
    fail-closed: loading runs that import and whatever the class does when rebuilt, so an
    import nobody reviewed is an error.

    The allowlist (validator/pickles/allowlist.yaml and allowlist_libs.yaml) names exact
    classes and functions of Python, numpy, scipy, pandas, scikit-learn, xgboost, lightgbm,
    catboost, statsmodels and torch, each in the module that defines it. Extend it for your
    own classes from your repository's config or `--config` (never from a file inside the
    checked artifact): `allow = [{global = "mypkg.transformers.DateParser", reason = "..."}]`
    or `[[tool.mlint.pickle-allow]]`; one exact name per entry (`"pkg.mod:Outer.Inner"` for
    a nested name), no wildcards, a reason each. The denylist always wins over `allow`.
    Pickles that carry code by design (pyfunc `python_model.pkl`, cloudpickle formats) run
    their own code anyway: their imports are not judged here (PKL102, PKL120), except
    `__main__` classes. The `strict` option is kept for old configs and has no effect.

    Why: a class from `__main__` or a local module fails to import where the model is served
    (`AttributeError: Can't get attribute ... on <module '__main__'>`), and an unreviewed
    import is the usual way a malicious pickle hides its payload.
    Fix: ship custom code with `code_paths=` and list its package in the requirements, then
    allow the reviewed globals in the rule options; or re-save with `serialization_format="skops"`.
    """
    entries, problems = _allow_entries(options)
    for text in problems:
        yield Problem(f"option `allow` of PKL103 is invalid and ignored: {text}",
                      severity=ERROR, subject=text,
                      hint="Each entry is {global = 'pkg.mod.Name', reason = '...'}.")
    for target in targets(model):
        for f in target.report.by_kind(Kind.UNKNOWN_GLOBAL):
            if f.module is None or f.name is None or f.severity.value == "info" \
                    or allowed(entries, f.module, f.name):
                continue
            scope = f" for flavor {target.flavor}" if target.flavor else ""
            yield Problem(f"'{target.rel}' imports {_shown(f)}, which is not allowlisted{scope}"
                          + (f" ({f.reason})" if f.reason and "allowlist" not in f.reason else ""),
                          hint=f"Imported {locate(f)}. If it is a reviewed class of yours, add "
                               f"{{global = '{f.module}:{f.name}', reason = '...'}} to the "
                               "`allow` option of PKL103 in your repository's config.",
                          **target.where(f"{f.kind}|{_shown(f)}"))


@rule("PKL110", "skops-trusts-dangerous-type", scope=ModelDir, severity=ERROR,
      groups=["security"])
def skops_trusted_types(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`skops_trusted_types` in MLmodel lists a dangerous callable (`os.system`,
    `builtins.eval`...) or a code-building type.

    Why: MLflow passes this list from the MLmodel itself to `skops.io.load(trusted=...)`, so
    whoever edits the MLmodel decides what skops may instantiate; a dangerous entry turns the
    "safe" skops format back into arbitrary code execution.
    Fix: remove the entry; list only the estimator classes the model needs (MLflow writes
    them when saving with `skops_trusted_types=`).
    """
    policy = default_policy()
    for flavor, conf in flavors(model).items():
        types = conf.get("skops_trusted_types")
        if not isinstance(types, list):
            continue
        for i, entry in enumerate(types):
            if not isinstance(entry, str) or "." not in entry:
                continue
            module, _, name = entry.rpartition(".")
            verdict = policy.classify(module, name)
            if verdict.verdict not in (Verdict.DANGEROUS, Verdict.CODE):
                continue
            what = "dangerous" if verdict.verdict is Verdict.DANGEROUS else "a code-building type"
            yield Problem(f"skops_trusted_types trusts {entry}, which is {what} "
                          f"({verdict.reason})",
                          file="MLmodel", pointer=f"/flavors/{flavor}/skops_trusted_types/{i}",
                          hint="Remove the entry; trust only the estimator classes the model "
                               "needs.")
