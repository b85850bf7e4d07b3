"""Built-in fixes for model folders (all unsafe: they change what a file declares)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from mlint.core.diagnostics import Diagnostic
from mlint.fixes.model import Edit, FixContext, fixer
from mlint.reading.files import parse_yaml

SIZE_LINE = re.compile(rb"^model_size_bytes:[ \t]*\d+[ \t]*$", re.MULTILINE)
ACTUAL_SIZE = re.compile(r"add up to ([\d,]+) bytes")


@fixer("MLM124", safe=False, owns=("*/MLmodel",),
       summary="set model_size_bytes to the size the files add up to now (this erases the "
               "evidence that files changed after saving: review first)")
def fix_model_size(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """The size comes from the finding (the rule measured it as MLflow does); only the
    `model_size_bytes:` line of a block-style MLmodel changes."""
    path = Path(finding.path)
    match = ACTUAL_SIZE.search(finding.message)
    raw = files.read(path)
    if path.name != "MLmodel" or match is None or raw is None:
        return
    actual = int(match.group(1).replace(",", ""))
    new = SIZE_LINE.sub(b"model_size_bytes: %d" % actual, raw, count=1)
    if new != raw:
        yield Edit(path, new, raw)


def _model_folder(path: Path, files: FixContext) -> Path | None:
    for folder in [path.parent, *path.parent.parents][:4]:
        if files.read(folder / "MLmodel") is not None:
            return folder
    return None


def _yaml(files: FixContext, path: Path) -> Any:
    raw = files.read(path)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return parse_yaml(text, path.name)


def _conda_file(model: Path, files: FixContext) -> Path | None:
    mlmodel = _yaml(files, model / "MLmodel")
    flavors = mlmodel.get("flavors") if isinstance(mlmodel, dict) else None
    pyfunc = flavors.get("python_function") if isinstance(flavors, dict) else None
    env = pyfunc.get("env") if isinstance(pyfunc, dict) else None
    rel = env.get("conda") if isinstance(env, dict) else env if isinstance(env, str) else None
    rel = rel if isinstance(rel, str) and rel else "conda.yaml"
    target = (model / rel)
    # Only a file inside the model folder; `..` or an absolute path is not followed.
    return target if ".." not in Path(rel).parts and not Path(rel).is_absolute() else None


def conda_pip_list(files: FixContext, conda: Path) -> list[str] | None:
    """The `pip:` list of a conda file, when it is a plain list of requirement strings."""
    data = _yaml(files, conda)
    deps = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(deps, list):
        return None
    pips = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    if len(pips) != 1 or not isinstance(pips[0], list):
        return None
    pip = pips[0]
    if not all(isinstance(p, str) and p.strip() and not p.strip().startswith("-") for p in pip):
        return None  # options (-r, -c, --index-url) are not copied blindly
    return [p.strip() for p in pip]


@fixer("ENV111", safe=False, owns=("*/requirements.txt",),
       summary="rewrite requirements.txt from the conda file's pip list (conda.yaml wins)")
def fix_requirements_from_conda(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """MLflow writes both files from one list; the conda file's pip list is taken as that list
    (one requirement per line, its order). Unsafe: whatever only requirements.txt declared is
    dropped — read the diff."""
    model = _model_folder(Path(finding.path), files)
    conda = _conda_file(model, files) if model is not None else None
    pip = conda_pip_list(files, conda) if conda is not None else None
    if model is None or pip is None:
        return
    target = model / "requirements.txt"
    raw = files.read(target)
    if raw is None:
        return
    yield Edit(target, "".join(f"{p}\n" for p in pip).encode("utf-8"), raw)


# mlflow.utils.environment._CONDA_DEPENDENCY_REGEX: what MLflow turns into build dependencies.
CONDA_BUILD_DEP = re.compile(r"^(?P<package>python|pip|setuptools|wheel)(?P<operator><|>|<=|>=|=|==|!=)?"
                             r"(?P<version>[\d.]+)?$")


def python_env_from_conda(conda: Any) -> bytes | None:
    """python_env.yaml as MLflow derives it from a conda env (`_PythonEnv.from_conda_yaml`,
    which MLflow itself falls back to), or None when MLflow would have to guess: no pinned
    Python (it would take the *current* interpreter's), or entries it rejects."""
    deps = conda.get("dependencies") if isinstance(conda, dict) else None
    if not isinstance(deps, list):
        return None
    python: str | None = None
    build: list[str] = []
    pip: list[str] = []
    for dep in deps:
        if isinstance(dep, dict) and list(dep) == ["pip"] and isinstance(dep["pip"], list):
            if not all(isinstance(p, str) for p in dep["pip"]):
                return None
            pip = list(dep["pip"])
            continue
        if not isinstance(dep, str):
            return None
        match = CONDA_BUILD_DEP.match(dep)
        if match is None:
            continue  # MLflow drops other conda packages too (with a warning)
        package, operator, version = match.group("package", "operator", "version")
        if package == "python":
            if python is None:
                if operator not in ("=", "==") or not version:
                    return None
                python = version
            continue
        build.append(package + ("==" if operator == "=" else operator or "") + (version or ""))
    if python is None:
        return None
    data: dict[str, Any] = {"python": python}
    if build:
        data["build_dependencies"] = build
    if pip:
        data["dependencies"] = pip
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False).encode("utf-8")


@fixer("MLM011", safe=False, owns=("*/python_env.yaml",),
       summary="write a missing python_env.yaml from conda.yaml as MLflow derives it (only that "
               "missing file; refused unless conda.yaml pins Python exactly)")
def fix_python_env(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """Unsafe: the file did not come from the environment the model was saved in, but from
    the conda description of it (MLflow's own fallback when the file is absent)."""
    path = Path(finding.path)
    if path.name != "MLmodel" or "env.virtualenv" not in finding.message:
        return
    mlmodel = _yaml(files, path)
    flavors = mlmodel.get("flavors") if isinstance(mlmodel, dict) else None
    pyfunc = flavors.get("python_function") if isinstance(flavors, dict) else None
    env = pyfunc.get("env") if isinstance(pyfunc, dict) else None
    rel = env.get("virtualenv") if isinstance(env, dict) else None
    conda = _conda_file(path.parent, files)
    if rel != "python_env.yaml" or conda is None or files.exists(path.parent / rel):
        return
    new = python_env_from_conda(_yaml(files, conda))
    if new is not None:
        yield Edit(path.parent / rel, new, None)
