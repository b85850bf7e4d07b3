"""Resolved settings for one check: which rules run, at which severity, with which options."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlint.diagnostics import Severity
from mlint.files import DEFAULT_MAX_BYTES
from mlint.registry import Registry, Rule
from mlint.structure import MAX_EXPANDED_NODES, MAX_NESTING_DEPTH


class ConfigError(Exception):
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
