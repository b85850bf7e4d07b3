"""The database is never written: same bytes and mtime after a check, no sidecar files, works
on a read-only copy, never creates a missing file."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from mlint.trackingdb.database import is_tracking_db, tracking_dbs
from mlint.trackingdb.schema import HEAD, LAST_2X, REVISIONS, writer
from mlint.trackingdb.sqlite import Unreadable, open_readonly
from tests.trackingdb.conftest import DATA, findings


def state(folder: Path) -> tuple[list[str], str, int]:
    db = folder / "mlflow.db"
    return (sorted(os.listdir(folder)), hashlib.sha256(db.read_bytes()).hexdigest(),
            os.stat(db).st_mtime_ns)


def test_check_leaves_the_database_and_its_folder_unchanged(copy: Path) -> None:
    before = state(copy)
    findings(copy / "mlflow.db")
    assert state(copy) == before


def test_read_only_copy(copy: Path) -> None:
    db = copy / "mlflow.db"
    os.chmod(db, stat.S_IRUSR)
    os.chmod(copy, stat.S_IRUSR | stat.S_IXUSR)
    try:
        before = state(copy)
        assert findings(db) == []
        assert state(copy) == before
    finally:
        os.chmod(copy, stat.S_IRWXU)


def test_wal_mode_database_is_read_without_creating_shm(copy: Path) -> None:
    db = copy / "mlflow.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()  # the last connection checkpoints and removes -wal/-shm
    assert not (copy / "mlflow.db-wal").exists()
    before = state(copy)
    assert findings(db) == []
    assert state(copy) == before  # no -shm: opened immutable because no -wal exists


def test_hot_journal_is_refused_unopened(copy: Path) -> None:
    (copy / "mlflow.db-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
    with pytest.raises(Unreadable, match="rollback journal"):
        open_readonly(copy / "mlflow.db")


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(Unreadable):
        open_readonly(tmp_path / "mlflow.db")
    assert os.listdir(tmp_path) == []


def test_any_file_name_is_recognised_and_other_sqlite_files_are_not(copy: Path) -> None:
    (copy / "mlflow.db").rename(copy / "tracking.sqlite")
    other = sqlite3.connect(copy / "cache.db")
    other.execute("CREATE TABLE runs (x)")
    other.close()
    (copy / "notes.txt").write_text("hello")
    assert tracking_dbs(copy) == [copy / "tracking.sqlite"]
    assert not is_tracking_db(copy / "cache.db")


def test_revisions_are_mlflows_own_chain() -> None:
    """`REVISIONS` equals the chain in the installed MLflow's migrations (3.17.2)."""
    import re

    import mlflow.store.db_migrations as migrations

    folder = Path(migrations.__file__).parent / "versions"
    down: dict[str, str | None] = {}
    for path in folder.glob("*.py"):
        text = path.read_text()
        rev = re.search(r'^revision\s*=\s*"(\w+)"', text, re.M)
        if rev:
            parent = re.search(r'^down_revision\s*=\s*"(\w+)"', text, re.M)
            down[rev.group(1)] = parent.group(1) if parent else None
    child = {v: k for k, v in down.items()}
    chain, current = [], None
    while current in child:
        current = child[current]
        chain.append(current)
    assert tuple(chain) == REVISIONS


@pytest.mark.parametrize(("version", "line"), [("3.17.2", "3.x"), ("2.22.5", "2.x or older")])
def test_fixture_revisions(version: str, line: str) -> None:
    import json

    revision = json.loads((DATA / version / "GENERATE_LOG.json").read_text())["alembic_revision"]
    assert writer(revision) == line
    assert revision == (HEAD if line == "3.x" else LAST_2X)
