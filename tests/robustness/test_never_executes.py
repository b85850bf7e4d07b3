"""Never executes: canary artifacts leave no trace after `mlint check`, in-process or as a CLI.

The canaries (canaries.py) write a marker file and set an environment variable if anything
imports, unpickles or runs them: REDUCE pickles built from raw opcodes, a `loader_module` in
the model's `code/`, a `model_code_path` script, `sitecustomize.py`/`conftest.py`/modules
named like mlint's own imports inside the artifact, which the subprocess runs from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.canaries import canary_model, payload, reduce_pickle
from tests.robustness.corpus import EXP, RUN, synthetic_files, write_tree
from tests.robustness.engine_helpers import assert_no_crash, run_all

MLINT_SCRIPT = Path(sys.executable).with_name("mlint")


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    tree = write_tree(tmp_path / "tree", synthetic_files())
    canary_model(tree / "canary_model", markers)
    canary_model(tree / "mlruns" / EXP / RUN / "artifacts" / "canary", markers)
    (tree / "mlruns" / EXP / RUN / "artifacts" / "notes" / "evil.pkl").write_bytes(
        reduce_pickle(payload(markers, "artifact_pickle")))
    return tree, markers


def assert_untouched(markers: Path) -> None:
    assert sorted(p.name for p in markers.iterdir()) == []
    assert not [k for k in os.environ if k.startswith("MLINT_CANARY_")]
    # The canary model's own modules (code/canary_loader.py, code/model_code.py); a test module
    # such as tests/pickles/test_canary.py may legitimately be imported in the same process.
    assert not [m for m in sys.modules
                if m.rsplit(".", 1)[-1] in ("canary_loader", "model_code", "sitecustomize_canary")]


def test_canaries_really_fire(setup: tuple[Path, Path], tmp_path: Path) -> None:
    """The canaries are live: running one the way MLflow would leaves its trace."""
    tree, markers = setup
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLINT_CANARY_")}
    subprocess.run([sys.executable, "-c", "import pickle, sys; pickle.load(open(sys.argv[1], 'rb'))",
                    str(tree / "canary_model" / "python_model.pkl")], check=True, env=env)
    subprocess.run([sys.executable, "-c", "import pickle, sys; pickle.load(open(sys.argv[1], 'rb'))",
                    str(tree / "canary_model" / "model.pkl")], check=True, env=env)
    subprocess.run([sys.executable, "-c", "import canary_loader"], check=True, env=env,
                   cwd=tree / "canary_model" / "code")
    assert sorted(p.name for p in markers.iterdir()) == ["loader_module", "model_pkl", "python_model"]
    for marker in markers.iterdir():
        marker.unlink()


def test_in_process_check_executes_nothing(setup: tuple[Path, Path]) -> None:
    tree, markers = setup
    for paths in ([tree], [tree / "canary_model"], [tree / "canary_model" / "python_model.pkl"]):
        report = run_all(paths)
        assert_no_crash(report)
        assert report.units["model"] >= 1
    assert_untouched(markers)


@pytest.mark.skipif(not MLINT_SCRIPT.exists(), reason="the mlint console script is not installed")
@pytest.mark.parametrize("where", ["canary_model", "."])
def test_cli_run_from_inside_the_artifact_executes_nothing(setup: tuple[Path, Path], where: str) -> None:
    """The console script, with the hostile folder as working directory (where sitecustomize.py,
    yaml.py, mlint.py… sit), as a CI job would run it."""
    tree, markers = setup
    env = {**os.environ, "PYTHONPATH": ""}
    result = subprocess.run([str(MLINT_SCRIPT), "check", ".", "--format", "json"], cwd=tree / where,
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    assert '"MLT900"' not in result.stdout
    assert_untouched(markers)


def test_python_dash_m_with_safe_path_executes_nothing(setup: tuple[Path, Path]) -> None:
    """`python -m mlint` puts the working directory first on sys.path (a Python rule, not
    mlint's): inside an untrusted folder use the script, or `python -P -m mlint` (3.11+)."""
    if sys.version_info < (3, 11):
        pytest.skip("-P needs Python 3.11")
    tree, markers = setup
    result = subprocess.run([sys.executable, "-P", "-m", "mlint", "check", "."],
                            cwd=tree / "canary_model", capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    assert_untouched(markers)


def test_copied_canary_still_fires_when_imported(tmp_path: Path) -> None:
    """Sanity check of the sitecustomize canary itself (so a silent test above means something)."""
    markers = tmp_path / "m"
    markers.mkdir()
    model = canary_model(tmp_path / "model", markers)
    shutil.copy(model / "yaml.py", tmp_path / "yaml.py")
    subprocess.run([sys.executable, "-c", "import yaml"], cwd=tmp_path, check=True)
    assert (markers / "yaml").exists()


CONFIG_NAMES = ["mlint.toml", ".mlint.toml", "pyproject.toml"]


@pytest.mark.parametrize("name", CONFIG_NAMES)
@pytest.mark.parametrize("inside", ["canary_model", "canary_model/code", "mlruns",
                                    f"mlruns/{EXP}/{RUN}/artifacts/canary"])
def test_config_shipped_inside_the_artifact_is_not_trusted(setup: tuple[Path, Path], name: str,
                                                           inside: str) -> None:
    """A config file inside the checked artifact could import code (`rules-paths`) or switch
    the gate off (`ignore = ["ALL"]`): it is not read (it was, and it ran the code)."""
    tree, markers = setup
    evil = tree / inside / "evil_rules.py"
    evil.write_text(payload(markers, "rules_paths") + "\n")
    (tree / inside / name).write_text(
        '[tool.mlint]\nrules-paths = ["evil_rules.py"]\nignore = ["ALL"]\nmax-file-bytes = 1\n')
    checked = tree / inside if inside != "canary_model/code" else tree / "canary_model"
    result = subprocess.run([str(MLINT_SCRIPT), "check", str(checked), "--format", "concise"],
                            cwd=tree / inside, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr  # findings, not silenced
    assert "MLT004" not in result.stdout  # the hostile max-file-bytes = 1 was not applied
    assert_untouched(markers)


HOSTILE_CONFIG = '[tool.mlint]\nrules-paths = ["evil_rules.py"]\nignore = ["ALL"]\nmax-file-bytes = 1\n'


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_config_at_the_root_of_a_checked_folder_is_not_trusted(setup: tuple[Path, Path], name: str,
                                                              tmp_path: Path) -> None:
    """`mlint check downloaded/` where `downloaded/` (not itself an MLflow artifact) ships a
    config file: it was obeyed — its `rules-paths` module was imported and `ignore = ["ALL"]`
    hid the malicious pickles. Only the working directory's config (or --config) is trusted."""
    tree, markers = setup
    (tree / "evil_rules.py").write_text(payload(markers, "rules_paths") + "\n")
    (tree / name).write_text(HOSTILE_CONFIG)
    elsewhere = tmp_path / "ci-workspace"
    elsewhere.mkdir()
    result = subprocess.run([str(MLINT_SCRIPT), "check", str(tree), "--format", "concise"],
                            cwd=elsewhere, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert " PKL" in result.stdout and "MLT004" not in result.stdout
    assert f"not reading {tree / name}" in result.stderr
    assert_untouched(markers)


def test_api_does_not_read_config_inside_the_checked_paths(setup: tuple[Path, Path], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import mlint

    tree, markers = setup
    (tree / "evil_rules.py").write_text(payload(markers, "rules_paths") + "\n")
    (tree / "mlint.toml").write_text(HOSTILE_CONFIG)
    monkeypatch.chdir(tmp_path / "markers")  # an empty folder outside the tree
    found = {d.code for d in mlint.check([tree])}
    assert any(code.startswith("PKL") for code in found) and "MLT004" not in found
    assert_untouched(markers)


def test_the_working_directorys_own_config_still_applies(setup: tuple[Path, Path]) -> None:
    """`mlint check .` at the root of the user's repository keeps obeying its config."""
    tree, markers = setup
    (tree / "mlint.toml").write_text('ignore = ["ALL"]\n')
    result = subprocess.run([str(MLINT_SCRIPT), "check", ".", "--format", "concise"],
                            cwd=tree, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr
    result = subprocess.run([str(MLINT_SCRIPT), "check", str(tree), "--format", "concise",
                             "--config", str(tree / "mlint.toml")],
                            cwd=tree.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_untouched(markers)


def test_trusted_config_rule(tmp_path: Path) -> None:
    """The rule itself: the working directory's chain is trusted, never an artifact's config,
    and only a config off that chain is named as not read."""
    from mlint.core.config_file import trusted_config, untrusted_config

    repo = tmp_path / "repo"
    (repo / "sub" / "model").mkdir(parents=True)
    (repo / "mlint.toml").write_text("")
    (repo / "sub" / "mlint.toml").write_text("")
    (repo / "sub" / "model" / "MLmodel").write_text("flavors: {}\n")
    (repo / "sub" / "model" / "mlint.toml").write_text("")
    assert trusted_config(repo) == repo / "mlint.toml"
    assert trusted_config(repo / "sub") == repo / "sub" / "mlint.toml"
    # From inside a model folder: its own config is skipped, the project's above is used.
    assert trusted_config(repo / "sub" / "model") == repo / "sub" / "mlint.toml"
    assert untrusted_config([repo / "sub"], repo / "mlint.toml", cwd=repo) == repo / "sub" / "mlint.toml"
    assert untrusted_config([repo], repo / "mlint.toml", cwd=repo) is None
    assert untrusted_config([repo], repo / "sub" / "mlint.toml", cwd=repo / "sub") is None
