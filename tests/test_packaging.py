"""A built wheel works on its own: installed into a fresh venv, `mlint check` runs and the
bundled schemas load through importlib.resources (not from the source tree)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO

SOURCES = ("pyproject.toml", "README.md", "validator", "rules", "schemas")


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("setuptools")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in SOURCES:  # build from a copy: building writes build/ and *.egg-info
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(work / "dist"), str(source)], check=True)
    [wheel] = (work / "dist").glob("mlint-*.whl")
    env = work / "venv"
    venv.create(env, with_pip=False)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(env), "platbase": str(env)}))
    # Dependencies come from this interpreter's site-packages (no network); mlint from the wheel.
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (purelib / "deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                    "--target", str(purelib), str(wheel)], check=True)
    return env


def test_wheel_carries_schemas_and_checks_a_model(wheel_venv: Path, tmp_path: Path) -> None:
    python = wheel_venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import mlint, mlint.schemas as s; "
                            "print(mlint.__file__); print(len(s.names()))"],
                           capture_output=True, text=True, check=True, cwd=tmp_path)
    module_file, schema_count = where.stdout.split()
    assert str(wheel_venv) in module_file, "mlint must be imported from the wheel, not the repo"
    assert int(schema_count) >= 10
    assert (Path(module_file).parent / "py.typed").is_file(), "the wheel must ship py.typed (PEP 561)"
    model = tmp_path / "model"
    model.mkdir()
    (model / "MLmodel").write_text("flavors: [sklearn]\nmodel_uuid: 1\n")
    result = subprocess.run([str(python), "-m", "mlint", "check", "model", "--format", "concise",
                             "--select", "MLM001"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "model/MLmodel:1:1: MLM001 [error]" in result.stdout


def test_wheel_carries_the_fixes(wheel_venv: Path, tmp_path: Path) -> None:
    python = wheel_venv / "bin" / "python"
    metrics = tmp_path / "mlruns" / "1" / "r1" / "metrics"
    metrics.mkdir(parents=True)
    (metrics / "loss").write_text("1 0.5 0\n1 0.5 0\n")
    result = subprocess.run([str(python), "-m", "mlint", "fix", "mlruns", "--select", "RUN200",
                             "--diff", "--no-cache"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "-1 0.5 0" in result.stdout
