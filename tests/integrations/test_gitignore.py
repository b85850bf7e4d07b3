"""Directory walks skip what git ignores (like ruff), unless `--no-respect-gitignore`; an
explicitly given path is checked anyway, and a `.gitignore` inside an artifact is not obeyed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import mlint
from tests.integrations.conftest import REAL_MODEL, run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git work tree: `models/good` (clean), `scratch/broken` (git-ignored, MLM011)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    shutil.copytree(REAL_MODEL, tmp_path / "models" / "good")
    shutil.copytree(REAL_MODEL, tmp_path / "scratch" / "broken")
    (tmp_path / "scratch" / "broken" / "model.skops").unlink()
    (tmp_path / ".gitignore").write_text("scratch/\n")
    return tmp_path


def units(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, int], list[str]]:
    code, out, err = run_cli(capsys, "check", "--no-cache", "--format", "json", *args)
    assert code in (0, 1), err
    data = json.loads(out)
    return code, data["summary"]["units"], [d["path"] for d in data["diagnostics"]]


def test_walks_skip_git_ignored_folders(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, counts, paths = units(capsys, ".")
    assert (code, counts, paths) == (0, {"model": 1}, [])


def test_no_respect_gitignore_walks_them(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, counts, paths = units(capsys, "--no-respect-gitignore", ".")
    assert code == 1 and counts == {"model": 2}
    assert paths == ["scratch/broken/MLmodel"]


def test_an_explicit_path_is_checked_even_if_ignored(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, counts, _ = units(capsys, "scratch/broken")
    assert code == 1 and counts == {"model": 1}


def test_tracked_files_are_never_ignored(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subprocess.run(["git", "add", "-f", "scratch"], cwd=repo, check=True)  # force-added: tracked
    code, counts, _ = units(capsys, ".")
    assert code == 1 and counts == {"model": 2}


def test_a_gitignore_inside_an_artifact_cannot_hide_it(repo: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # The model ships its own .gitignore hiding itself from a walk of the project.
    (repo / "models" / "good" / ".gitignore").write_text("*\n")
    (repo / "models" / "good" / "model.skops").unlink()
    code, counts, paths = units(capsys, ".")
    assert code == 1 and counts == {"model": 1}
    assert paths == ["models/good/MLmodel"]


def test_the_api_respects_gitignore_too_unless_told(repo: Path) -> None:
    assert mlint.run(".", mlint.Config()).units == {"model": 1}
    assert mlint.run(".", mlint.Config(respect_gitignore=False)).units == {"model": 2}


def test_outside_a_git_work_tree_nothing_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REAL_MODEL, tmp_path / "scratch" / "m")
    (tmp_path / ".gitignore").write_text("scratch/\n")  # not a repository: no meaning
    _, counts, _ = units(capsys, ".")
    assert counts == {"model": 1}
