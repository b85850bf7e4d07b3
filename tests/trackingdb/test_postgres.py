"""PostgreSQL for real: a throw-away server (tests/trackingdb/pgserver.py), a tracking database
written into it by real MLflow 3.17.2, then `mlint check postgresql://…`.

One server and one MLflow-written template database per module; each test checks its own copy
(`CREATE DATABASE … TEMPLATE`), seeded with one defect by SQL. Skips only when PostgreSQL is not
installed, and fails instead when `CI` is set (`.ci/run` installs it).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlint.cli import main
from mlint.reporters import REPORTERS
from tests.trackingdb.pgserver import Server, why_unavailable

WRITER = Path(__file__).resolve().parents[1] / "data" / "write_postgres_tracking.py"
CANARY = "Zq9canaryS3cret"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def pg() -> Iterator[Server]:
    why = why_unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {why}")
        pytest.skip(why)
    server = Server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def template(pg: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """MLflow 3.17.2 writes the template database; artifacts go to `<work>/mlruns`."""
    work = tmp_path_factory.mktemp("pg-artifacts")
    pg.execute("postgres", "CREATE DATABASE mlflow_template")
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    # The writer names the driver: SQLAlchemy 2.1's default for `postgresql://` is psycopg 3.
    url = pg.url("mlflow_template").replace("postgresql://", "postgresql+psycopg2://", 1)
    done = subprocess.run([sys.executable, str(WRITER), url], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ids = json.loads(done.stdout.strip().splitlines()[-1])
    assert ids["mlflow"] == "3.17.2"
    return {**ids, "root": work / "mlruns"}


@pytest.fixture
def db(pg: Server, template: dict[str, Any]) -> Iterator[str]:
    """A private copy of the template database (its name)."""
    name = f"check_{next(_names)}"
    pg.execute("postgres", f"CREATE DATABASE {name} TEMPLATE mlflow_template")
    try:
        yield name
    finally:
        pg.execute("postgres", f"DROP DATABASE {name} WITH (FORCE)")


def check(url: str, root: Path | None, *args: str,
          capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    extra = ["--artifact-root", str(root)] if root is not None else []
    code = main(["check", "--isolated", "--no-cache", url, *extra, *args])
    out, err = capsys.readouterr()
    return code, out, err


def findings(url: str, root: Path | None, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str]]:
    _, out, _ = check(url, root, "--format", "json", capsys=capsys)
    report = json.loads(out)
    return {(d["code"], d["pointer"]) for d in report["diagnostics"]}


def test_healthy_database_gives_no_finding(pg: Server, db: str, template: dict[str, Any],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(pg.url(db), template["root"], "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert code == 0 and report["diagnostics"] == []
    # The database and the version's model folder (linted with the model rules).
    assert report["summary"]["units"] == {"tracking_db": 1, "model": 1}


def test_without_artifact_root_only_rows_are_checked(pg: Server, db: str, template: dict[str, Any],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    pg.execute(db, "UPDATE model_versions SET storage_location = storage_location || '-gone'")
    assert findings(pg.url(db), None, capsys) == set()  # the artifacts are not looked at
    assert findings(pg.url(db), template["root"], capsys) == {
        ("TDB100", "/model_versions/demo-model/1/storage_location")}


def test_without_artifact_root_a_note_says_what_was_not_checked(
        pg: Server, db: str, template: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = check(pg.url(db), None, capsys=capsys)
    assert "only the database rows are checked; pass --artifact-root" in err
    _, _, err = check(pg.url(db), template["root"], capsys=capsys)
    assert "--artifact-root" not in err
    _, _, err = check(pg.url(db), None, "-q", capsys=capsys)
    assert err == ""


# (defect, SQL, expected findings). `session_replication_role = replica` turns off foreign-key
# triggers for the session, as `pg_restore --disable-triggers` of a partial dump does.
DEFECTS: list[tuple[str, tuple[str, ...], set[tuple[str, str]]]] = [
    ("version storage location missing",
     ("UPDATE model_versions SET storage_location = storage_location || '-gone'",),
     {("TDB100", "/model_versions/demo-model/1/storage_location")}),
    ("version of a deleted run",
     ("UPDATE runs SET lifecycle_stage = 'deleted'",),
     {("TDB102", "/model_versions/demo-model/1/run_id")}),
    ("version of a deleted logged model",
     ("UPDATE logged_models SET lifecycle_stage = 'deleted'",),
     {("TDB102", "/model_versions/demo-model/1/source"),
      ("TDB121", "/logged_models/{model_id}/lifecycle_stage")}),  # its artifacts are still there
    ("READY logged model without artifacts",
     ("UPDATE logged_models SET artifact_location = artifact_location || '-gone'",),
     {("TDB101", "/logged_models/{model_id}/artifact_location")}),
    ("alias to a missing version",
     ("INSERT INTO registered_model_aliases (name, alias, version) VALUES ('demo-model', 'stale', 7)",),
     {("TDB103", "/registered_model_aliases/demo-model/stale/version")}),
    ("alias in another workspace, whose model has no such version",
     ("SET session_replication_role = replica",
      "INSERT INTO registered_model_aliases (workspace, name, alias, version) "
      "VALUES ('team-b', 'demo-model', 'champion', 1)"),
     {("TDB103", "/registered_model_aliases/demo-model/champion/version")}),
    ("model version status MLflow does not know",
     ("UPDATE model_versions SET status = 'DONE'",),
     {("TDB111", "/model_versions/demo-model/1/status")}),
    ("logged model status out of range",
     ("UPDATE logged_models SET status = 9",),
     {("TDB111", "/logged_models/{model_id}/status")}),
    ("orphaned metric rows",
     ("SET session_replication_role = replica",
      "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
      f"VALUES ('loss', 0.5, 1700000000000, '{'f' * 32}', 3, false)"),
     {("TDB110", f"/metrics/{'f' * 32}/loss/3/1700000000000/run_uuid")}),
    ("version of a registered model that is gone",
     ("SET session_replication_role = replica",
      "DELETE FROM registered_model_aliases", "DELETE FROM registered_models"),
     {("TDB110", "/model_versions/demo-model/1/name")}),
]


@pytest.mark.parametrize(("statements", "expected"), [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS])
def test_seeded_defect_is_reported_at_its_row(pg: Server, db: str, template: dict[str, Any],
                                              statements: tuple[str, ...], expected: set[tuple[str, str]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert findings(pg.url(db), template["root"], capsys) == set()
    pg.execute(db, *statements)
    expected = {(code, where.format(**template)) for code, where in expected}
    assert findings(pg.url(db), template["root"], capsys) == expected


def _snapshot(pg: Server, db: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table's content."""
    tables = [t for (t,) in pg.query(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    out = {}
    for table in tables:
        ((count, digest),) = pg.query(db, f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' '
                                          f'ORDER BY t::text), \'\')) FROM "{table}" t')
        out[table] = (count, digest)
    return out


def test_check_writes_nothing_and_reads_in_a_read_only_transaction(
        pg: Server, db: str, template: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    pg.execute(db, "UPDATE model_versions SET status = 'DONE'")  # so that findings are written out
    before = _snapshot(pg, db)
    url = pg.url(db, application_name="mlint-under-test")
    code, _, _ = check(url, template["root"], "--format", "json", capsys=capsys)
    assert code == 1
    assert _snapshot(pg, db) == before
    # Every statement mlint's session sent (log_statement=all, prefixed by application_name).
    sent = [line.split("statement: ", 1)[1].strip() for line in pg.log.read_text().splitlines()
            if line.startswith("mlint-under-test|") and "statement: " in line]
    assert sent, "the server log shows no statement of the mlint session"
    # SQLAlchemy's dialect set-up (server version, type OIDs) runs first, in transactions of
    # its own (read-only too: the session's default); every read of MLflow's tables comes
    # after the explicit read-only transaction began.
    start = sent.index("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    assert sent[start - 1] == "BEGIN"
    assert not any("alembic_version" in s or "model_versions" in s for s in sent[:start])
    allowed = ("BEGIN", "SET TRANSACTION", "SELECT", "DECLARE", "FETCH", "CLOSE", "ROLLBACK",
               "show ", "select ")
    assert [s for s in sent if not s.startswith(allowed)] == []
    assert not any(s.startswith("COMMIT") for s in sent)
    assert any("FROM model_versions" in s for s in sent)


def test_the_session_cannot_write(pg: Server, db: str) -> None:
    from sqlalchemy.exc import InternalError, OperationalError

    from mlint.trackingdb.server import ServerReader

    reader = ServerReader(pg.url(db))
    try:
        assert reader.dialect == "postgresql" and "model_versions" in reader.tables()
        with pytest.raises((InternalError, OperationalError), match="read-only transaction"):
            reader.conn.exec_driver_sql("CREATE TABLE mlint_probe (i integer)")
        reader.conn.rollback()
        # A new transaction is read-only too: the session default, not only the first BEGIN.
        with pytest.raises((InternalError, OperationalError), match="read-only transaction"):
            reader.conn.exec_driver_sql("UPDATE model_versions SET status = 'READY'")
        reader.conn.rollback()
    finally:
        reader.close()
    assert pg.query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'mlint_probe'") == [(0,)]


def test_rows_are_streamed_through_a_server_side_cursor(pg: Server, db: str) -> None:
    from mlint.trackingdb.server import ServerReader

    pg.execute(db, "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
                   "SELECT 'm', g, g, run_uuid, g, false FROM runs, generate_series(1, 2500) g")
    reader = ServerReader(pg.url(db))
    try:
        rows = reader.rows("SELECT step FROM metrics WHERE key = ?", ("m",))
        first = next(rows)
        # The query is a cursor declared on the server, not a result the client buffered.
        declared = reader.conn.exec_driver_sql("SELECT statement FROM pg_cursors").fetchall()
        assert first and any("FROM metrics" in statement for (statement,) in declared)
        assert sum(1 for _ in rows) == 2499
    finally:
        reader.close()


def test_credentials_are_redacted_in_every_format(pg: Server, db: str, template: dict[str, Any],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pg.execute(db, "UPDATE model_versions SET status = 'DONE'")
    url = pg.url(db, password=CANARY)  # trust authentication: the password is sent, not needed
    shown = url.replace(CANARY, "***")
    for fmt in REPORTERS:
        code, out, err = check(url, template["root"], "--format", fmt, capsys=capsys)
        assert code == 1, (fmt, err)
        assert CANARY not in out + err, fmt
        assert "TDB111" in out and ("***" in out or "%2A%2A%2A" in out), fmt
    _, out, _ = check(url, template["root"], "--format", "json", capsys=capsys)
    assert {d["path"] for d in json.loads(out)["diagnostics"]} == {shown}


def test_unreachable_server_is_a_finding_without_the_password(pg: Server, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://mlint:{CANARY}@/mlflow?host={tmp_path}"  # no server on that socket
    code, out, err = check(url, None, "--format", "json", capsys=capsys)
    assert code == 1 and CANARY not in out + err
    (finding,) = json.loads(out)["diagnostics"]
    assert finding["code"] == "TDB001" and "cannot connect" in finding["message"]
    assert finding["path"] == url.replace(CANARY, "***")


def test_missing_privilege_is_reported_and_the_rest_is_checked(
        pg: Server, db: str, template: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    pg.execute(db, "DO $$ BEGIN CREATE ROLE viewer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
               "GRANT SELECT ON ALL TABLES IN SCHEMA public TO viewer",
               "REVOKE SELECT ON metrics FROM viewer",
               "UPDATE model_versions SET status = 'DONE'")
    _, out, _ = check(pg.url(db, user="viewer"), template["root"], "--format", "json", capsys=capsys)
    found = {(d["code"], d["pointer"]): d["message"] for d in json.loads(out)["diagnostics"]}
    assert "permission denied for table metrics" in found[("TDB001", "")]
    assert ("TDB111", "/model_versions/demo-model/1/status") in found


DEEP_RUN = '''
import mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
mlflow.set_experiment("deep")
with mlflow.start_run() as run:
    mlflow.log_param("C", 1)
print(run.info.run_id)
'''


def test_value_sqlite_kept_is_rejected_by_postgresql(pg: Server, db: str, tmp_path: Path) -> None:
    """TDB130 for real: MLflow itself writes a run whose `artifact_uri` is longer than the
    VARCHAR(200) of its schema (an artifact root in a deep folder); SQLite keeps it, and
    PostgreSQL, with the schema MLflow created there, rejects that very row."""
    import psycopg2

    from tests.trackingdb.conftest import deployment
    from tests.trackingdb.conftest import findings as sqlite_findings

    # A copy of the 3.17.2 fixture (already migrated), in a deep folder: a new experiment's
    # artifacts go to its ./mlruns.
    deep = deployment("3.17.2", tmp_path / ("d" * 150))
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    done = subprocess.run([sys.executable, "-c", DEEP_RUN], cwd=deep, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    run_id = done.stdout.strip().splitlines()[-1]
    row = _row(deep, run_id)
    length = len(row["artifact_uri"])
    assert length > 200
    message = (f"runs.artifact_uri is {length} characters long; the column allows 200 "
               "(a server database rejects this row)")
    assert [f for f in sqlite_findings(deep / "mlflow.db") if f[0] == "TDB130"] == [
        ("TDB130", f"/runs/{run_id}/artifact_uri", message)]
    columns = [c for c in row if c != "experiment_id"] + ["experiment_id"]
    insert = (f"INSERT INTO runs ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})")
    conn = pg.connect(db)
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT min(experiment_id) FROM experiments WHERE name = 'demo'")  # the template's
            ((experiment,),) = cur.fetchall()
            values = [row[c] for c in columns[:-1]] + [experiment]
            with pytest.raises(psycopg2.errors.StringDataRightTruncation,
                               match=r"value too long for type character varying\(200\)"):
                cur.execute(insert, values)
            conn.rollback()
            # The control: the same row with a value that fits goes in.
            values[columns.index("artifact_uri")] = row["artifact_uri"][:200]
            cur.execute(insert, values)
        conn.rollback()
    finally:
        conn.close()


def _row(folder: Path, run_id: str) -> dict[str, Any]:
    import sqlite3

    conn = sqlite3.connect(f"file:{folder / 'mlflow.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()
        return dict(row)
    finally:
        conn.close()


def test_database_without_mlflow_tables_is_a_finding(pg: Server, capsys: pytest.CaptureFixture[str]) -> None:
    pg.execute("postgres", "CREATE DATABASE not_mlflow")
    try:
        code, out, _ = check(pg.url("not_mlflow"), None, "--format", "json", capsys=capsys)
    finally:
        pg.execute("postgres", "DROP DATABASE not_mlflow WITH (FORCE)")
    assert code == 1
    (finding,) = json.loads(out)["diagnostics"]
    assert finding["code"] == "TDB001"
    assert "missing: alembic_version, experiments, runs" in finding["message"]
