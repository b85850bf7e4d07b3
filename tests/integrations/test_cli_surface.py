"""What a new user meets on the command line: `-q`, `--show-settings`, `--show-files`,
`| head`, a malformed config file, and remote inputs (refused, not mangled into paths)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integrations.conftest import run_cli

# Object stores (`s3://`, `gs://`, …) are read since #19 (tests/remote); MLflow's own schemes,
# web servers and protocols fsspec does not know are still refused.
REMOTE = ["runs:/0123abcd/model", "models:/iris/1",
          "https://example.com/model", "http://example.com/m",
          "mssql://user@host/db", "dbfs:/databricks/mlflow", "wasbs://c@a.blob.core.windows.net/m"]
# `sqlite:///…`, `postgresql://…` and `mysql+pymysql://…` are tracking databases (tests/trackingdb);
# other server databases are refused with their own message.
SERVER_DATABASES = ("mssql://",)


def test_quiet_prints_findings_but_no_summary(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "models", "--no-cache")
    assert code == 1 and "Checked 2 units" in out
    code, quiet, err = run_cli(capsys, "check", "models", "--no-cache", "-q")
    assert code == 1 and "MLM011" in quiet
    assert "Checked" not in quiet and "Checked" not in err
    code, clean, _ = run_cli(capsys, "check", "models/good", "--no-cache", "-q", "--format", "grouped")
    assert code == 0 and clean == ""


def test_show_settings_lists_the_rules_in_force(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "--show-settings")
    assert code == 0
    assert "select = []" not in out.splitlines()
    [line] = [x for x in out.splitlines() if x.startswith("rules-in-force = ")]
    codes = eval(line.split("=", 1)[1])  # a Python list literal of codes
    assert "MLM011" in codes and "PKL100" in codes and len(codes) > 50
    code, out, _ = run_cli(capsys, "check", "--show-settings", "--select", "RUN", "--ignore", "RUN011")
    [line] = [x for x in out.splitlines() if x.startswith("rules-in-force = ")]
    codes = eval(line.split("=", 1)[1])
    assert codes and all(c.startswith("RUN") for c in codes) and "RUN011" not in codes


def test_show_files_lists_each_unit_with_its_kind(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "--show-files", "models", "nowhere")
    assert code == 0
    lines = out.splitlines()
    assert "model\tmodels/broken" in lines and "model\tmodels/good" in lines
    assert any(line.startswith("# MLT001 nowhere") for line in lines)
    code, out, _ = run_cli(capsys, "check", "--show-files", "--changed-files",
                           "models/good/MLmodel", "models/good/conda.yaml", "README.md")
    assert out.splitlines() == ["model\tmodels/good"]


def test_malformed_config_is_exit_2_with_the_parse_error(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "pyproject.toml").write_text('[tool.mlint]\nselect = ["RUN"\n')
    code, out, err = run_cli(capsys, "check", "models")
    assert code == 2 and out == ""
    assert "pyproject.toml: invalid TOML: Unclosed array" in err
    (workspace / "pyproject.toml").unlink()
    (workspace / "mlint.toml").write_text("select = [RUN]\n")
    code, _, err = run_cli(capsys, "check", "models")
    assert code == 2 and "mlint.toml: invalid TOML" in err


def test_malformed_config_raises_in_the_api(workspace: Path) -> None:
    import mlint
    from mlint.core.config import ConfigError

    (workspace / "pyproject.toml").write_text("[tool.mlint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        mlint.check("models")


def test_output_into_a_closed_pipe_is_quiet_and_keeps_the_exit_code(workspace: Path) -> None:
    for fmt in ("full", "json"):
        process = subprocess.Popen([sys.executable, "-m", "mlint", "check", "models", "--no-cache",
                                    "--format", fmt], cwd=workspace, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # like `| head` that has already exited
        err = process.stderr.read().decode()
        assert process.wait(timeout=120) == 1, err  # the finding, not 2
        assert "Broken pipe" not in err and "Exception ignored" not in err and "error" not in err


@pytest.mark.parametrize("uri", REMOTE)
def test_remote_inputs_are_refused_with_exit_2(uri: str, workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(capsys, "check", uri)
    assert code == 2 and out == ""
    if uri.startswith(SERVER_DATABASES):
        assert f"{uri}: mssql tracking databases are not supported" in err
    else:
        assert f"{uri}: remote inputs are not supported yet" in err
    assert "MLT001" not in err


def test_remote_inputs_are_refused_by_the_api(workspace: Path) -> None:
    import mlint
    from mlint.core.config import ConfigError

    # `Path("s3://b/m")` is `s3:/b/m`: mangled, so refused rather than guessed at.
    for uri in (Path("s3://bucket/model"), "models:/iris/1", "https://example.com/model"):
        with pytest.raises(ConfigError, match="remote inputs are not supported yet"):
            mlint.check(uri, mlint.Config())
    with pytest.raises(ConfigError, match="remote inputs"):
        mlint.run(["models/good", "runs:/abc/model"])
    with pytest.raises(ConfigError, match="local path"):
        mlint.check("file:///tmp/model", mlint.Config())
    # A Windows drive letter is a path, not a scheme.
    assert [d.code for d in mlint.check("C:/no/such/model", mlint.Config())] == ["MLT001"]


def test_remote_paths_in_the_config_are_refused(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "mlint.toml").write_text('paths = ["models", "s3://bucket/mlruns"]\n')
    code, out, err = run_cli(capsys, "check")
    assert code == 2 and out == ""
    assert "'paths': s3://bucket/mlruns: remote inputs are not supported in `paths`" in err
    (workspace / "mlint.toml").write_text('paths = ["models", "runs:/abc/model"]\n')
    code, out, err = run_cli(capsys, "check")
    assert code == 2 and "'paths': runs:/abc/model: remote inputs are not supported yet" in err
