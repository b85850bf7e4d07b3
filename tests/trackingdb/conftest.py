"""Fixtures: copies of the tracking deployments real MLflow wrote (tests/data/trackingdb)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.data.fixture_tree import edit_database

DATA = Path(__file__).resolve().parents[1] / "data" / "trackingdb"
# `<version>/client`: the client writes artifacts (./mlruns); `-server`: `mlflow server` wrote
# them (./mlartifacts, mlflow-artifacts:/ URIs in the database).
VERSIONS = ("3.17.2", "2.22.5", "3.17.2-server")


def deployment(version: str, tmp_path: Path) -> Path:
    """A private copy of the layout (the checked-in files stay untouched)."""
    release, _, layout = version.partition("-")
    target = tmp_path / version
    shutil.copytree(DATA / release / (layout or "client"), target)
    return target


def artifact_root(folder: Path) -> Path:
    return folder / "mlartifacts" if (folder / "mlartifacts").is_dir() else folder / "mlruns"


def corrupt(folder: Path, *statements: str) -> None:
    """Apply SQL to a copy's database, the way a hand edit or a crashed clean-up would."""
    edit_database(folder, statements)


@pytest.fixture(params=VERSIONS)
def copy(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return deployment(request.param, tmp_path)


@pytest.fixture
def make() -> Callable[[str, Path], Path]:
    return deployment


def findings(db: Path, artifact_root: Path | None = None) -> list[tuple[str, str, str]]:
    """(code, pointer, message) of every TDB rule on one database, straight from the rules."""
    from mlint.core.registry import load_registry
    from mlint.discovery.units import Context
    from mlint.reading.filecache import FileCache
    from mlint.trackingdb.database import TrackingDatabase

    registry = load_registry()
    unit = TrackingDatabase(db, Context(db.parent, db.parent, FileCache()))
    unit.artifact_root_override = artifact_root
    out = []
    for meta in _tdb_rules(registry):
        assert meta.func is not None
        out += [(meta.code, p.pointer, p.message) for p in meta.func(unit, {})]
    unit.close()
    return sorted(out)


def _tdb_rules(registry):  # type: ignore[no-untyped-def]
    from mlint.rules import tracking_db, tracking_db_artifacts, tracking_db_integrity, tracking_db_migration

    return [registry.get(f.__mlint_rule__.code)
            for module in (tracking_db, tracking_db_integrity, tracking_db_artifacts,
                           tracking_db_migration)
            for f in vars(module).values() if hasattr(f, "__mlint_rule__")]
