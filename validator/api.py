"""The Python API: `mlint.check(paths) -> list[Diagnostic]`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mlint.config import Config
from mlint.diagnostics import Diagnostic
from mlint.engine import Report, check_paths
from mlint.registry import load_registry


def check(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
          config: Config | None = None, *, jobs: int = 1,
          cache_dir: str | os.PathLike[str] | None = None) -> list[Diagnostic]:
    """Check MLflow artifacts statically and return the sorted findings.

    `paths` may be one path or several: model folders, `mlruns/` trees or anything inside them.
    Nothing is imported, unpickled or written (except the result cache, and only when
    `cache_dir` is given). `jobs` > 1 checks units in that many processes (0: one per CPU);
    neither changes the result.
    """
    return run(paths, config, jobs=jobs, cache_dir=cache_dir).diagnostics


def run(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        config: Config | None = None, *, jobs: int = 1,
        cache_dir: str | os.PathLike[str] | None = None) -> Report:
    """Like `check`, but returns the whole `Report` (unit counts, files read, crash flag)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    config = config or Config()
    return check_paths(paths, load_registry(config.rules_paths), config, jobs=jobs,
                       cache_dir=Path(cache_dir) if cache_dir is not None else None)
