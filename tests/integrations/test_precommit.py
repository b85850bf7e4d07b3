"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit against a temporary git
repository that uses a clone of this repository (at HEAD) as its hook source."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.integrations.conftest import REAL_MODEL

pytest.importorskip("pre_commit")


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def commit(project: Path, env: dict[str, str], message: str) -> tuple[int, str]:
    """`git commit` through the installed hook: (exit code, everything pre-commit printed)."""
    git(project, "add", "-A")
    done = subprocess.run(["git", "commit", "-q", "-m", message], cwd=project, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    return done.returncode, done.stdout + done.stderr


def test_hooks_declare_what_pre_commit_needs() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["mlint"]["require_serial"] is True and "--changed-files" in hooks["mlint"]["entry"]
    assert hooks["mlint-all"]["pass_filenames"] is False
    import re

    files = re.compile(hooks["mlint"]["files"])
    for path in ("m/MLmodel", "mlruns/0/abc/metrics/loss", "m/model.pkl", "m/conda.yaml"):
        assert files.search(path), path
    for path in ("README.md", "src/train.py", "MLmodel.bak"):
        assert not files.search(path), path


def test_real_pre_commit_runs_both_hooks(tmp_path: Path) -> None:
    if git(REPO, "rev-parse", "HEAD").returncode != 0:
        pytest.skip("the repository is not a git checkout")
    source = tmp_path / "hook-source"
    assert git(tmp_path, "clone", "-q", str(REPO), str(source)).returncode == 0
    rev = git(source, "rev-parse", "HEAD").stdout.strip()

    project = tmp_path / "project"
    shutil.copytree(REAL_MODEL, project / "models" / "iris")
    (project / "README.md").write_text("a project with a model\n")
    (project / "requirements.txt").write_text("mlflow\n")  # not part of any model: skipped
    # A broken model in a git-ignored scratch folder: mlint-all must not walk into it.
    shutil.copytree(REAL_MODEL, project / "scratch" / "broken")
    (project / "scratch" / "broken" / "model.skops").unlink()
    (project / ".gitignore").write_text("scratch/\n")
    config = {"repos": [{"repo": str(source), "rev": rev, "hooks": [{"id": "mlint"}, {"id": "mlint-all"}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GITHUB_ACTIONS", None)
    git(project, "init", "-q")
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr

    code, clean = commit(project, env, "add a clean model")
    assert code == 0, clean
    assert "mlint (MLflow artifacts)" in clean and "Passed" in clean

    mlmodel = project / "models" / "iris" / "MLmodel"
    mlmodel.write_text(mlmodel.read_text().replace("pickled_model: model.skops", "pickled_model: gone.skops"))
    code, broken = commit(project, env, "break the MLmodel")
    assert code != 0
    assert "models/iris/MLmodel:" in broken and "MLM011" in broken
    assert broken.count("Failed") == 2, broken  # both hooks

    git(project, "checkout", "HEAD", "--", "models/iris/MLmodel")  # undo the staged breakage
    (project / "models" / "iris" / "model.skops").unlink()  # a deleted file is never passed
    code, deleted = commit(project, env, "delete the pickle")
    assert code != 0
    assert "'model.skops' does not exist" in deleted
    lines = deleted.splitlines()
    changed_hook = next(line for line in lines if line.startswith("mlint (MLflow artifacts)"))
    assert "Skipped" in changed_hook  # only the whole-tree hook catches a deletion
