"""`mlint check` on tracking deployments: recognised from a folder, the database file or a
`sqlite:///` URL; healthy deployments written by real MLflow give no finding at all; findings
carry their row pointer in every structured format; nothing is written."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

import mlint
from mlint.cli import main
from tests.trackingdb.conftest import artifact_root, corrupt
from tests.trackingdb.test_readonly import state


def run(folder: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code, out, _ = run_err(folder, *args, capsys=capsys)
    return code, out


def run_err(folder: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        code = main(["check", "--isolated", "--no-cache", *args])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argument", [".", "mlflow.db", "sqlite:///mlflow.db", "ABSOLUTE"])
def test_healthy_deployment_gives_no_finding(copy: Path, argument: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    if argument == "ABSOLUTE":
        argument = f"sqlite:///{copy / 'mlflow.db'}"
    before = state(copy)
    code, out = run(copy, argument, "--format", "json", capsys=capsys)
    assert code == 0, out
    assert json.loads(out)["diagnostics"] == []
    assert state(copy) == before


def test_units_of_a_deployment(copy: Path) -> None:
    report = mlint.run([copy], config=mlint.Config())
    assert report.diagnostics == []
    # The artifact root is not a file store: no tree, experiment, run or logged-model units.
    assert dict(report.units) == {"tracking_db": 1, "model": 1}


def test_deployment_found_inside_a_folder_walk(copy: Path) -> None:
    report = mlint.run([copy.parent], config=mlint.Config())
    assert report.diagnostics == [] and report.units["tracking_db"] == 1


def test_model_rules_run_on_the_version_folder(copy: Path) -> None:
    model = next(copy.rglob("MLmodel")).parent
    (model / "python_env.yaml").unlink()
    codes = {d.code for d in mlint.check([copy], config=mlint.Config())}
    assert "MLM011" in codes


def test_findings_carry_the_row_pointer(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corrupt(copy, "INSERT INTO registered_model_aliases (name, alias, version) "
                  "VALUES ('demo-model', 'champion', 7)")
    before = state(copy)
    code, out = run(copy, ".", "--format", "json", capsys=capsys)
    assert code == 1
    (finding,) = json.loads(out)["diagnostics"]
    assert finding["path"] == "mlflow.db" and finding["code"] == "TDB103"
    assert finding["pointer"] == "/registered_model_aliases/demo-model/champion/version"
    _, sarif = run(copy, ".", "--format", "sarif", capsys=capsys)
    (result,) = json.loads(sarif)["runs"][0]["results"]
    assert result["properties"]["pointer"] == finding["pointer"]
    _, text = run(copy, ".", capsys=capsys)
    assert "at /registered_model_aliases/demo-model/champion/version" in text
    assert state(copy) == before


def test_artifact_root_option(copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    moved = tmp_path / "store"
    shutil.move(artifact_root(copy), moved)
    code, out = run(copy, "mlflow.db", "--format", "json", capsys=capsys)
    assert code == 1 and "TDB100" in out
    code, out = run(copy, "mlflow.db", "--artifact-root", str(moved), "--format", "json", capsys=capsys)
    assert code == 0, out


def test_server_urls_without_sqlalchemy_name_the_extra(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # as if the extra were not installed
    code, out, err = run_err(tmp_path, "postgresql://user:secret@db/mlflow", capsys=capsys)
    assert code == 2 and out == ""
    assert "postgresql://user:***@db/mlflow" in err and "pip install 'mlint[postgres]'" in err
    assert "secret" not in err and "Traceback" not in err
    code, _, err = run_err(tmp_path, "mysql+pymysql://root:pw@localhost/mlflow", capsys=capsys)
    assert code == 2 and "pip install 'mlint[mysql]'" in err and ":pw@" not in err


def test_server_url_without_its_driver_names_the_extra(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    # pg8000 is a driver SQLAlchemy knows and mlint's extras do not install.
    code, _, err = run_err(tmp_path, "postgresql+pg8000://user:s3cret@db/mlflow", capsys=capsys)
    assert code == 2 and "driver is not installed (pg8000)" in err
    assert "pip install 'mlint[postgres]'" in err and "s3cret" not in err


def test_unsupported_server_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_err(tmp_path, "mssql+pyodbc://sa:s3cret@db/mlflow", capsys=capsys)
    assert code == 2 and "mssql tracking databases are not supported" in err and "s3cret" not in err


def test_result_cache_sees_database_and_artifact_changes(copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    def codes() -> set[str]:
        report = mlint.run([copy], config=mlint.Config(), cache_dir=cache)
        return {d.code for d in report.diagnostics}

    assert codes() == set()
    assert codes() == set()  # from the cache
    corrupt(copy, "INSERT INTO registered_model_aliases (name, alias, version) "
                  "VALUES ('demo-model', 'champion', 7)")
    assert codes() == {"TDB103"}
    orphan = artifact_root(copy) / "1" / ("e" * 32)
    orphan.mkdir()
    assert codes() == {"TDB103"}  # an empty folder is no finding (`mlflow gc` leaves them)
    (orphan / "f").write_text("x")
    assert codes() == {"TDB103", "TDB120"}


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://mlflow:s3cret@db:5432/mlflow", "postgresql://mlflow:***@db:5432/mlflow"),
    ("postgres://mlflow:s3cret@db:5432/mlflow", "postgres://mlflow:***@db:5432/mlflow"),
    ("mysql+pymysql://root:pw@localhost/mlflow", "mysql+pymysql://root:***@localhost/mlflow"),
    ("postgresql://db/mlflow?user=u&password=s3cret", "postgresql://db/mlflow?user=u&password=***"),
    ("https://ghp_token@github.com/x", "https://***@github.com/x"),
    ("postgresql://mlflow@db/mlflow", "postgresql://mlflow@db/mlflow"),
])
def test_refusals_redact_credentials(url: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    code, _, err = run_err(tmp_path, url, capsys=capsys)
    assert code == 2 and shown in err
    assert "s3cret" not in err and ":pw@" not in err and "ghp_token" not in err


@pytest.mark.parametrize("fmt", ["concise", "github", "gitlab", "grouped", "junit", "jsonl"])
def test_one_line_formats_name_the_row(copy: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    corrupt(copy, "INSERT INTO registered_model_aliases (name, alias, version) "
                  "VALUES ('demo-model', 'champion', 7)")
    code, out = run(copy, ".", "--format", fmt, capsys=capsys)
    assert code == 1
    assert "/registered_model_aliases/demo-model/champion/version" in out


def test_row_pointer_is_escaped_in_one_line_formats() -> None:
    """A pointer comes from the database (model names, tag keys): escaped like a message."""
    import io
    from collections import Counter

    from mlint.core.diagnostics import Diagnostic, Severity
    from mlint.core.engine import Report
    from mlint.reporters import concise, github, grouped

    hostile = "/model_versions/x\n::error file=forged::boom\x1b[2J/1/source"
    d = Diagnostic(path="mlflow.db", line=0, column=0, code="TDB100", name="model-version-artifacts-missing",
                   severity=Severity.ERROR, message="m", pointer=hostile, fingerprint="0" * 20)
    report = Report(diagnostics=[d], units=Counter({"tracking_db": 1}), files=1)
    for module in (concise, github, grouped):
        out = io.StringIO()
        module.render(report, out)
        text = out.getvalue()
        assert "\x1b" not in text
        assert not any(line.startswith("::error file=forged") for line in text.splitlines()), module


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u:s3@cret@db/mlflow", "postgresql://u:***@db/mlflow"),  # `@` in the password
    ("postgresql://u:s3/cret@db/mlflow", "postgresql://u:***@db/mlflow"),
    ("https://TOKEN@host/a@b", "https://***@host/a@b"),
    ("postgresql://db/mlflow?options=a@b", "postgresql://db/mlflow?options=a@b"),
    ("mysql+pymysql://db/mlflow?user=u&passwd=s3cret&x=1", "mysql+pymysql://db/mlflow?user=u&passwd=***&x=1"),
])
def test_redaction_edge_cases(url: str, shown: str) -> None:
    from mlint.trackingdb.server import redact

    assert redact(url) == shown


def test_driverless_postgres_urls_take_the_installed_driver() -> None:
    # SQLAlchemy 2.1's default for `postgresql://` is psycopg 3; the extra installs psycopg2.
    from mlint.trackingdb.server import _normal

    assert _normal("postgres://u@db/mlflow") == "postgresql+psycopg2://u@db/mlflow"
    assert _normal("postgresql://u@db/mlflow") == "postgresql+psycopg2://u@db/mlflow"
    assert _normal("postgresql+psycopg://u@db/mlflow") == "postgresql+psycopg://u@db/mlflow"
