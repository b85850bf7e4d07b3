"""Resolved settings for one check: which rules run, at which severity, with which options."""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlint.core.diagnostics import Severity
from mlint.core.registry import Registry, Rule
from mlint.reading.files import DEFAULT_MAX_BYTES
from mlint.reading.structure import MAX_EXPANDED_NODES, MAX_NESTING_DEPTH


class ConfigError(ValueError):
    """Bad configuration or usage; mlint exits 2 and names the offending key."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    severity: Mapping[str, Severity] = field(default_factory=dict)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    rules_paths: tuple[Path, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_BYTES  # bigger files are not read (MLT004)
    max_yaml_nodes: int = MAX_EXPANDED_NODES  # YAML/JSON node count, aliases expanded (MLT004)
    max_nesting_depth: int = MAX_NESTING_DEPTH  # deeper YAML/JSON is not checked (MLT004)
    base: Path = field(default_factory=Path.cwd)  # per-path globs are relative to this folder
    # `[[tool.mlint.pickle-allow]]`: (global "pkg.mod.Name", reason) pairs the pickle rules accept.
    pickle_allow: tuple[tuple[str, str], ...] = ()
    # A baseline file: findings recorded in it are hidden, its stale entries reported (MLT103).
    baseline: Path | None = None
    # Fingerprints relative to this folder instead of each checked root (set with a baseline).
    fingerprint_root: Path | None = None
    # What `mlint check` with no PATH (the `mlint-all` pre-commit hook) checks.
    paths: tuple[Path, ...] = ()
    # The config file these settings came from, if any (`--show-settings`).
    source: Path | None = None
    # Directory walks skip what git ignores (`--no-respect-gitignore` turns it off).
    respect_gitignore: bool = True

    def __post_init__(self) -> None:
        """Check and normalise the fields, so that `Config(fail_on="fatal")` or
        `Config(select="RUN")` fails here with the field's name instead of misbehaving later.
        Strings are accepted where the field holds a severity or a path."""
        fix = functools.partial(object.__setattr__, self)  # frozen: assign through object
        for name in ("select", "extend_select", "ignore", "exclude"):
            fix(name, _texts(name, getattr(self, name)))
        fix("fail_on", _severity("fail_on", self.fail_on))
        fix("severity", _mapping("severity", self.severity, lambda k, v: _severity(f"severity[{k!r}]", v)))
        fix("per_path_ignores", _mapping("per_path_ignores", self.per_path_ignores,
                                         lambda k, v: _texts(f"per_path_ignores[{k!r}]", v)))
        fix("rule_options", _mapping("rule_options", self.rule_options, _options))
        for name in ("rules_paths", "paths"):
            value = getattr(self, name)
            if isinstance(value, (str, os.PathLike)) or not isinstance(value, Iterable):
                raise ConfigError(f"Config.{name} must be a sequence of paths, not {value!r}")
            fix(name, tuple(_path(name, p) for p in value))
        for name in ("max_file_bytes", "max_yaml_nodes", "max_nesting_depth"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"Config.{name} must be a positive integer, not {value!r}")
        fix("base", _path("base", self.base))
        for name in ("baseline", "fingerprint_root", "source"):
            value = getattr(self, name)
            fix(name, None if value is None else _path(name, value))
        if not isinstance(self.respect_gitignore, bool):
            raise ConfigError("Config.respect_gitignore must be True or False, "
                              f"not {self.respect_gitignore!r}")
        pairs = self.pickle_allow
        if isinstance(pairs, str) or not isinstance(pairs, Iterable) or not all(
                isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(x, str) for x in p)
                for p in pairs):
            raise ConfigError(f"Config.pickle_allow must be (global, reason) string pairs, not {pairs!r}")
        fix("pickle_allow", tuple(tuple(p) for p in pairs))

    def enabled(self, registry: Registry) -> dict[str, Rule]:
        """Rules that run: `select` (default: every default-on rule) + `extend_select` − `ignore`."""
        if self.select:
            chosen = {r.code: r for s in self.select for r in _resolve(registry, s)}
        else:
            chosen = {r.code: r for r in registry if r.default_enabled}
        chosen.update({r.code: r for s in self.extend_select for r in _resolve(registry, s)})
        for s in self.ignore:
            for r in _resolve(registry, s):
                chosen.pop(r.code, None)
        return chosen

    def severity_of(self, rule: Rule, proposed: Severity | None) -> Severity:
        for key in (rule.code, rule.name):
            if key in self.severity:
                return self.severity[key]
        return proposed or rule.severity

    def options_for(self, rule: Rule) -> dict[str, Any]:
        merged = dict(rule.options)
        for key in (rule.code, rule.name):
            merged.update(self.rule_options.get(key, {}))
        if self.pickle_allow and rule.family == "PKL" and "allow" in rule.options:
            # `[[tool.mlint.pickle-allow]]` is the project-wide form of the PKL rules' `allow`
            # option (rules see only their options): both lists apply.
            extra = [{"global": name, "reason": reason} for name, reason in self.pickle_allow]
            current = merged.get("allow")
            merged["allow"] = [*(current if isinstance(current, list) else []), *extra]
        return merged

    def ignored_at(self, registry: Registry, code: str, path: Path) -> bool:
        """Per-path ignores: a glob (relative to `base`) → selectors."""
        if not self.per_path_ignores:
            return False
        try:
            rel = path.resolve().relative_to(self.base.resolve()).as_posix()
        except ValueError:
            rel = path.as_posix()
        for pattern, selectors in self.per_path_ignores.items():
            under = pattern.rstrip("/") + "/*"
            matches = fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, under)
            if matches and any(code in {r.code for r in _resolve(registry, s)} for s in selectors):
                return True
        return False

    def is_excluded(self, path: Path) -> bool:
        if not self.exclude:
            return False
        name = path.name
        try:
            rel = path.resolve().relative_to(self.base.resolve()).as_posix()
        except ValueError:
            rel = path.as_posix()
        return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in self.exclude)


def _texts(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable) \
            or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"Config.{name} must be a sequence of strings like ('RUN', 'MLM001'), "
                          f"not {value!r}")
    return tuple(value)


def _severity(name: str, value: Any) -> Severity:
    if isinstance(value, Severity):
        return value
    if isinstance(value, str):
        try:
            return Severity.parse(value)
        except ValueError:
            pass
    raise ConfigError(f"Config.{name} must be one of error, warning, info (or a Severity), not {value!r}")


def _path(name: str, value: Any) -> Path:
    if isinstance(value, Path):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Path(value)
    raise ConfigError(f"Config.{name} must be a path, not {value!r}")


def _mapping(name: str, value: Any, check: Callable[[str, Any], Any]) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"Config.{name} must be a mapping with string keys, not {value!r}")
    return {k: check(k, v) for k, v in value.items()}


def _options(key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"Config.rule_options[{key!r}] must be a mapping of option = value, not {value!r}")
    return value


def _resolve(registry: Registry, selector: str) -> list[Rule]:
    rules = registry.select(selector)
    if not rules:
        raise ConfigError(f"selector {selector!r} matches no rule (try `mlint rules`)")
    return rules


def split_selectors(values: Iterable[str] | None) -> tuple[str, ...]:
    """CLI lists may be repeated and comma-separated: `--select RUN,MLM --select SIG001`."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)
