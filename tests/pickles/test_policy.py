"""Policy data files and project-config extensions."""

from __future__ import annotations

from pathlib import Path

import pytest
from rawpickle import glob, proto

from mlint.pickles import ALL_KINDS, Kind, Limits, Rule, Verdict, default_policy, scan_bytes

DATA = proto(2) + glob("mypkg.models", "Thing") + b")R."


def test_extension_allows_with_reason() -> None:
    pol = default_policy().extend([{"pattern": "mypkg.models:Thing",
                                    "reason": "our own transformers"}])
    rep = scan_bytes(DATA, policy=pol)
    assert rep.clean
    assert rep.globals[0].verdict is Verdict.ALLOWED
    assert rep.globals[0].reason == "our own transformers"


def test_extension_requires_reason_and_valid_pattern() -> None:
    with pytest.raises(ValueError):
        default_policy().extend([{"pattern": "mypkg.models:Thing", "reason": " "}])
    # Wildcards never allow: a package may re-export os or operator.attrgetter.
    for wildcard in ("mypkg.*", "mypkg:*", "mypkg.mod:Th*"):
        with pytest.raises(ValueError, match="exact"):
            default_policy().extend([{"pattern": wildcard, "reason": "everything"}])
    with pytest.raises(ValueError):
        default_policy().extend([Rule("mypkg", "no separator")])


def test_extension_never_overrides_denylist() -> None:
    pol = default_policy().extend([{"pattern": "os:system", "reason": "trust me"}])
    assert pol.classify("os", "system").verdict is Verdict.DANGEROUS


def test_every_data_entry_has_a_reason() -> None:
    pol = default_policy()
    rules = list(pol.deny) + list(pol.code)
    for _, group in pol.allow_groups.values():
        rules.extend(group)
    assert len(rules) > 150
    assert all(r.reason.strip() for r in rules)


def test_flavor_scoping() -> None:
    pol = default_policy()
    assert pol.classify("torch._utils", "_rebuild_tensor_v2", flavor="pytorch").verdict \
        is Verdict.ALLOWED
    assert pol.classify("torch._utils", "_rebuild_tensor_v2", flavor="sklearn").verdict \
        is Verdict.UNKNOWN
    assert pol.classify("sklearn.tree._tree", "Tree", flavor=None).verdict is Verdict.ALLOWED


def test_main_module_reason() -> None:
    c = default_policy().classify("__main__", "MyModel")
    assert c.verdict is Verdict.UNKNOWN and "__main__" in c.reason


def test_caps_reported() -> None:
    data = proto(4) + b"]" + b"(" + b"K\x01" * 20000 + b"e."
    rep = scan_bytes(data, limits=Limits(max_ops=5000))
    assert Kind.CAP_REACHED in rep.kinds and not rep.complete
    rep = scan_bytes(data, limits=Limits(max_bytes=100))
    assert Kind.CAP_REACHED in rep.kinds and not rep.complete


def test_kind_codes_are_stable() -> None:
    assert {"dangerous-global", "unknown-global", "code-object", "expected-code", "truncated",
            "unsupported-container", "lfs-pointer", "cap-reached"} <= ALL_KINDS
    assert all(k == k.lower() and " " not in k for k in ALL_KINDS)


def test_dotted_names_escape_wildcard_allowlist() -> None:
    pol = default_policy()
    assert pol.classify("sklearn.utils._bunch", "Bunch").verdict is Verdict.ALLOWED
    # Only the defining module: a re-export is not the same entry.
    assert pol.classify("sklearn.utils", "Bunch").verdict is Verdict.UNKNOWN
    # An attribute walk may leave sklearn: only an exact entry could allow it.
    assert pol.classify("sklearn.utils", "Bunch.keys.x").verdict is Verdict.UNKNOWN
    assert pol.classify("trace", "Trace.run").verdict is Verdict.DANGEROUS
    ext = pol.extend([{"pattern": "mypkg:Outer.Inner", "reason": "nested class"}])
    assert ext.classify("mypkg", "Outer.Inner").verdict is Verdict.ALLOWED


def test_findings_are_bounded() -> None:
    one = b"\x82\x01" + b"0"  # EXT1 then POP: each one is its own unresolved-global finding
    rep = scan_bytes(proto(2) + one * 3000 + b"N.")
    assert len(rep.findings) <= 1001
    assert Kind.CAP_REACHED in rep.kinds


@pytest.mark.parametrize("name", ["allowlist.yaml", "allowlist_libs.yaml", "code.yaml",
                                  "denylist.yaml", "distributions.yaml"])
def test_policy_lists_load_with_libyaml_to_the_same_values(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The lists are read at every start: libyaml's parser, not PyYAML's pure-Python one (which
    # was ~3% of a 1k-run check), and the very values safe_load gives.
    import yaml

    from mlint.pickles import policy

    text = (Path(policy.__file__).parent / name).read_text(encoding="utf-8")
    expected = yaml.safe_load(text)

    def pure_python(*args: object, **kwargs: object) -> object:
        raise AssertionError("the policy lists must not go through yaml.safe_load")

    monkeypatch.setattr(yaml, "safe_load", pure_python)
    assert policy._load_yaml(name) == expected
    assert policy._LOADER is yaml.CSafeLoader
