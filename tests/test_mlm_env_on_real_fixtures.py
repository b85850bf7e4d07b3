"""Every MLM, ENV and PKL rule (opt-in ones included) over every model folder and tree written
by real MLflow: no error, no warning. (tests/test_real_mlflow_trees.py covers all default rules.)

The MLM/ENV rules compare MLmodel with the files beside it; a finding on MLflow's own output
would be a false positive by definition. ENV102 (unpinned, off by default) is selected too and
allowed only at info level, where MLflow itself writes unpinned lines; so is PKL102 (info: a
cloudpickled PythonModel carries code by design).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mlint import Config, run
from mlint.core.diagnostics import INFO
from tests.data.fixture_tree import MLFLOW_FIXTURES, materialize

VERSIONS = sorted(p.name for p in MLFLOW_FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("version", VERSIONS)
def test_mlflow_written_fixtures_have_no_findings(version: str, tmp_path: Path) -> None:
    tree = materialize(MLFLOW_FIXTURES / version, tmp_path / version)
    config = dataclasses.replace(Config(), select=("MLM", "ENV", "PKL"))
    diagnostics = run([str(tree)], config).diagnostics
    serious = [d for d in diagnostics if d.severity != INFO]
    assert serious == []
    # PKL102 (off by default) notes at info level that pyfunc python_model.pkl carries code.
    assert {d.code for d in diagnostics} <= {"ENV102", "PKL102"}
    # The checks did look at models: the trees hold model folders with env files.
    assert list(tree.rglob("MLmodel")) and list(tree.rglob("requirements.txt"))
