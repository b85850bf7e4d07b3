"""The scanner's inlined MEMOIZE and memoised policy lookups next to the slow paths they skip."""

from __future__ import annotations

from rawpickle import MEMOIZE, STOP, binget, glob, proto, stack_global, u

from mlint.pickles import Kind, Limits, default_policy, scan_bytes
from mlint.pickles.model import Verdict


def test_memoize_within_the_cap_resolves_a_later_get() -> None:
    # STACK_GLOBAL through memoized strings: resolved only if MEMOIZE stored them.
    data = proto(4) + u("os") + MEMOIZE + u("system") + MEMOIZE + b"0" + b"0" + \
        binget(0) + binget(1) + b"\x93" + b"0" + b"N" + STOP
    report = scan_bytes(data)
    assert [(g.module, g.name) for g in report.globals] == [("os", "system")]
    assert report.complete


def test_memoize_over_the_cap_takes_the_slow_path() -> None:
    data = proto(4) + u("a") + MEMOIZE + u("b") + MEMOIZE + u("c") + MEMOIZE + b"0" * 3 + b"N" + STOP
    assert scan_bytes(data, limits=Limits(max_memo=3)).complete
    capped = scan_bytes(data, limits=Limits(max_memo=2))
    assert not capped.complete
    assert [f.message for f in capped.findings if f.kind == Kind.CAP_REACHED] == \
        ["memo cap of 2 entries reached"]


def test_memoize_on_an_empty_stack_is_a_stack_error() -> None:
    report = scan_bytes(proto(4) + MEMOIZE + b"N" + STOP)
    assert not report.complete
    assert [f.kind for f in report.findings] == [Kind.STACK]
    assert "memoizing with an empty stack" in report.findings[0].message


def test_classify_memo_is_per_flavor_and_same_as_a_fresh_lookup() -> None:
    policy = default_policy()
    fresh = policy._classify("sklearn.linear_model._logistic", "LogisticRegression", "sklearn")
    for _ in range(2):
        assert policy.classify("sklearn.linear_model._logistic", "LogisticRegression",
                               flavor="sklearn") == fresh
    assert policy.classify("os", "system").verdict is Verdict.DANGEROUS
    assert policy.classify("builtins", "eval", flavor="sklearn") == \
        policy._classify("builtins", "eval", "sklearn")
    # A project allowlist is a new policy with its own memo, not the default's answers.
    extended = policy.extend([{"pattern": "mypkg.models:Net", "reason": "ours"}])
    assert policy.classify("mypkg.models", "Net").verdict is Verdict.UNKNOWN
    assert extended.classify("mypkg.models", "Net").verdict is Verdict.ALLOWED


def test_glob_and_stack_global_agree() -> None:
    a = scan_bytes(proto(2) + glob("os", "system") + b"0N" + STOP)
    b = scan_bytes(proto(4) + stack_global("os", "system") + b"0N" + STOP)
    assert [(g.module, g.name, g.verdict) for g in a.globals] == \
        [(g.module, g.name, g.verdict) for g in b.globals]
