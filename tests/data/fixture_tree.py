"""Helpers for the checked-in MLflow fixture trees under tests/data/mlflow/<version>/.

Git keeps no empty directories, but MLflow creates (and >= 3.x readers require) empty
``metrics/``, ``params/`` and ``artifacts/`` dirs in run folders. Each fixture root therefore
lists its empty dirs in ``EMPTY_DIRS.txt`` instead of carrying placeholder files (a ``.gitkeep``
would be a foreign file inside an MLflow tree). :func:`materialize` copies a fixture to a
scratch location and recreates those dirs, giving the exact tree MLflow wrote.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path

EMPTY_DIRS_FILE = "EMPTY_DIRS.txt"
DATA_DIR = Path(__file__).resolve().parent
MLFLOW_FIXTURES = DATA_DIR / "mlflow"


def empty_dirs(src: Path) -> list[str]:
    """Relative paths listed in ``src/EMPTY_DIRS.txt`` (``#`` comments and blanks skipped)."""
    listing = Path(src) / EMPTY_DIRS_FILE
    if not listing.is_file():
        return []
    out = []
    for line in listing.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        rel = Path(line)
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"{listing}: unsafe path {line!r}")
        out.append(line)
    return out


def materialize(src: Path, dst: Path) -> Path:
    """Copy the fixture tree ``src`` to ``dst`` and recreate its recorded empty dirs.

    ``src`` is a fixture root such as ``tests/data/mlflow/3.17.2`` (the folder holding
    ``EMPTY_DIRS.txt``). ``dst`` must not exist yet or be an empty directory (e.g. a
    ``tmp_path / "tree"``). ``EMPTY_DIRS.txt`` itself is not copied, so ``dst`` holds only what
    MLflow wrote (plus ``GENERATE_LOG.json`` / ``README.md`` at the root, which are never inside
    ``mlruns/`` or a model folder). Returns ``dst``.
    """
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise FileNotFoundError(src)
    if dst.exists() and any(dst.iterdir()):
        raise FileExistsError(f"{dst} is not empty")
    shutil.copytree(
        src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(EMPTY_DIRS_FILE, "__pycache__")
    )
    for rel in empty_dirs(src):
        (dst / rel).mkdir(parents=True, exist_ok=True)
    return dst


def fixture_versions() -> list[str]:
    """Names of the fixture trees available under tests/data/mlflow/."""
    return sorted(p.name for p in MLFLOW_FIXTURES.iterdir() if p.is_dir())


def edit_database(folder: Path, statements: Iterable[str]) -> None:
    """Apply SQL to the `mlflow.db` of a fixture copy, the way a hand edit, a restored dump or a
    crashed clean-up leaves it. MLflow's CHECK constraints guard some columns; rows written by
    older tools or by hand get around them, which the pragma stands for."""
    conn = sqlite3.connect(folder / "mlflow.db")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
