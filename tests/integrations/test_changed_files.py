"""`mlint check --changed-files` (the pre-commit hook): each unit holding changed files is
checked once, with no MLT007 for its other files, at a cost that does not grow with the
number of files per unit."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mlint.discovery import layout
from mlint.discovery.walk import changed_files
from tests.conftest import DATA
from tests.integrations.conftest import REAL_MODEL, run_cli

REAL_TREE = DATA / "mlflow" / "3.17.2" / "mlruns"


def test_files_of_one_model_folder_give_one_check_and_no_mlt007(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = ["models/good/MLmodel", "models/good/conda.yaml", "models/good/requirements.txt"]
    code, out, err = run_cli(capsys, "check", "--changed-files", "--no-cache", "--format", "json", *files)
    assert code == 0, out + err
    report = json.loads(out)
    assert [d["code"] for d in report["diagnostics"]] == []  # MLT007 was reported twice
    assert report["summary"]["units"] == {"model": 1}


def test_directory_given_after_its_units_were_found_is_not_mlt007(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "concise", "models/good", "models")
    assert "MLT007" not in out
    assert code == 1  # models/broken still has its finding


def test_changed_files_keeps_one_path_per_unit_and_drops_outsiders(tmp_path: Path) -> None:
    tree = tmp_path / "mlruns"
    shutil.copytree(REAL_TREE, tree)
    shutil.copytree(REAL_MODEL, tmp_path / "m")
    (tmp_path / "README.md").write_text("not MLflow\n")
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    kept = changed_files([tmp_path / "README.md", *files, tmp_path / "m" / "MLmodel",
                          tmp_path / "m" / "conda.yaml"])
    assert tmp_path / "README.md" not in kept
    assert kept.count(tmp_path / "m" / "MLmodel") == 1 and tmp_path / "m" / "conda.yaml" not in kept
    # every unit of the tree that holds a file, once: far fewer paths than files
    assert 3 < len(kept) < len(files) / 3


def test_a_commit_of_many_files_classifies_each_folder_once(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The tracking-root test lists an experiment's logged models; it used to run again for
    every changed file (a 300-run commit: 600k listings). Now once per folder and check."""
    tree = tmp_path / "mlruns"
    shutil.copytree(REAL_TREE, tree)
    calls: list[str] = []
    original = layout._is_tracking_root

    def counting(folder: Path) -> bool:
        calls.append(os.fspath(folder))
        return original(folder)

    monkeypatch.setattr(layout, "_is_tracking_root", counting)
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    changed_files(files)
    once = len(calls)
    calls.clear()
    changed_files(files * 5)  # five times the files in the same folders: no more questions
    assert len(calls) == once
    assert len(calls) == len(set(calls)), "a folder was asked about twice in one scope"


def test_tracking_root_answers_are_not_kept_outside_a_check(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    assert not layout.is_tracking_root(folder)
    (folder / ".trash").mkdir()  # the tree changed between two questions outside a check
    assert layout.is_tracking_root(folder)


def test_an_excluded_first_file_does_not_hide_its_unit(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "mlint.toml").write_text('exclude = ["*.yaml"]\n')
    code, out, _ = run_cli(capsys, "check", "--changed-files", "--no-cache", "--format", "json",
                           "models/broken/conda.yaml", "models/broken/MLmodel")
    assert code == 1
    assert json.loads(out)["summary"]["units"] == {"model": 1}
