"""The Python API as a type-checked caller uses it: ordered severities, a validated Config,
`Report.exit_code` matching the command line, and `py.typed` (checked in the built wheel by
tests/test_packaging.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import mlint
from mlint import Config, Severity
from mlint.core.config import ConfigError
from mlint.core.engine import Report
from tests.conftest import REPO
from tests.integrations.conftest import REAL_MODEL


def test_severities_are_ordered_by_rank_not_by_text() -> None:
    assert Severity.ERROR > Severity.WARNING > Severity.INFO
    assert Severity.INFO < Severity.ERROR and Severity.WARNING >= Severity.WARNING
    assert sorted([Severity.WARNING, Severity.ERROR, Severity.INFO]) == [
        Severity.INFO, Severity.WARNING, Severity.ERROR]
    assert max(Severity) is Severity.ERROR
    assert Severity.ERROR > "warning" and Severity.WARNING > "info"  # named as text
    assert Severity.ERROR == "error"  # still a str enum for JSON and comparisons by value
    with pytest.raises(TypeError):
        _ = Severity.ERROR > "fatal"


@pytest.mark.parametrize("kwargs, field", [
    ({"fail_on": "fatal"}, "fail_on"),
    ({"fail_on": 3}, "fail_on"),
    ({"select": "RUN"}, "select"),
    ({"ignore": ["RUN", 1]}, "ignore"),
    ({"severity": {"RUN": "bad"}}, "severity"),
    ({"max_file_bytes": 0}, "max_file_bytes"),
    ({"max_nesting_depth": True}, "max_nesting_depth"),
    ({"paths": "mlruns"}, "paths"),
    ({"per_path_ignores": {"a/*": "RUN"}}, "per_path_ignores"),
    ({"rule_options": {"RUN001": 3}}, "rule_options"),
    ({"pickle_allow": [("a.b.C",)]}, "pickle_allow"),
    ({"respect_gitignore": "no"}, "respect_gitignore"),
])
def test_config_rejects_bad_values_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=f"Config.{field}"):
        Config(**kwargs)  # type: ignore[arg-type]


def test_config_normalises_what_it_accepts() -> None:
    config = Config(fail_on="warning", select=["RUN"], severity={"RUN001": "info"}, paths=["mlruns"],
                    baseline="b.json")  # type: ignore[arg-type]
    assert config.fail_on is Severity.WARNING and config.select == ("RUN",)
    assert config.severity == {"RUN001": Severity.INFO}
    assert config.paths == (Path("mlruns"),) and config.baseline == Path("b.json")
    assert isinstance(ConfigError("x"), ValueError)  # callers may catch ValueError


def test_report_exit_code_matches_the_command_line(tmp_path: Path) -> None:
    shutil.copytree(REAL_MODEL, tmp_path / "good")
    assert mlint.run(tmp_path / "good", Config()).exit_code == 0
    (tmp_path / "good" / "model.skops").unlink()  # MLM011, an error
    assert mlint.run(tmp_path / "good", Config()).exit_code == 1
    warned = mlint.run(tmp_path / "good", Config(severity={"MLM011": "warning"}))
    assert warned.diagnostics and warned.exit_code == 0
    strict = Config(severity={"MLM011": "warning"}, fail_on="warning")  # type: ignore[arg-type]
    assert mlint.run(tmp_path / "good", strict).exit_code == 1
    assert Report(internal_error=True).exit_code == 2


def test_py_typed_ships_in_the_package() -> None:
    assert (REPO / "validator" / "py.typed").is_file()
    assert '"mlint" = ["py.typed"]' in (REPO / "pyproject.toml").read_text()


def test_the_api_names_its_error_and_report_types() -> None:
    assert mlint.ConfigError is ConfigError and mlint.Report is Report
