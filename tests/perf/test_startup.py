"""Start-up: a check imports only what its units and its output need (docs/performance.md).

A pre-commit run on one model folder pays for every module imported, so the heavy ones —
the enforcement module with numpy and pandas, jsonschema, the reporters not asked for — are
imported where they are first used. These tests look at `sys.modules` after a real check in a
fresh interpreter; they assert which modules are loaded, never how long anything took.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# A clean model folder MLflow 3.17.2 wrote (skops flavor) with no signature and no input example.
NO_SIGNATURE = REPO / "tests/data/mlflow/3.17.2/mlruns/0/models/m-04c579c969be47568585d916b374fb8e/artifacts"
# A clean model folder with a column signature and an input example (SIG120/SIG121 enforce it).
WITH_EXAMPLE = REPO / "examples/model"
# An MLflow-written column example with datetime and binary columns (pandas decides those).
DATETIME_EXAMPLE = REPO / "tests/data/sig/models/pyfunc_dataframe_types"

HEAVY = ("pandas", "numpy", "pyarrow", "scipy", "mlint.enforcement", "jsonschema", "referencing")
REPORTERS = ("full", "concise", "grouped", "json_format", "jsonl", "sarif", "github", "gitlab", "junit")

_PROBE = """
import json, sys
from mlint.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\n" + json.dumps({"exit": code, "modules": sorted(sys.modules)}))
"""


def _check(*args: str) -> tuple[str, int, set[str]]:
    """Run `mlint check ARGS` in a fresh interpreter: its output, exit code and loaded modules."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, "check", "--no-cache", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
    output, _, last = proc.stdout.rstrip("\n").rpartition("\n")
    result = json.loads(last)
    return output, result["exit"], set(result["modules"])


def _loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.mark.parametrize(("fmt", "module"),
                         [("full", "full"), ("concise", "concise"), ("json", "json_format")])
def test_a_model_without_signature_imports_no_heavy_module(fmt: str, module: str) -> None:
    output, code, modules = _check("--format", fmt, str(NO_SIGNATURE))
    assert code == 0, output
    assert "MLM" not in output and "SIG" not in output  # a clean check, not a crash
    assert {name for name in HEAVY if _loaded(modules, name)} == set()
    reporters = {name for name in REPORTERS if f"mlint.reporters.{name}" in modules}
    # `full` draws on `concise` for locations; no other format is imported.
    assert reporters == ({module, "concise"} if module == "full" else {module})
    assert not _loaded(modules, "xml")  # JUnit's ElementTree


def test_deselected_enforcement_rules_do_not_import_it() -> None:
    """A model with an input example, with the SIG rules off: nothing imports enforcement."""
    output, code, modules = _check("--ignore", "SIG", "--format", "concise", str(WITH_EXAMPLE))
    assert code == 0, output
    assert {name for name in HEAVY if _loaded(modules, name)} == set()


def test_enforcement_is_imported_when_an_example_is_enforced() -> None:
    """The control: the same probe sees the enforcement module when a rule needs it. The iris
    example is decided by `mlint.enforcement.fastcols`, so pandas stays out."""
    output, code, modules = _check("--format", "concise", str(WITH_EXAMPLE))
    assert code == 0, output
    assert "mlint.enforcement" in modules
    assert "mlint.enforcement.fastcols" in modules
    assert not _loaded(modules, "pandas")


def test_a_column_example_that_needs_pandas_still_gets_it() -> None:
    """The control for the line above: a datetime column is left to the pandas path."""
    output, _, modules = _check("--format", "concise", str(DATETIME_EXAMPLE))
    assert "SIG120" not in output and "could not evaluate" not in output, output
    assert _loaded(modules, "pandas")


def test_an_invalid_file_still_gets_jsonschema_messages(tmp_path: Path) -> None:
    """jsonschema is imported lazily, when the compiled check says "invalid"."""
    model = tmp_path / "model"
    model.mkdir()
    for name in ("MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt", "model.skops"):
        (model / name).write_bytes((NO_SIGNATURE / name).read_bytes())
    (model / "python_env.yaml").write_text("python: 3.11.7\nbuild_dependencies: 7\n")
    output, code, modules = _check("--format", "concise", "--select", "ENV", str(model))
    assert code == 1, output
    assert "python_env.yaml" in output and "jsonschema" in modules


@pytest.mark.parametrize("name", ["allowlist.yaml", "allowlist_libs.yaml", "code.yaml", "denylist.yaml",
                                  "distributions.yaml"])
def test_policy_files_load_the_same_with_libyaml(name: str) -> None:
    """The pickle policy is read with libyaml (a quarter second less start-up); the data must be
    what PyYAML's pure-Python safe loader gives."""
    from mlint.pickles import policy

    text = resources.files("mlint.pickles").joinpath(name).read_text(encoding="utf-8")
    assert policy._load_yaml(name) == yaml.safe_load(text)


_PRELOAD = """
import sys
from mlint.core.config import Config
from mlint.core.engine import Engine
from mlint.core.registry import load_registry
from mlint.perf.parallel import preload
preload(Engine(load_registry(), Config(ignore=tuple(sys.argv[1:]))))
print("mlint.enforcement" in sys.modules)
"""


@pytest.mark.parametrize(("ignore", "loaded"), [((), True), (("SIG",), False)])
def test_a_pool_preloads_what_enabled_rules_import_lazily(ignore: tuple[str, ...], loaded: bool) -> None:
    """Before forking, the parent imports the enabled rules' FORK_PRELOAD modules once, so the
    workers share them instead of each importing numpy and pandas."""
    proc = subprocess.run([sys.executable, "-c", _PRELOAD, *ignore], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=True)
    assert proc.stdout.strip() == str(loaded)
