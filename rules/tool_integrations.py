"""MLT1xx: findings about suppressions and baselines (emitted by mlint's post-filter).

These rules are emitted by the engine (scope None, see `mlint.core.filters`); their docstrings
document them.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import WARNING, Problem
from mlint.core.registry import rule


@rule("MLT100", "suppression-without-reason", scope=None, severity=WARNING)
def suppression_without_reason(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A suppression gives no reason, so it is not applied.

    Suppressions live in the artifact: `metadata.mlint.ignore` entries in MLmodel, and
    `# mlint: ignore[CODE] reason` comments in `requirements.txt`, `conda.yaml` and
    `python_env.yaml`. Each must say why the finding is acceptable.

    Why: a silenced finding without a justification is indistinguishable from a hidden defect
    for whoever promotes the model next; MLflow keeps `metadata` through logging and the model
    registry, so the reason travels with the model.
    Fix: add the reason — `{rule: MLM011, reason: "fetched from the artifact store at deploy"}` in MLmodel,
    or text after the bracket in a comment.

    Example: `metadata: {mlint: {ignore: [{rule: MLM011}]}}`.
    """
    yield from ()


@rule("MLT101", "invalid-suppression", scope=None, severity=WARNING)
def invalid_suppression(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A suppression is malformed or names no mlint rule, so it is ignored.

    Why: a typo in a rule code (`MLM11`) or a wrong shape (`ignore: MLM011` instead of a list of
    mappings) silently suppresses nothing, and the finding you meant to accept keeps failing —
    or worse, you believe a finding is accepted when it is not.
    Fix: write `metadata: {mlint: {ignore: [{rule: CODE, reason: why}]}}` in MLmodel (only the
    key `ignore`; entries with `rule` and `reason`), or `# mlint: ignore[CODE] why` in text
    files; check codes with `mlint rules`.
    """
    yield from ()


@rule("MLT102", "unused-suppression", scope=None, severity=WARNING)
def unused_suppression(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A suppression matched no finding in this run (like ruff's `RUF100`).

    Reported only when the suppressed rule ran: a partial `--select` does not make
    suppressions of other rules unused.

    Why: the defect it accepted was fixed, or it never applied; left in place it would silently
    hide the next, unrelated finding of the same rule in this model folder.
    Fix: remove the suppression (the MLmodel `metadata.mlint.ignore` entry or the comment).
    """
    yield from ()


@rule("MLT103", "stale-baseline-entry", scope=None, severity=WARNING)
def stale_baseline_entry(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A baseline entry matches no finding any more: the finding was fixed or its artifact deleted.

    Only entries whose unit (model folder, run…) was checked in this run are reported, so a
    pre-commit run on a few changed files does not flag the rest of the baseline.

    Why: stale entries would silently accept the same defect if it came back; a baseline should
    only ever shrink.
    Fix: rewrite the baseline with `mlint check --write-baseline FILE PATH…`.
    """
    yield from ()


@rule("MLT104", "suppression-of-security-rule", scope=None, severity=WARNING, groups=["security"])
def suppression_of_security_rule(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A suppression inside the artifact names a security rule (group `@security`: the pickle
    safety rules, paths leaving the model folder, unsafe symlinks, and this rule itself); it
    does not apply to it.

    In-artifact suppressions (`metadata.mlint.ignore` in MLmodel, `# mlint: ignore[…]`
    comments) still silence the other rules their selector names, so `rule: ALL` keeps working
    for style and consistency findings, but never hides a security finding.

    Why: whoever writes the artifact writes its suppressions; a malicious model would simply
    declare `{rule: ALL, reason: reviewed}`. Security findings can only be accepted by the
    person running mlint.
    Fix: remove the security code from the suppression; accept a reviewed finding in your own
    config (`per-path-ignores`, `[[tool.mlint.pickle-allow]]` for a known class) or a baseline.

    Example: `metadata: {mlint: {ignore: [{rule: PKL100, reason: "trust me"}]}}`.
    """
    yield from ()
