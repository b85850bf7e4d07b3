from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import DATA
from tests.rules.harness import _recreate_empty_dirs


def copy_tree(version: str, target: Path, *, empty_dirs: bool = True) -> Path:
    """A real-MLflow fixture tree (tests/data/mlflow/<version>/mlruns) copied to `target`."""
    source = DATA / "mlflow" / version / "mlruns"
    mlruns = target / "mlruns"
    shutil.copytree(source, mlruns)
    if empty_dirs:
        _recreate_empty_dirs(source, mlruns)
    return mlruns


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) below `root`, by relative path."""
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = None if path.is_dir() else path.read_bytes()
    return out
