"""Never open what a rule rejected: a path the MLmodel references that leaves the model folder
(absolute, `..`, a symlink of any component pointing out) is reported (MLM100) and never
opened, so no output format can quote a secret outside the checked root (ENV001 used to quote
`'machine … password s3cr3t-…' is not of type 'object'` from `env.conda: /home/ci/.netrc`).

Opening is audited in a subprocess with `sys.addaudithook` (every `open`/`os.open` of a path
under the secret folder is recorded), so "never opened" is observed, not inferred.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlint.reporters import REPORTERS

SECRET = "machine example.com login ci password s3cr3t-canary-4242"

_AUDITED_RUN = r"""
import sys
secret_dir = sys.argv[1]
opened = []
def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes)):
        name = args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace")
        if name.startswith(secret_dir):
            opened.append(name)
sys.addaudithook(hook)
from mlint.cli import main
code = main(sys.argv[2:])
sys.stderr.write("\nOPENED=" + repr(opened) + "\n")
sys.exit(code)
"""

MLMODEL = """\
artifact_path: model
flavors:
  python_function:
    env:
      conda: {conda}
      virtualenv: {virtualenv}
    loader_module: mlflow.sklearn
    python_version: 3.11.9
saved_input_example_info:
  artifact_path: {example}
  type: json_object
mlflow_version: 2.22.0
"""


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """(checked root, secret folder, how each model references the secret)."""
    secrets = tmp_path / "home-ci"
    secrets.mkdir()
    for name in (".netrc", "conda.yaml", "python_env.yaml", "example.json"):
        (secrets / name).write_text(SECRET + "\n")
    root = tmp_path / "checked"
    cases = {
        "absolute": (str(secrets / ".netrc"), str(secrets / "python_env.yaml"),
                     str(secrets / "example.json")),
        "dotdot": ("../../home-ci/.netrc", "../../home-ci/python_env.yaml", "../../home-ci/example.json"),
        "symlinked-folder": ("envdir/conda.yaml", "envdir/python_env.yaml", "envdir/example.json"),
    }
    for name, (conda, virtualenv, example) in cases.items():
        model = root / name
        model.mkdir(parents=True)
        (model / "MLmodel").write_text(MLMODEL.format(conda=conda, virtualenv=virtualenv,
                                                      example=example))
        os.symlink(secrets, model / "envdir", target_is_directory=True)
    # A final-component symlink under the default names (no env key at all).
    plain = root / "symlinked-file"
    plain.mkdir()
    (plain / "MLmodel").write_text("flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n")
    os.symlink(secrets / "conda.yaml", plain / "conda.yaml")
    os.symlink(secrets / "python_env.yaml", plain / "python_env.yaml")
    return root, secrets, list(cases)


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_secret_outside_the_root_is_never_opened_nor_quoted(layout: tuple[Path, Path, list[str]],
                                                            fmt: str, tmp_path: Path) -> None:
    root, secrets, cases = layout
    result = subprocess.run(
        [sys.executable, "-c", _AUDITED_RUN, str(secrets), "check", str(root), "--format", fmt,
         "--no-cache"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "OPENED=[]" in result.stderr, result.stderr
    assert "s3cr3t" not in result.stdout and "s3cr3t" not in result.stderr
    assert "MLM100" in result.stdout
    if fmt == "json":
        found = {(Path(d["path"]).parent.name, d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
        for case in cases:
            assert (case, "MLM100") in found


def test_guard_refuses_before_reading(layout: tuple[Path, Path, list[str]]) -> None:
    """The one resolver every read goes through (`Unit.load`) refuses each escaping form."""
    from mlint.discovery.units import Context, ModelDir
    from mlint.reading.filecache import FileCache
    from mlint.reading.files import FileFailure

    root, secrets, _ = layout
    model = ModelDir(root / "absolute", Context(root, root, FileCache()))
    for rel in (str(secrets / ".netrc"), "../../home-ci/.netrc", "envdir/conda.yaml", "a/../../x",
                "envdir/../../checked/absolute/MLmodel"):
        loaded = model.load(rel, "text")
        assert isinstance(loaded, FileFailure) and loaded.code == "MLM100", (rel, loaded)
    assert model.context.cache.files_read == 0
    assert model.yaml("MLmodel") is not None and model.outside("sub/../MLmodel") == ""
