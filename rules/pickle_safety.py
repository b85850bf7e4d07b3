"""What loading a model's pickles would import and run: dangerous callables, code where the
flavor promises data, imports nobody vouched for, and skops types trusted by the MLmodel.

The files are chosen and scanned once by `mlint.pickle_targets` (never unpickled)."""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.pickle_targets import locate, targets
from mlint.pickles import Finding, Kind, Verdict, default_policy
from mlint.rulekit.mlmodel import flavors

ANCHOR_NOTE = "findings about a referenced file sit on the MLmodel key that references it"


def _shown(finding: Finding) -> str:
    return f"{finding.module}.{finding.name}" if finding.module else "?"


def _severity(finding: Finding) -> Any:
    return {"error": ERROR, "warning": WARNING, "info": INFO}[finding.severity.value]


@rule("PKL100", "pickle-dangerous-global", scope=ModelDir, severity=ERROR, groups=["security"])
def dangerous_global(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
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
                else "imports a global that cannot be resolved statically"
            reason = f" ({f.reason})" if f.reason else ""
            yield Problem(f"'{target.rel}' {what}{reason}: loading it runs that code",
                          hint=f"Found {locate(f)}. Do not load this model; re-save it from "
                               "trusted code.",
                          **target.where(f"{f.kind}|{_shown(f)}|{f.member or ''}"))


@rule("PKL101", "pickle-code-in-data", scope=ModelDir, severity=ERROR, groups=["security"])
def code_in_data(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle rebuilds code (functions, classes or code objects by value: cloudpickle,
    `types.CodeType`, `builtins.type`...) where its flavor promises plain data, e.g. a
    scikit-learn `pickled_model` saved with `serialization_format: pickle`.

    Code is expected (and not reported here) in pyfunc `python_model.pkl`, in models saved with
    `serialization_format: cloudpickle`, in PyTorch models (MLflow pickles them with cloudpickle)
    and in pyfunc `artifacts`. For a pickle the MLmodel does not reference, nothing is promised:
    the finding is a warning.

    Why: plain `pickle` never writes code by value, so code here means the file was crafted or
    replaced after MLflow wrote it; it runs at load time.
    Fix: re-save the model with MLflow from trusted code; if the code is yours (a lambda in a
    FunctionTransformer), save with `serialization_format="cloudpickle"` or move it to a module
    shipped with `code_paths=`.
    """
    for target in targets(model):
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


@rule("PKL102", "pickle-carries-code", scope=ModelDir, severity=INFO, default=False,
      groups=["security"])
def carries_code(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
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


def _allow_entries(options: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(patterns, problems) from the `allow` option: tables {global, reason}."""
    patterns, problems = [], []
    raw = options.get("allow", [])
    for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
        name = item.get("global") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        if not isinstance(name, str) or "." not in name.strip(". ") or " " in name:
            problems.append(f"entry #{i + 1} needs `global`, a dotted name like 'pkg.mod.Name'")
        elif not isinstance(reason, str) or not reason.strip():
            problems.append(f"entry #{i + 1} ({name}) needs a non-empty `reason`")
        else:
            patterns.append(name.strip())
    return patterns, problems


def allowed(patterns: list[str], module: str, name: str) -> bool:
    """`pkg.mod.Name` exact, or `pkg.*` for a package and its submodules (never a dotted name:
    an attribute walk may leave the package it starts from)."""
    full = f"{module}.{name}"
    for p in patterns:
        if p == full:
            return True
        if p.endswith(".*") and "." not in name:
            root = p[:-2]
            if module == root or module.startswith(root + "."):
                return True
    return False


@rule("PKL103", "pickle-unknown-global", scope=ModelDir, severity=WARNING,
      options={"strict": False, "allow": []}, groups=["security"])
def unknown_global(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle imports a class or function that is neither on mlint's allowlist for its
    flavor nor known to be dangerous: loading it runs that import and whatever the class does
    when rebuilt.

    The allowlist (validator/pickles/allowlist.yaml) covers plain-data reconstruction of
    Python, numpy, scipy, pandas, scikit-learn, xgboost, lightgbm, catboost, statsmodels and
    torch. Options: `strict = true` makes these errors (a CI gate that accepts only reviewed
    imports); `allow = [{global = "mypkg.transformers.DateParser", reason = "..."}]` accepts
    reviewed globals (`"mypkg.*"` for a whole package; a reason is required). The denylist
    always wins over `allow`.

    Why: a class from `__main__` or a local module fails to import where the model is served
    (`AttributeError: Can't get attribute ... on <module '__main__'>`), and an unreviewed
    import is the usual way a malicious pickle hides its payload.
    Fix: ship custom code with `code_paths=` and list its package in the requirements, then
    allow the reviewed globals in the rule options; or re-save with `serialization_format="skops"`.
    """
    patterns, problems = _allow_entries(options)
    for text in problems:
        yield Problem(f"option `allow` of PKL103 is invalid and ignored: {text}",
                      severity=ERROR, subject=text,
                      hint="Each entry is {global = 'pkg.mod.Name', reason = '...'}.")
    strict = options.get("strict") is True
    for target in targets(model):
        for f in target.report.by_kind(Kind.UNKNOWN_GLOBAL):
            if f.module is None or f.name is None or allowed(patterns, f.module, f.name):
                continue
            scope = f" for flavor {target.flavor}" if target.flavor else ""
            yield Problem(f"'{target.rel}' imports {_shown(f)}, which is not allowlisted{scope}"
                          + (f" ({f.reason})" if f.reason and "allowlist" not in f.reason else ""),
                          hint=f"Imported {locate(f)}. If it is a reviewed library type, add "
                               f"{{global = '{_shown(f)}', reason = '...'}} to the `allow` option "
                               "of PKL103.",
                          severity=ERROR if strict else WARNING,
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
