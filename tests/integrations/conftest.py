"""Shared setup for the integration tests: a small workspace with known findings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlint.cli import main
from tests.conftest import DATA


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd = tmp_path holding `models/good` (a real MLflow 3.17.2 sklearn model folder) and
    `models/broken` (the same without its `model.skops`: one MLM011 finding)."""
    monkeypatch.chdir(tmp_path)
    for variable in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "CI_PROJECT_DIR"):  # report roots
        monkeypatch.delenv(variable, raising=False)
    shutil.copytree(REAL_MODEL, tmp_path / "models" / "good")
    shutil.copytree(REAL_MODEL, tmp_path / "models" / "broken")
    (tmp_path / "models" / "broken" / "model.skops").unlink()
    return tmp_path


REAL_MODEL = DATA / "mlflow" / "3.17.2" / "models" / "sklearn_default"
__all__ = ["REAL_MODEL", "run_cli", "workspace"]
