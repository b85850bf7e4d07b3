"""Issue 13: the malicious corpus is flagged at error; the policy data is exact and fail-closed."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
import yaml
from malicious import CANARY, Case, cases
from rawpickle import glob, proto

from mlint.pickles import Kind, Severity, Verdict, default_policy, scan_bytes

POLICY_DIR = Path(__file__).resolve().parents[2] / "validator" / "pickles"


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_every_malicious_case_is_an_error(case: Case) -> None:
    rep = scan_bytes(case.data, flavor=case.flavor, role=case.role)
    errors = [f for f in rep.findings if f.severity is Severity.ERROR]
    assert errors, (case.name, rep.findings)
    assert not rep.clean


def test_no_canary_was_created() -> None:
    for case in cases():
        scan_bytes(case.data, flavor=case.flavor, role=case.role)
    assert not list(Path(CANARY).parent.glob(Path(CANARY).name + "*"))


def test_unlisted_callables_are_errors_not_warnings() -> None:
    by_name = {c.name: c for c in cases()}
    for name in ("unlisted-pydoc-pipepager", "reexport-attrgetter-os", "allowed-mlflow-code-paths"):
        case = by_name[name]
        rep = scan_bytes(case.data, flavor=case.flavor, role=case.role)
        assert {f.severity for f in rep.by_kind(Kind.UNKNOWN_GLOBAL)} == {Severity.ERROR}, name


def test_code_called_while_loading_is_an_error_even_where_code_is_expected() -> None:
    case = next(c for c in cases() if c.name == "code-called-at-load")
    for flavor, role in (("pytorch", "cloudpickle"), ("python_function", "python_model"),
                         ("sklearn", "pickled_model")):
        rep = scan_bytes(case.data, flavor=flavor, role=role)
        assert [f.severity for f in rep.by_kind(Kind.CODE_CALLED)] == [Severity.ERROR]


def _entries(name: str) -> list[tuple[str, str, str]]:
    data = yaml.safe_load((POLICY_DIR / name).read_text())
    out = []
    for gname, group in data["groups"].items():
        for e in group["entries"]:
            out.append((gname, e["pattern"], e.get("reason") or group.get("reason") or ""))
    return out


@pytest.mark.parametrize("name", ["allowlist.yaml", "allowlist_libs.yaml"])
def test_allowlist_entries_are_exact_with_a_reason(name: str) -> None:
    for group, pattern, reason in _entries(name):
        assert reason.strip(), (group, pattern)
        assert "*" not in pattern, pattern
        module, sep, qual = pattern.partition(":")
        assert sep and all(p.isidentifier() for p in module.split(".") + qual.split(".")), pattern
        # Nothing allowlisted is also denylisted (the denylist would win: a dead entry).
        assert default_policy().classify(module, qual).verdict is not Verdict.DANGEROUS, pattern


def _defined_where_named(module: str, qual: str) -> bool | None:
    """True when module:qual exists and names an object whose own __module__/__qualname__
    say so (what pickle writes); None when the library is not installed here."""
    import importlib

    try:
        obj: object = importlib.import_module(module)
    except Exception:
        return None
    for part in qual.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    if isinstance(obj, type) or callable(obj):
        own_module = getattr(obj, "__module__", None)
        own_qual = getattr(obj, "__qualname__", getattr(obj, "__name__", None))
        if own_module is None:  # ufuncs and constants: pickled by their module attribute
            return True
        return own_module == module and own_qual == qual
    return True  # constants (pd.NA...) are pickled by name


def test_allowlist_names_the_defining_module() -> None:
    """An entry that resolves to a re-export would let `pkg.something.os` through."""
    wrong = []
    for _group, pattern, _ in _entries("allowlist.yaml") + _entries("allowlist_libs.yaml"):
        module, _, qual = pattern.partition(":")
        if module.startswith(("torch", "statsmodels", "xgboost", "lightgbm", "catboost",
                              "shap", "pycaret", "mlflow.models.evaluation")):
            continue  # optional libraries, not installed in the test environment
        ok = _defined_where_named(module, qual)
        if ok is False and not qual.startswith("__pyx_unpickle_"):  # Cython-generated
            wrong.append(pattern)
    # Kept on purpose: pickles written by older library versions name these paths.
    legacy = re.compile(
        r"^(numpy\.core\.|numpy:recarray|numpy\.ma\.core:MaskedArray|"  # numpy 1.x
        r"pandas\.core\.(frame|series|indexes|arrays|dtypes)\b|pandas\._libs\.(tslibs|interval)|"
        r"scipy\.sparse\.(csr|csc|coo):|"  # scipy < 1.8
        r"pathlib\._local:)")  # Python 3.13+
    assert [w for w in wrong if not legacy.search(w)] == []


def test_denylist_beats_a_project_extension_and_wildcards_never_allow() -> None:
    with pytest.raises(ValueError, match="exact"):
        default_policy().extend([{"pattern": "sklearn.*", "reason": "all of it"}])
    ext = default_policy().extend([{"pattern": "os:system", "reason": "no"}])
    assert ext.classify("os", "system").verdict is Verdict.DANGEROUS


def test_getattr_shapes_pickle_writes_are_judged_exactly() -> None:
    # getattr(zoneinfo.ZoneInfo, '_unpickle') is what ZoneInfo.__reduce__ writes
    zi = proto(2) + glob("builtins", "getattr") + glob("zoneinfo", "ZoneInfo") \
        + b"X\x09\x00\x00\x00_unpickle\x86R" + b"X\x05\x00\x00\x00Paris\x4b\x01\x86R."
    assert scan_bytes(zi).clean
    # the same getattr reaching another attribute of an allowlisted class is not allowed
    other = zi.replace(b"X\x09\x00\x00\x00_unpickle", b"X\x08\x00\x00\x00from_key")
    rep = scan_bytes(other)
    assert [(f.module, f.name) for f in rep.by_kind(Kind.UNKNOWN_GLOBAL)] == \
        [("zoneinfo", "ZoneInfo.from_key")]
    # getattr on something that is not an allowlisted class, or stored for later: dangerous
    stored = proto(2) + b"]" + glob("builtins", "getattr") + b"a."
    assert Kind.DANGEROUS_GLOBAL in scan_bytes(stored).kinds
    on_module = proto(2) + glob("builtins", "getattr") + glob("sklearn.base", "os") \
        + b"X\x06\x00\x00\x00system\x86R."
    assert Kind.DANGEROUS_GLOBAL in scan_bytes(on_module).kinds


def test_bound_method_is_data_until_called() -> None:
    pytest.importorskip("sklearn")
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    scaler = StandardScaler().fit([[1.0], [2.0]])
    rep = scan_bytes(pickle.dumps(FunctionTransformer(scaler.transform)), flavor="sklearn")
    assert rep.clean and not rep.findings, rep.findings
    # ...calling the bound method while loading is judged as the exact method
    data = pickle.dumps(scaler.transform, protocol=2)[:-1] + b")R."
    called = scan_bytes(data, flavor="sklearn")
    names = {f"{f.module}:{f.name}" for f in called.by_kind(Kind.UNKNOWN_GLOBAL)}
    assert names == {"sklearn.preprocessing._data:StandardScaler.transform"}
