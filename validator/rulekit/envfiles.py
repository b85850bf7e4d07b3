"""Where a model folder's environment files are and what requirement lines they hold.

Shared by the ENV rules: the file names MLflow would read (from `python_function.env`, else
the defaults) and every requirement line with its location (a line and column in
`requirements.txt`, a JSON pointer in the YAML files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, cast

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from mlint.discovery.units import ModelDir
from mlint.reading.requirements import Entry, logical_lines, parse_line
from mlint.rulekit.mlmodel import flavors

REQUIREMENTS = "requirements.txt"


@dataclass(frozen=True)
class Located:
    """A requirement line and where it is: `file` plus `pointer` (YAML) or `line`/`column`."""

    entry: Entry
    file: str
    pointer: str = ""

    def where(self) -> dict[str, Any]:
        """Keyword arguments locating a `Problem` at this line."""
        if self.pointer:
            return {"file": self.file, "pointer": self.pointer}
        return {"file": self.file, "line": self.entry.line, "column": self.entry.column}

    def describe(self, unit: ModelDir) -> str:
        """`file:line` for messages that mention the other side of a comparison."""
        line = self.entry.line
        if self.pointer:
            doc = unit.yaml(self.file)
            line = doc.locate(self.pointer)[0] if doc is not None else 0
        return f"{self.file}:{line}" if line else self.file


def env_file(unit: ModelDir, key: str) -> str:
    """The file MLflow reads for `key` ('conda' or 'virtualenv')."""
    env = flavors(unit).get("python_function", {}).get("env")
    if isinstance(env, dict) and isinstance(env.get(key), str) and env[key]:
        return str(env[key])
    if isinstance(env, str) and env and key == "conda":
        return env
    return "conda.yaml" if key == "conda" else "python_env.yaml"


def yaml_mapping(unit: ModelDir, rel: str) -> dict[str, Any] | None:
    if not unit.is_file(rel):
        return None
    doc = unit.yaml(rel)
    return doc.data if doc is not None and isinstance(doc.data, dict) else None


def requirements_txt(unit: ModelDir) -> list[Located] | None:
    """Entries of `requirements.txt`, or None when it is missing or unreadable."""
    memo = unit.__dict__.get("_requirements_txt", False)
    if memo is not False:
        return cast("list[Located] | None", memo)
    result = None
    if unit.is_file(REQUIREMENTS):
        doc = unit.text(REQUIREMENTS)
        if doc is not None:
            result = [Located(_parse(unit, t, line, column), REQUIREMENTS)
                      for line, column, t in logical_lines(doc.text)]
    unit.__dict__["_requirements_txt"] = result
    return result


# Parsed lines, shared by every model folder of the check (a project's models pin the same
# packages); bounded, cleared when full. Entries are frozen and never mutated by callers.
_PARSED: dict[str, Entry] = {}
MAX_PARSED = 4096


def _parse(unit: ModelDir, text: str, line: int = 1, column: int = 1) -> Entry:
    """`parse_line(text, line, column)`, parsing each distinct line once per process:
    MLflow writes the same pins to requirements.txt and to conda.yaml's pip list, a project's
    models pin the same packages, and packaging's parser is the costly part. Only the
    position differs between the copies (every column `parse_line` reports is `column` plus
    an offset into the text)."""
    key = text.strip()  # parse_line strips first
    base = _PARSED.get(key)
    if base is None:
        if len(_PARSED) >= MAX_PARSED:
            _PARSED.clear()
        base = _PARSED[key] = parse_line(key)
    if line == 1 and column == 1:
        return base
    return replace(base, line=line, column=base.column - 1 + column)


class CondaPip(NamedTuple):
    """A conda file and the entries of its `pip:` list."""

    file: str
    entries: list[Located]


class Pin(NamedTuple):
    """An exact requirement pin (`==`, `===`) and the line that declares it."""

    where: Located
    version: Version


def conda_pip(unit: ModelDir) -> CondaPip | None:
    """The conda file's `pip:` list entries, or None when there is no readable conda file."""
    # Memoised: five ENV rules ask, and parsing the lines was ~10% of a check (profile in
    # docs/performance.md). Callers must not mutate the result.
    return unit.memo("conda_pip", lambda: _conda_pip(unit))


def _conda_pip(unit: ModelDir) -> CondaPip | None:
    rel = env_file(unit, "conda")
    data = yaml_mapping(unit, rel)
    if data is None:
        return None
    found: list[Located] = []
    deps = data.get("dependencies")
    if isinstance(deps, list):
        for i, dep in enumerate(deps):
            if isinstance(dep, dict) and isinstance(dep.get("pip"), list):
                for j, item in enumerate(dep["pip"]):
                    if isinstance(item, str) and item.strip():
                        found.append(Located(_parse(unit, item), rel, f"/dependencies/{i}/pip/{j}"))
    return CondaPip(rel, found)


def python_env_deps(unit: ModelDir) -> list[Located]:
    """`dependencies` and `build_dependencies` of python_env.yaml (memoised, do not mutate)."""
    return unit.memo("python_env_deps", lambda: _python_env_deps(unit))


def _python_env_deps(unit: ModelDir) -> list[Located]:
    rel = env_file(unit, "virtualenv")
    data = yaml_mapping(unit, rel)
    found: list[Located] = []
    if data is None:
        return found
    for key in ("build_dependencies", "dependencies"):
        items = data.get(key)
        if isinstance(items, list):
            for j, item in enumerate(items):
                if isinstance(item, str) and item.strip():
                    found.append(Located(_parse(unit, item), rel, f"/{key}/{j}"))
    return found


def all_requirement_lines(unit: ModelDir) -> list[Located]:
    """Every requirement line of the model's environment files."""
    lines = list(requirements_txt(unit) or [])
    conda = conda_pip(unit)
    if conda is not None:
        lines += conda.entries
    return lines + python_env_deps(unit)


def declared(unit: ModelDir) -> list[Located]:
    """The pip requirements MLflow installs: requirements.txt, else the conda pip list."""
    txt = requirements_txt(unit)
    if txt is not None:
        return txt
    conda = conda_pip(unit)
    return conda.entries if conda is not None else []


def parse_version(text: Any) -> Version | None:
    """A version string as `packaging` reads it; None when absent or not PEP 440."""
    try:
        return Version(str(text)) if text is not None else None
    except InvalidVersion:
        return None


def version_pins(model: ModelDir) -> dict[str, Pin]:
    """Exact pins (`==`, `===`) among the declared requirements: name -> (line, version)."""
    pins: dict[str, Pin] = {}
    for found in declared(model):
        req = found.entry.requirement
        if req is None:
            continue
        for spec in req.specifier:
            version = parse_version(spec.version) if spec.operator in ("==", "===") else None
            if version is not None:
                pins.setdefault(found.entry.name, Pin(found, version))
    return pins


def conda_packages(model: ModelDir) -> set[str]:
    """Names of conda (non-pip) dependencies: early MLflow 1.x put the flavor library there
    (`scikit-learn=0.20.3`), and conda installs it in the rebuilt environment."""
    data = yaml_mapping(model, env_file(model, "conda"))
    deps = data.get("dependencies") if data else None
    if not isinstance(deps, list):
        return set()
    names: set[str] = set()
    for dep in deps:
        if isinstance(dep, str):
            name = re.split(r"[=<>!~ \[]", dep.strip().split("::")[-1], maxsplit=1)[0]
            names.add(canonicalize_name(name))
    return names
