"""The Python API: `mlint.check(paths) -> list[Diagnostic]`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TypeAlias, Union

from mlint.core.config import Config
from mlint.core.config_file import load_config, resolve, trusted_config
from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Progress, Report, check_paths
from mlint.core.registry import load_registry
from mlint.discovery.walk import refuse_remote

PathArg: TypeAlias = Union[str, "os.PathLike[str]"]
ConfigArg: TypeAlias = Union[Config, str, "os.PathLike[str]", None]


def check(paths: PathArg | Iterable[PathArg], config: ConfigArg = None, *, jobs: int = 1,
          cache_dir: PathArg | None = None, executor: str | None = None) -> list[Diagnostic]:
    """Check MLflow artifacts statically and return the sorted findings.

    `paths` may be one path or several: model folders, `mlruns/` trees or anything inside them.
    `config` is a `Config`, the path of a config file (`pyproject.toml` with `[tool.mlint]`,
    `mlint.toml`, `.mlint.toml`), or None to use the nearest config file from the working
    directory upwards exactly as the `mlint` command does (a config file inside the checked
    paths is never read: docs/robustness.md); `Config()` gives the defaults.
    Findings hidden by an in-artifact suppression or the config's baseline are left out;
    `run(...).suppressed` lists them, with `Diagnostic.suppressed` saying why.
    Folders git ignores are skipped while walking, unless `Config(respect_gitignore=False)`;
    a path given explicitly is always checked. An object-store prefix (`s3://…`, `gs://…`,
    `az://…`, any fsspec protocol; docs/remote.md) is listed and read, never written; other
    `sqlite:///…` names a local tracking database and `postgresql://…` / `mysql+pymysql://…` a
    server one (with the `mlint[postgres]` / `mlint[mysql]` extra; docs/tracking-deployments.md);
    other URIs (`runs:/…`, `models:/…`, `https://…`) raise `ConfigError`.
    Nothing is imported, unpickled or written (except the result cache, and only when
    `cache_dir` is given). `jobs` > 1 checks units in that many processes (0: one per CPU);
    `executor="dask"` (a LocalCluster of `jobs` workers) or `"dask://HOST:PORT"` runs them on a
    Dask cluster (`mlint[dask]`; docs/remote.md); none of these changes the result.
    """
    return run(paths, config, jobs=jobs, cache_dir=cache_dir, executor=executor).diagnostics


def run(paths: PathArg | Iterable[PathArg], config: ConfigArg = None,
        progress: Progress | None = None, *, jobs: int = 1, cache_dir: PathArg | None = None,
        executor: str | None = None) -> Report:
    """Like `check`, but returns the whole `Report` (unit counts, files read, crash flag, and
    `exit_code`: what `mlint check` would exit with)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    refuse_remote(paths)  # before looking for a config file next to a URI
    settings: Config
    if config is None:
        found = trusted_config()
        settings = load_config(found) if found is not None else Config()
    elif isinstance(config, Config):
        settings = config
    else:
        settings = load_config(Path(config))
    registry = load_registry(settings.rules_paths)
    return check_paths(paths, registry, resolve(settings, registry), progress, jobs=jobs,
                       cache_dir=Path(cache_dir) if cache_dir is not None else None, executor=executor)
