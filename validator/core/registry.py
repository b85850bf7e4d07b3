"""The rule protocol and the one registry.

A rule is a generator function decorated with `@rule(code, name, scope=…, severity=…)`;
its docstring is its documentation. The decorator only attaches metadata — registration is
explicit: the registry imports the modules listed in `mlint.rules.BUILTIN_MODULES`, then
those named by the `mlint.rules` entry-point group (third-party plug-ins), then any
`rules-paths` files from config, all the same way.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, overload

from mlint.core.diagnostics import Problem, Severity
from mlint.discovery.units import UNIT_KINDS, Unit

if TYPE_CHECKING:
    from mlint.fixes import Fix

CODE_PATTERN = re.compile(r"^[A-Z]{2,4}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
FAMILIES = {
    "MLM": "MLmodel and the model folder",
    "SIG": "signatures and input examples",
    "ENV": "environment files",
    "PKL": "serialized artifacts (pickles and containers)",
    "RUN": "tracking store: experiments, runs, metrics, logged models, migration readiness",
    "REG": "model registry",
    "TDB": "tracking databases (SQLite) and their artifact roots",
    "MLT": "mlint itself: unreadable paths, parse errors, configuration, rule crashes",
}

# The group of security rules (see `Rule.security`).
SECURITY = "security"

RuleFunc = Callable[[Any, Mapping[str, Any]], Iterable[Problem]]
# The unit type a rule takes is its `scope`: a rule scoped to `Run` takes a `Run`, one scoped to
# `(Run, LoggedModel)` takes `Run | LoggedModel` (the overloads of `rule` spell that out for mypy).
U = TypeVar("U", bound=Unit)
U2 = TypeVar("U2", bound=Unit)
U3 = TypeVar("U3", bound=Unit)
RuleBody = Callable[[U, Mapping[str, Any]], Iterable[Problem]]


class RuleFunction(Protocol):
    """What `@rule` produces: a callable carrying `__mlint_rule__` metadata."""

    __mlint_rule__: Rule

    def __call__(self, unit: Any, options: Mapping[str, Any], /) -> Iterable[Problem]: ...


@dataclass(frozen=True)
class Rule:
    """Metadata of one rule. `scope` empty means the engine emits it (MLT family)."""

    code: str
    name: str
    scope: tuple[type[Unit], ...]
    severity: Severity
    doc: str
    func: RuleFunc | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    groups: frozenset[str] = frozenset()
    default_enabled: bool = True
    origin: str = "builtin"
    # Where the rule is defined (`mlint explain`, `mlint rules --format json`, CONTRIBUTING.md).
    module: str = ""
    function: str = ""

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")

    @property
    def security(self) -> bool:
        """A security rule (group `@security`): nothing inside a checked artifact can silence it
        (in-artifact suppressions are refused, MLT104; only the user's own config or command
        line can select it away: docs/robustness.md)."""
        return SECURITY in self.groups

    @property
    def fix(self) -> Fix | None:
        """The rule's fix, if it has one: registered for its code with `mlint.fixes.fixer`
        next to the built-in ones or by a plug-in; `fix.safe` says whether `--fix` applies it
        or it needs `--unsafe-fixes` (docs/fix.md)."""
        from mlint.fixes import fix_for

        return fix_for(self.code)

    @property
    def summary(self) -> str:
        """The first sentence of the docstring: one line for tables."""
        first = self.doc.strip().split("\n\n")[0]
        return " ".join(first.split())

    def applies_to(self, unit: Unit) -> bool:
        return isinstance(unit, self.scope)


@overload
def rule(code: str, name: str, *, scope: type[U] | tuple[type[U]], severity: Severity,
         options: Mapping[str, Any] | None = None, groups: Iterable[str] = (),
         default: bool = True) -> Callable[[RuleBody[U]], RuleFunction]: ...
@overload
def rule(code: str, name: str, *, scope: tuple[type[U], type[U2]], severity: Severity,
         options: Mapping[str, Any] | None = None, groups: Iterable[str] = (),
         default: bool = True) -> Callable[[RuleBody[U | U2]], RuleFunction]: ...
@overload
def rule(code: str, name: str, *, scope: tuple[type[U], type[U2], type[U3]], severity: Severity,
         options: Mapping[str, Any] | None = None, groups: Iterable[str] = (),
         default: bool = True) -> Callable[[RuleBody[U | U2 | U3]], RuleFunction]: ...
@overload
def rule(code: str, name: str, *, scope: tuple[type[Unit], ...] | None, severity: Severity,
         options: Mapping[str, Any] | None = None, groups: Iterable[str] = (),
         default: bool = True) -> Callable[[RuleBody[Unit]], RuleFunction]: ...


def rule(
    code: str,
    name: str,
    *,
    scope: type[Unit] | tuple[type[Unit], ...] | None,
    severity: Severity,
    options: Mapping[str, Any] | None = None,
    groups: Iterable[str] = (),
    default: bool = True,
) -> Callable[[RuleBody[Any]], RuleFunction]:
    """Declare `func` a rule. `scope=None` marks a rule emitted by the engine itself.

    Typed so that mypy checks the rule against its scope: the function's first parameter must
    accept every unit class in `scope`, and it must yield `Problem`s."""

    def decorate(func: RuleBody[Any]) -> RuleFunction:
        scopes = () if scope is None else (scope if isinstance(scope, tuple) else (scope,))
        meta = Rule(
            code=code,
            name=name,
            scope=scopes,
            severity=severity,
            doc=inspect.cleandoc(func.__doc__ or ""),
            func=func if scopes else None,
            options=dict(options or {}),
            groups=frozenset(groups),
            default_enabled=default,
            module=func.__module__,
            function=func.__qualname__,
        )
        func.__mlint_rule__ = meta  # type: ignore[attr-defined]
        return cast(RuleFunction, func)

    return decorate


class RegistryError(Exception):
    """A rule module is malformed (bad code, duplicate, no docstring…)."""


class Registry:
    """All known rules, by code; looked up by code, name, prefix or group."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._by_name: dict[str, str] = {}

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.code))

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, code: object) -> bool:
        return code in self._rules

    def get(self, code_or_name: str) -> Rule | None:
        key = code_or_name.upper()
        if key in self._rules:
            return self._rules[key]
        code = self._by_name.get(code_or_name.lower())
        return self._rules[code] if code else None

    def add(self, meta: Rule) -> None:
        problems = validate_rule(meta)
        if meta.code in self._rules:
            problems.append(f"code {meta.code} is already registered by {self._rules[meta.code].origin}")
        if meta.name in self._by_name:
            problems.append(f"name {meta.name!r} is already used by {self._by_name[meta.name]}")
        if problems:
            raise RegistryError(f"rule {meta.code} ({meta.origin}): " + "; ".join(problems))
        self._rules[meta.code] = meta
        self._by_name[meta.name] = meta.code

    def add_module(self, module: ModuleType, origin: str) -> None:
        found = [
            obj.__mlint_rule__
            for obj in vars(module).values()
            if callable(obj) and isinstance(getattr(obj, "__mlint_rule__", None), Rule)
            and getattr(obj, "__module__", None) == module.__name__  # not rules it imported
        ]
        extra = getattr(module, "RULES", ())  # modules that build rules from tables
        found += [obj.__mlint_rule__ for obj in extra]
        if not found:
            raise RegistryError(f"{origin}: module {module.__name__} defines no rules")
        seen: set[str] = set()
        for meta in found:
            if meta.code in seen:
                continue
            seen.add(meta.code)
            self.add(_with_origin(meta, origin))

    def select(self, selector: str) -> list[Rule]:
        """Rules matched by one selector: ALL, a code, a code prefix, a name or `@group`."""
        text = selector.strip()
        if text.upper() == "ALL":
            return list(self)
        if text.startswith("@"):
            return [r for r in self if text[1:] in r.groups]
        meta = self.get(text)
        if meta:
            return [meta]
        prefix = text.upper()
        return [r for r in self if r.code.startswith(prefix)]


def validate_rule(meta: Rule) -> list[str]:
    """The rule protocol, checked for built-ins and plug-ins alike."""
    problems = []
    if not CODE_PATTERN.match(meta.code):
        problems.append("code must be 2-4 capital letters and 3 digits")
    if not NAME_PATTERN.match(meta.name):
        problems.append("name must be kebab-case")
    if not meta.doc.strip():
        problems.append("a rule needs a docstring (it is the rule's documentation)")
    if any(s not in UNIT_KINDS for s in meta.scope):
        problems.append("scope must be unit classes from mlint.discovery.units")
    if meta.scope and not inspect.isgeneratorfunction(meta.func):
        problems.append("a rule must be a generator function yielding Problem")
    return problems


def _with_origin(meta: Rule, origin: str) -> Rule:
    from dataclasses import replace

    return replace(meta, origin=origin)


def load_registry(rule_paths: Iterable[Path] = (), *, plugins: bool = True) -> Registry:
    """Built-in rules, then entry-point plug-ins, then local rule files."""
    from mlint.rules import BUILTIN_MODULES

    registry = Registry()
    for name in BUILTIN_MODULES:
        registry.add_module(importlib.import_module(name), "builtin")
    if plugins:
        for ep in entry_points(group="mlint.rules"):
            registry.add_module(ep.load(), f"plugin {ep.name} ({ep.value})")
    for path in rule_paths:
        registry.add_module(_import_file(path), f"rules-path {path}")
    return registry


def _import_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"mlint_local_rules_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise RegistryError(f"rules-path {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
