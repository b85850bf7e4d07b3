"""Running the real engine with every registered rule, and reading its verdict."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlint.core.config import Config
from mlint.core.engine import Engine, Report
from mlint.core.registry import Registry, load_registry

REGISTRY: Registry = load_registry(plugins=False)
# Every registered rule, default-on or not: rules merged later are fuzzed without any change here.
ALL_RULES = Config(select=("ALL",))


def run_all(paths: Sequence[Path | str], registry: Registry | None = None, **overrides: Any) -> Report:
    config = dataclasses.replace(ALL_RULES, **overrides) if overrides else ALL_RULES
    return Engine(registry or REGISTRY, config).check([Path(p) for p in paths])


def crashes(report: Report) -> list[str]:
    return [f"{d.path}: {d.message}" for d in report.diagnostics if d.code == "MLT900"]


def assert_no_crash(report: Report) -> None:
    found = crashes(report)
    assert not found and not report.internal_error, "rule crashed:\n" + "\n".join(found)


@contextmanager
def replaced(path: Path, content: bytes) -> Iterator[Path]:
    """Temporarily give `path` new content; the template is restored afterwards."""
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        yield path
    finally:
        path.write_bytes(original)


def template_files(root: Path) -> list[Path]:
    return sorted(Path(d) / n for d, _, names in os.walk(root) for n in names
                  if n not in ("README.md", "EMPTY_DIRS.txt", "GENERATE_LOG.json"))
