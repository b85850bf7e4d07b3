"""Three-tier import policy: denylist > code > allowlist (per flavor) > unknown.

The lists live in YAML files next to this module, one reason per entry, so they can be
reviewed like data and extended by project config without touching code.
"""

from __future__ import annotations

import _compat_pickle
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .model import Verdict

# Names whose presence anywhere in a dotted (attribute-walking) name reaches interpreter
# internals: no plain-data object needs them.
_DUNDER_TRAPS = frozenset(
    {"__globals__", "__builtins__", "__subclasses__", "__import__", "__code__", "__dict__",
     "__getattribute__", "__reduce__", "__reduce_ex__", "__class__", "__bases__", "__mro__",
     "__loader__", "__spec__", "__closure__", "__func__", "__self__", "__init__", "__call__"}
)

# Which flavor/role combinations carry code by design (cloudpickle by value).
CODE_ROLES = frozenset({"python_model", "loader_fn", "custom_objects", "cloudpickle"})
CODE_FLAVORS = frozenset({"python_function", "langchain"})


@dataclass(frozen=True)
class Rule:
    pattern: str
    reason: str
    source: str = "builtin"


@dataclass(frozen=True)
class Classification:
    verdict: Verdict
    reason: str
    pattern: str | None = None


# libyaml's scanner and parser (~250 KB of lists are read at every start); the constructor is
# PyYAML's SafeConstructor either way, so the values are the same.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(name: str) -> Any:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_LOADER)


def _rules(entries: Iterable[Mapping[str, str]], source: str, *, exact: bool = False,
           default_reason: str = "") -> tuple[Rule, ...]:
    out = []
    for e in entries:
        pattern = str(e["pattern"])
        reason = str(e.get("reason") or default_reason or "").strip()
        if not reason:
            raise ValueError(f"policy entry {pattern!r} in {source} has no reason")
        _check_pattern(pattern, exact=exact)
        out.append(Rule(pattern, reason, source))
    return tuple(out)


def _check_pattern(pattern: str, *, exact: bool = False) -> None:
    """Allowlist entries (`exact`) must name one object: 'mod:qualname'. Wildcards ('mod:*',
    'mod.*') are for the denylist and the code tier only: an allowlist wildcard would also
    allow whatever a module re-exports (`pkg.something.os`) or defines later."""
    if not exact and pattern.endswith(".*") and ":" not in pattern and len(pattern) > 2:
        return
    mod, sep, name = pattern.partition(":")
    if not sep or not mod or not name:
        raise ValueError(f"bad policy pattern {pattern!r}: use "
                         + ("an exact 'mod:name'" if exact else "'mod:name', 'mod:*' or 'mod.*'"))
    if exact and ("*" in pattern or not all(p.isidentifier() for p in
                                           mod.split(".") + name.split("."))):
        raise ValueError(f"allowlist entry {pattern!r} must be an exact 'module:qualname' "
                         "(no wildcards)")


def _match(pattern: str, module: str, name: str, dotted_wildcards: bool) -> bool:
    # A dotted name walks attributes at load time and can leave the module it names, so
    # wildcards cover it only when matching *against* (denylist), never when allowing.
    if "." in name and not dotted_wildcards and (pattern.endswith("*")):
        return False
    if pattern.endswith(".*") and ":" not in pattern:
        root = pattern[:-2]
        return module == root or module.startswith(root + ".")
    mod, _, pname = pattern.partition(":")
    if mod != module:
        return False
    return pname == name or pname == "*"


class _Index:
    """Rules indexed by top-level module so a lookup touches only a handful of patterns."""

    def __init__(self, rules: Iterable[Rule], *, dotted_wildcards: bool = False) -> None:
        self.dotted = dotted_wildcards
        # Exact entries (thousands, generated) in a dict; wildcards (denylist, code tier)
        # in short lists per top-level module. First rule wins, as in file order.
        self.exact: dict[tuple[str, str], Rule] = {}
        self.by_top: dict[str, list[tuple[int, Rule]]] = {}
        self.order: dict[int, int] = {}
        for i, r in enumerate(rules):
            if "*" in r.pattern:
                top = r.pattern.split(":")[0].split(".")[0]
                self.by_top.setdefault(top, []).append((i, r))
            else:
                mod, _, name = r.pattern.partition(":")
                if (mod, name) not in self.exact:
                    self.exact[(mod, name)] = r
                    self.order[id(r)] = i

    def find(self, module: str, name: str) -> Rule | None:
        exact = self.exact.get((module, name))
        best = None if exact is None else (self.order[id(exact)], exact)
        for i, r in self.by_top.get(module.split(".")[0], ()):
            if best is not None and i > best[0]:
                break
            if _match(r.pattern, module, name, self.dotted):
                best = (i, r)
                break
        return None if best is None else best[1]


def normalize(module: str, name: str) -> tuple[str, str]:
    """Apply the Python 2 renames `pickle.load(fix_imports=True)` applies at load time."""
    key = (module, name)
    if key in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[key]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


_MAX_VERDICTS = 4096


@dataclass(frozen=True)
class Policy:
    """Immutable policy. `extend` returns a new policy with project allowlist entries."""

    deny: tuple[Rule, ...]
    code: tuple[Rule, ...]
    allow_groups: Mapping[str, tuple[tuple[str, ...], tuple[Rule, ...]]]
    extra_allow: tuple[Rule, ...] = ()
    strict: bool = False
    _cache: dict[tuple[str | None], tuple[_Index, _Index, _Index]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _verdicts: dict[tuple[str, str, str | None], Classification] = field(
        default_factory=dict, compare=False, repr=False
    )

    def extend(self, entries: Iterable[Mapping[str, str] | Rule], *, source: str = "config"
               ) -> Policy:
        """Add allowlist entries; each needs a non-empty reason. Never overrides the denylist."""
        rules = tuple(
            e if isinstance(e, Rule) else _rules([e], source, exact=True)[0] for e in entries
        )
        for r in rules:
            if not r.reason.strip():
                raise ValueError(f"allowlist extension {r.pattern!r} has no reason")
            _check_pattern(r.pattern, exact=True)
        return Policy(self.deny, self.code, self.allow_groups, self.extra_allow + rules,
                      self.strict)

    def with_strict(self, strict: bool = True) -> Policy:
        return Policy(self.deny, self.code, self.allow_groups, self.extra_allow, strict)

    def _indexes(self, flavor: str | None) -> tuple[_Index, _Index, _Index]:
        key = (flavor,)
        got = self._cache.get(key)
        if got is None:
            allow: list[Rule] = list(self.extra_allow)
            for flavors, rules in self.allow_groups.values():
                if flavor is None or "*" in flavors or flavor in flavors:
                    allow.extend(rules)
            got = (_Index(self.deny, dotted_wildcards=True), _Index(self.code), _Index(allow))
            self._cache[key] = got
        return got

    def classify(self, module: str, name: str, *, flavor: str | None = None) -> Classification:
        # Memoised per policy (immutable): the same few dozen library classes appear in every
        # pickle of a project, and each lookup walks pattern lists. Bounded for crafted input.
        key = (module, name, flavor)
        verdicts = self._verdicts
        found = verdicts.get(key)
        if found is None:
            if len(verdicts) >= _MAX_VERDICTS:
                verdicts.clear()
            found = verdicts[key] = self._classify(module, name, flavor)
        return found

    def _classify(self, module: str, name: str, flavor: str | None) -> Classification:
        deny, code, allow = self._indexes(flavor)
        module, name = normalize(module, name)
        hit = deny.find(module, name)
        if hit is not None:
            return Classification(Verdict.DANGEROUS, hit.reason, hit.pattern)
        if "." in name:
            parts = module.split(".") + name.split(".")
            trap = next((p for p in name.split(".") if p in _DUNDER_TRAPS), None)
            if trap is not None:
                return Classification(
                    Verdict.DANGEROUS,
                    f"attribute walk through {trap} reaches interpreter internals",
                )
            # Protocol 4 names walk attributes: any sub-path may land on a denied callable.
            for i in range(len(parts)):
                for j in range(i + 1, len(parts)):
                    sub = deny.find(".".join(parts[i:j]), parts[j])
                    if sub is not None:
                        return Classification(
                            Verdict.DANGEROUS,
                            f"attribute walk reaches {'.'.join(parts[i:j + 1])}: {sub.reason}",
                            sub.pattern,
                        )
        hit = code.find(module, name)
        if hit is not None:
            return Classification(Verdict.CODE, hit.reason, hit.pattern)
        hit = allow.find(module, name)
        if hit is not None:
            return Classification(Verdict.ALLOWED, hit.reason, hit.pattern)
        if module == "__main__":
            return Classification(
                Verdict.UNKNOWN,
                "defined in __main__ (a script or notebook): not importable at load",
            )
        return Classification(Verdict.UNKNOWN, "not on the allowlist for this flavor")


def expects_code(flavor: str | None, role: str | None) -> bool:
    """True where MLflow stores code by design (pyfunc PythonModel, cloudpickled helpers)."""
    if role is not None:
        return role in CODE_ROLES
    return flavor in CODE_FLAVORS


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    deny = _rules(_load_yaml("denylist.yaml")["entries"], "denylist.yaml")
    code = _rules(_load_yaml("code.yaml")["entries"], "code.yaml")
    groups: dict[str, tuple[tuple[str, ...], tuple[Rule, ...]]] = {}
    # allowlist.yaml is curated by hand; allowlist_libs.yaml is generated from the installed
    # libraries (tests/data/pickles/gen_allowlist_libs.py). Both: exact names only.
    for fname in ("allowlist.yaml", "allowlist_libs.yaml"):
        for gname, g in _load_yaml(fname)["groups"].items():
            if gname in groups:
                raise ValueError(f"allowlist group {gname!r} defined twice")
            groups[gname] = (tuple(g["flavors"]),
                             _rules(g["entries"], f"{fname}:{gname}", exact=True,
                                    default_reason=str(g.get("reason") or "")))
    return Policy(deny, code, groups)


@lru_cache(maxsize=1)
def _dist_data() -> tuple[dict[str, str], dict[str, str]]:
    data = _load_yaml("distributions.yaml")
    return dict(data["modules"]), dict(data["state_version_keys"])


def module_distributions() -> Mapping[str, str]:
    """Top-level import name -> distribution name (data from distributions.yaml)."""
    return dict(_dist_data()[0])


def state_version_keys() -> Mapping[str, str]:
    return _dist_data()[1]


def distribution_for(module: str) -> str | None:
    """Distribution providing a top-level module; None for the standard library."""
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top in ("__builtin__", "copy_reg", "__main__"):
        return None
    return _dist_data()[0].get(top, top)


@lru_cache(maxsize=1)
def distribution_requires() -> Mapping[str, tuple[str, ...]]:
    """Distribution -> the distributions it always installs (`requires` in distributions.yaml)."""
    raw = _load_yaml("distributions.yaml").get("requires") or {}
    return {str(k): tuple(str(v) for v in vs) for k, vs in raw.items()}
