"""Configuration files: `[tool.mlint]` in pyproject.toml, or `mlint.toml` / `.mlint.toml`.

Only a trusted config file is read (docs/robustness.md, "Which config file is trusted"):
`--config FILE`, else the nearest one from the *working directory* upwards — the first
folder with `.mlint.toml`, `mlint.toml`, or a `pyproject.toml` that has a `[tool.mlint]`
table, never one in or below an MLflow artifact. A config file inside the checked paths is
data like any other file there: it is never read (it could name `rules-paths`, code mlint
would import, or `ignore = ["ALL"]`); `untrusted_config` finds it so the CLI can say so.
Paths inside a config (per-path-ignores globs, exclude, rules-paths, baseline, paths) are
relative to the config file's folder. Unknown keys and bad values are errors naming the key
and the file (exit 2). Command-line options beat the file.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mlint.core.config import Config, ConfigError
from mlint.core.diagnostics import Severity
from mlint.core.registry import Registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAMES = (".mlint.toml", "mlint.toml", "pyproject.toml")
SELECTOR_KEYS = ("select", "extend-select", "ignore")
PATH_LIST_KEYS = ("exclude", "extend-exclude", "rules-paths", "paths")
# Safety caps (docs/robustness.md): config key → Config field; each a positive integer.
CAP_KEYS = (("max-file-bytes", "max_file_bytes"), ("max-yaml-nodes", "max_yaml_nodes"),
            ("max-nesting-depth", "max_nesting_depth"))
KNOWN_KEYS = frozenset({*SELECTOR_KEYS, *PATH_LIST_KEYS, "per-path-ignores", "fail-on", "severity",
                        "rules", *(key for key, _ in CAP_KEYS), "pickle-allow", "baseline"})


def trusted_config(cwd: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file mlint obeys without `--config`: the nearest one from the working
    directory upwards (never one inside an MLflow artifact).

    The working directory is the user's choice (`mlint check .` at the root of their
    repository, a pre-commit hook, a CI step); the checked paths are not: a folder downloaded
    from a registry or a pull request may carry its own `mlint.toml`.
    """
    return find_config([cwd if cwd is not None else Path.cwd()])


def untrusted_config(paths: Sequence[str | os.PathLike[str]], trusted: Path | None,
                     cwd: str | os.PathLike[str] | None = None) -> Path | None:
    """A config file that discovery from the checked paths would find but that is not the
    trusted one (it is not on the working directory's chain; typically it lies inside a
    checked path). It is never read; the CLI names it so that a user who meant it knows to
    pass `--config`."""
    try:
        found = find_config(paths) if paths else None
    except ConfigError:
        # A malformed pyproject.toml inside a checked path is artifact data, not a config
        # error of the user's: it must not stop the check.
        return None
    if found is None or found == trusted:
        return None
    start = Path(os.path.abspath(cwd if cwd is not None else Path.cwd()))
    if found.parent == start or found.parent in start.parents:
        return None  # on the working directory's own chain: shadowed by the trusted one
    return found


def find_config(paths: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The nearest config file above `paths` (their common folder), never one inside an
    MLflow artifact. Callers pass the working directory (`trusted_config`).

    The checked artifact is untrusted: a `mlint.toml` shipped inside an uploaded model could
    `ignore = ["ALL"]` (a gate that always passes) or name `rules-paths` (code mlint would
    import). MLflow never writes such files, so config files in or below a folder that is an
    artifact (holds `MLmodel` or a `meta.yaml`, or is a tracking root) are not read; the
    project's config above it, `--config` and `--isolated` work as usual.
    """
    folders = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]
    folders = [f if f.is_dir() else f.parent for f in folders]
    try:
        start = Path(os.path.commonpath([str(f) for f in folders]))
    except ValueError:  # different drives on Windows
        start = folders[0]
    chain = [start, *start.parents]
    inside = max((i for i, folder in enumerate(chain) if _is_artifact(folder)), default=-1)
    for folder in chain[inside + 1:]:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _is_artifact(folder: Path) -> bool:
    from mlint.discovery.layout import has_mlmodel, is_tracking_root

    return has_mlmodel(folder) or os.path.isfile(folder / "meta.yaml") or is_tracking_root(folder)


def _load_toml(path: Path) -> dict[str, Any]:
    """A config file's TOML document; any failure is a ConfigError naming the file."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return data
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _has_tool_table(path: Path) -> bool:
    # A pyproject.toml that does not parse may hold `[tool.mlint]`: ignoring it would drop
    # its settings silently (a gate with the wrong rules), so it is an error, as in ruff.
    tool = _load_toml(path).get("tool")
    return isinstance(tool, dict) and "mlint" in tool


def read_table(path: Path) -> dict[str, Any]:
    """The mlint settings table of a config file (validated for shape, not yet for rules)."""
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("mlint", {})
        prefix = "tool.mlint"
    else:
        table = data.get("tool", {}).get("mlint", data) if "tool" in data else data
        prefix = ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{prefix or 'mlint'}] must be a table")
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{path}: unknown key {_key(prefix, key)!r} "
                              f"(known: {', '.join(sorted(KNOWN_KEYS))})")
    return {"__prefix__": prefix, **table}


def _key(prefix: str, *parts: str) -> str:
    return ".".join(p for p in (prefix, *parts) if p)


def _strings(path: Path, prefix: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {_key(prefix, key)!r} must be a list of strings")
    return tuple(value)


def load_config(path: Path, registry: Registry | None = None, base_config: Config | None = None) -> Config:
    """Build a `Config` from a file. With `registry`, rule selectors and options are validated."""
    path = Path(os.path.abspath(path))
    table = read_table(path)
    prefix = table.pop("__prefix__")
    folder = path.parent
    settings: dict[str, Any] = {"base": folder, "source": path}

    def where(*parts: str) -> str:
        return f"{path}: {_key(prefix, *parts)!r}"

    for key in SELECTOR_KEYS:
        if key in table:
            settings[key.replace("-", "_")] = _strings(path, prefix, key, table[key])
    exclude = _strings(path, prefix, "exclude", table.get("exclude", []))
    exclude += _strings(path, prefix, "extend-exclude", table.get("extend-exclude", []))
    if exclude:
        settings["exclude"] = exclude
    if "rules-paths" in table:
        settings["rules_paths"] = tuple(folder / p for p in _strings(path, prefix, "rules-paths",
                                                                     table["rules-paths"]))
    if "paths" in table:
        from mlint.discovery.walk import refuse_remote

        given = _strings(path, prefix, "paths", table["paths"])
        try:
            refuse_remote(given)  # before joining: `folder / "s3://b"` would be a local path
            from mlint.remote.uri import is_remote

            remote = next((p for p in given if is_remote(p)), None)
            if remote is not None:  # object stores are command-line arguments only (docs/remote.md)
                raise ConfigError(f"{remote}: remote inputs are not supported in `paths`; "
                                  "give them on the command line")
        except ConfigError as exc:
            raise ConfigError(f"{where('paths')}: {exc}") from None
        settings["paths"] = tuple(folder / p for p in given)
    if "baseline" in table:
        if not isinstance(table["baseline"], str):
            raise ConfigError(f"{where('baseline')} must be a path string")
        settings["baseline"] = folder / table["baseline"]
    if "fail-on" in table:
        settings["fail_on"] = _severity(table["fail-on"], where("fail-on"))
    for key, setting in CAP_KEYS:
        if key in table:
            value = table[key]
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{where(key)} must be a positive integer")
            settings[setting] = value
    if "per-path-ignores" in table:
        ppi = table["per-path-ignores"]
        if not isinstance(ppi, dict):
            raise ConfigError(f"{where('per-path-ignores')} must be a table of glob = [selectors]")
        settings["per_path_ignores"] = {
            str(glob): _strings(path, prefix, f"per-path-ignores.{glob}", sel) for glob, sel in ppi.items()}
    if "severity" in table:
        if not isinstance(table["severity"], dict):
            raise ConfigError(f"{where('severity')} must be a table of selector = severity")
        settings["severity"] = {str(k): _severity(v, where("severity", str(k)))
                                for k, v in table["severity"].items()}
    if "rules" in table:
        rules = table["rules"]
        if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
            raise ConfigError(f"{where('rules')} must hold one table per rule: [tool.mlint.rules.CODE]")
        settings["rule_options"] = {str(k): dict(v) for k, v in rules.items()}
    if "pickle-allow" in table:
        settings["pickle_allow"] = _pickle_allow(table["pickle-allow"], where("pickle-allow"))
    config = dataclasses.replace(base_config or Config(), **settings)
    if registry is not None:
        config = resolve(config, registry)
    return config


def _severity(value: Any, where: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be one of error, warning, info")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _pickle_allow(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be an array of tables: [[tool.mlint.pickle-allow]]")
    out = []
    for index, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise ConfigError(f"{where} entry #{index} must be a table with `global` and `reason`")
        unknown = sorted(set(item) - {"global", "reason"})
        if unknown:
            raise ConfigError(f"{where} entry #{index}: unknown key {unknown[0]!r} (expected global, reason)")
        name, reason = item.get("global"), item.get("reason")
        if not isinstance(name, str) or "." not in name.strip(". ") or " " in name or "*" in name:
            raise ConfigError(f"{where} entry #{index}: `global` must be one exact dotted name "
                              "like 'pkg.mod.Name' (no wildcards)")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where} entry #{index} ({name}): `reason` is required")
        out.append((name, reason.strip()))
    return tuple(out)


def resolve(config: Config, registry: Registry) -> Config:
    """Validate selectors, severity keys and rule options against the registry.

    Severity keys may be any selector; broader selectors apply first so that a code overrides
    its family. Rule options must exist in the rule's declared defaults with the same type.
    """
    origin = f"{config.source}: " if config.source else ""
    try:
        config.enabled(registry)
    except ConfigError as exc:
        raise ConfigError(f"{origin}{exc}") from None
    for pattern, selectors in config.per_path_ignores.items():
        for selector in selectors:
            if not registry.select(selector):
                raise ConfigError(f"{origin}per-path-ignores {pattern!r}: selector {selector!r} "
                                  "matches no rule")
    severity: dict[str, Severity] = {}
    ranked = []
    for key, level in config.severity.items():
        matched = registry.select(key)
        if not matched:
            raise ConfigError(f"{origin}severity: {key!r} matches no rule")
        ranked.append((len(matched), matched, level))
    for _, matched, level in sorted(ranked, key=lambda t: -t[0]):
        severity.update({r.code: level for r in matched})
    options: dict[str, dict[str, Any]] = {}
    for key, values in config.rule_options.items():
        meta = registry.get(key)
        if meta is None:
            raise ConfigError(f"{origin}rules.{key}: no rule {key!r} (use a code or name)")
        for name, value in values.items():
            if name not in meta.options:
                known = ", ".join(meta.options) or "none"
                raise ConfigError(f"{origin}rules.{key}: unknown option {name!r} (options of "
                                  f"{meta.code}: {known})")
            options.setdefault(meta.code, {})[name] = _typed(value, meta.options[name],
                                                             f"{origin}rules.{key}.{name}")
    return dataclasses.replace(config, severity=severity, rule_options=options)


def _typed(value: Any, default: Any, where: str) -> Any:
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected in (tuple, frozenset) and isinstance(value, list):
        return expected(value)
    if isinstance(value, bool) != isinstance(default, bool) or not isinstance(value, expected):
        raise ConfigError(f"{where} must be {expected.__name__} (like the default {default!r}), "
                          f"not {type(value).__name__}")
    return value


def settings_text(config: Config, registry: Registry | None = None) -> str:
    """`--show-settings`: the resolved configuration, one `key = value` per line; with the
    registry, first the rules in force (select + extend-select - ignore, resolved to codes)."""
    lines = [f"# config file: {config.source or '(none; defaults)'}"]
    if registry is not None:
        enabled = sorted(config.enabled(registry))
        lines.append(f"# {len(enabled)} rules in force")
        lines.append(f"rules-in-force = {enabled!r}")
    for item in dataclasses.fields(config):
        value = getattr(config, item.name)
        if item.name == "select" and not value:
            lines.append("select = 'default (every rule enabled by default)'")
            continue
        if isinstance(value, Mapping):
            value = {k: _plain(v) for k, v in value.items()}
        lines.append(f"{item.name.replace('_', '-')} = {_plain(value)!r}")
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value
