"""Environment files against each other and against the MLmodel: the same requirements in
conda.yaml and requirements.txt, the same Python everywhere, pins matching saved versions."""

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from packaging.version import Version

from mlint.core.diagnostics import ERROR, INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.reading.requirements import specifier_key
from mlint.rulekit.envfiles import (
    REQUIREMENTS,
    Located,
    conda_packages,
    conda_pip,
    declared,
    env_file,
    parse_version,
    requirements_txt,
    version_pins,
    yaml_mapping,
)
from mlint.rulekit.mlmodel import flavors, mlmodel_data

# _PythonEnv.from_conda_yaml (mlflow/utils/environment.py).
CONDA_DEP = re.compile(r"^(python|pip|setuptools|wheel)(<|>|<=|>=|=|==|!=)?([\d.]+)?$")
# flavor → (version key in the flavor, distributions that provide the library).
FLAVOR_LIBRARIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "sklearn": ("sklearn_version", ("scikit-learn",)),
    "xgboost": ("xgb_version", ("xgboost", "xgboost-cpu")),
    "lightgbm": ("lgb_version", ("lightgbm",)),
    "pytorch": ("pytorch_version", ("torch",)),
    "transformers": ("transformers_version", ("transformers",)),
    "keras": ("keras_version", ("keras", "tensorflow", "tensorflow-cpu", "tensorflow-macos")),
    "onnx": ("onnx_version", ("onnx",)),
    "catboost": ("catboost_version", ("catboost",)),
    "statsmodels": ("statsmodels_version", ("statsmodels",)),
    "spark": ("pyspark_version", ("pyspark", "pyspark-connect")),
    "langchain": ("langchain_version", ("langchain",)),
}
MLFLOW_NAMES = ("mlflow", "mlflow-skinny", "mlflow-tracing")


class PythonPin(NamedTuple):
    """Conda's `python` dependency: its file, position in `dependencies`, operator and version."""

    file: str
    position: int
    operator: str
    version: str


def _python_pin(model: ModelDir) -> PythonPin | None:
    """Conda's `python` dependency, or None when there is none."""
    rel = env_file(model, "conda")
    data = yaml_mapping(model, rel)
    deps = data.get("dependencies") if data else None
    if not isinstance(deps, list):
        return None
    for i, dep in enumerate(deps):
        if isinstance(dep, str) and re.match(r"^python\b(?![-_])", dep.strip()):
            match = CONDA_DEP.match(dep.strip().replace(" ", ""))
            if match is None:
                return PythonPin(rel, i, "?", dep)
            return PythonPin(rel, i, match.group(2) or "", match.group(3) or "")
    return None


@rule("ENV110", "environment-files-missing", scope=ModelDir, severity=ERROR)
def environment_files_present(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pyfunc model has none of `conda.yaml`, `python_env.yaml` and `requirements.txt`, and
    its MLmodel names no environment file.

    Why: MLflow cannot rebuild the model's environment (`mlflow models serve`, `build-docker`,
    `spark_udf` with `env_manager` conda/virtualenv/uv) and cannot warn about version
    mismatches at load time. (Env files the MLmodel names but that are missing are MLM011.)
    Fix: re-save the model, or write the files with
    `mlflow.models.update_model_requirements` after adding a `requirements.txt`.
    """
    pyfunc = flavors(model).get("python_function")
    if pyfunc is None or pyfunc.get("env"):
        return
    if any(model.exists(f) for f in ("conda.yaml", "python_env.yaml", REQUIREMENTS)):
        return
    yield Problem("no environment file (conda.yaml, python_env.yaml or requirements.txt): "
                  "MLflow cannot rebuild this model's environment", file="MLmodel",
                  pointer="/flavors/python_function",
                  hint="Re-save the model so that MLflow writes its environment files.")


@rule("ENV111", "conda-requirements-differ", scope=ModelDir, severity=WARNING)
def conda_matches_requirements(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The conda `pip:` list and `requirements.txt` must declare the same requirements (names
    normalised per PEP 503; same specifiers, extras and markers).

    Why: MLflow writes them from one list. When they differ, the environment depends on the
    `env_manager` (conda reads conda.yaml, virtualenv/uv read requirements.txt), so a model
    that works in one deployment breaks in another.
    Fix: edit both the same way — `mlflow.models.update_model_requirements` keeps them in sync.
    """
    txt = requirements_txt(model)
    conda = conda_pip(model)
    if txt is None or conda is None or not conda.entries:
        return
    conda_rel, pip = conda

    def keyed(lines: list[Located]) -> dict[str, Located]:
        out: dict[str, Located] = {}
        for found in lines:
            e = found.entry
            if e.kind == "error":
                continue  # ENV100
            out.setdefault(e.name if e.kind == "requirement" else f"{e.kind}:{e.text}", found)
        return out

    left, right = keyed(txt), keyed(pip)
    for key, found in left.items():
        other = right.get(key)
        if other is None:
            yield Problem(f"'{found.entry.text}' is in {REQUIREMENTS} but not in the {conda_rel} "
                          "pip list", subject=key, related=(conda_rel,), **found.where(),
                          hint="Declare it in both files (update_model_requirements does).")
        elif specifier_key(found.entry) != specifier_key(other.entry):
            yield Problem(f"'{found.entry.text}' differs from '{other.entry.text}' in "
                          f"{other.describe(model)}", subject=key, related=(conda_rel,),
                          **found.where(), hint="Make both declarations identical.")
    for key, found in right.items():
        if key not in left:
            yield Problem(f"'{found.entry.text}' is in the {conda_rel} pip list but not in "
                          f"{REQUIREMENTS}", subject=key, related=(REQUIREMENTS,), **found.where(),
                          hint="Declare it in both files (update_model_requirements does).")


@rule("ENV112", "conda-python-unpinned", scope=ModelDir, severity=ERROR)
def conda_python_pinned(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """conda.yaml's `python` dependency must be pinned with `=`, `==`, `<=` or `>=` and a
    version, as `_PythonEnv.from_conda_yaml` requires.

    Why: without `python_env.yaml`, MLflow derives the virtualenv from conda.yaml and raises on
    a bare `python` or on `<`, `>`, `!=`. With `python_env.yaml` present only conda restores
    are affected, so it is then a warning.
    Fix: pin the interpreter the model was saved with, e.g. `python=3.11.7`.
    """
    pin = _python_pin(model)
    if pin is None:
        return
    rel, i, op, version = pin
    if op in ("=", "==", "<=", ">=") and version:
        return
    has_venv = model.is_file(env_file(model, "virtualenv"))
    shown = version if op == "?" else f"python{op}{version}"
    yield Problem(f"conda python dependency '{shown}' is not pinned with =, ==, <= or >= and a "
                  "version", file=rel, pointer=f"/dependencies/{i}",
                  severity=WARNING if has_venv else None,
                  hint="Pin it to the saving interpreter, e.g. 'python=3.11.7'.")


def _mm(version: str) -> tuple[str, ...]:
    return tuple(version.strip().split("."))


@rule("ENV113", "python-version-mismatch", scope=ModelDir, severity=WARNING)
def python_versions_agree(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The Python version must agree across `python_function.python_version`, conda.yaml's
    `python` pin and python_env.yaml's `python`: a major.minor difference is a warning, a patch
    difference is reported as info.

    Why: MLflow writes the same interpreter version in all three; the rebuilt environment uses
    the env file's version while pickles were written by the MLmodel's, and a pickle from
    another minor version often fails to load. MLflow itself only logs a warning at load
    (`_warn_potentially_incompatible_py_version_if_necessary`), so this is a warning too.
    Fix: make all three name the interpreter the model was saved with.
    """
    data = mlmodel_data(model)
    if data is None:
        return
    pyfunc = flavors(model).get("python_function", {})
    ref = pyfunc.get("python_version")
    ref_where = "MLmodel python_version"
    others: list[tuple[str, str, str]] = []  # (file, pointer, version)
    venv_rel = env_file(model, "virtualenv")
    venv = yaml_mapping(model, venv_rel)
    if venv is not None and isinstance(venv.get("python"), str):
        others.append((venv_rel, "/python", venv["python"]))
    pin = _python_pin(model)
    if pin is not None and pin.operator in ("=", "==") and pin.version:
        others.append((pin.file, f"/dependencies/{pin.position}", pin.version))
    if not isinstance(ref, str) or not ref:
        if len(others) < 2:
            return
        ref, ref_where = others[0][2], f"{others[0][0]} python"
        others = others[1:]
    for rel, pointer, version in others:
        a, b = _mm(ref), _mm(version)
        if a[:2] != b[:2]:
            yield Problem(f"Python {version} here but {ref} in {ref_where}", file=rel,
                          pointer=pointer, related=("MLmodel",),
                          hint="Use the interpreter version the model was saved with everywhere.")
        elif len(a) > 2 and len(b) > 2 and a[:3] != b[:3]:
            yield Problem(f"Python {version} here but {ref} in {ref_where} (patch level only)",
                          file=rel, pointer=pointer, severity=INFO, related=("MLmodel",))


@rule("ENV114", "mlflow-pin-mismatch", scope=ModelDir, severity=WARNING)
def mlflow_pin_matches(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The `mlflow` pin in the requirements must match `mlflow_version` in MLmodel. A dev
    version `X.Y.Z.devN` is pinned as `X.Y.(Z-1)` by MLflow itself; 1.x writes an unpinned
    `mlflow`, which is not reported.

    Why: the rebuilt environment then runs another MLflow than the one that wrote the model;
    loaders and MLmodel handling change between versions.
    Fix: pin the writer's version (`mlflow.models.update_model_requirements`).
    """
    data = mlmodel_data(model)
    written = parse_version(data.get("mlflow_version")) if data else None
    if written is None:
        return
    expected = {written.public, Version(f"{written.major}.{written.minor}.{written.micro}").public}
    if written.is_devrelease and written.micro > 0:
        expected.add(f"{written.major}.{written.minor}.{written.micro - 1}")
    pins = version_pins(model)
    for name in MLFLOW_NAMES:
        if name in pins:
            found, version = pins[name]
            if version.public not in expected:
                yield Problem(f"{name} is pinned to {version} but the model was written by "
                              f"MLflow {data.get('mlflow_version') if data else ''}",
                              subject=name, related=("MLmodel",), **found.where(),
                              hint="Pin the version in mlflow_version.")


@rule("ENV115", "flavor-version-mismatch", scope=ModelDir, severity=WARNING)
def flavor_versions_match(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A flavor's saved library version (`sklearn_version`, `xgb_version`, `lgb_version`,
    `pytorch_version`, `transformers_version`, `keras_version`, `onnx_version`, …, and
    PythonModel's `cloudpickle_version`) must match that library's pin in the requirements
    (local version labels such as `+cpu` ignored).

    Why: the model was serialized by one version and would be loaded by another; pickled
    estimators and boosters routinely fail or misbehave across versions.
    Fix: pin the version the flavor records (`mlflow.models.update_model_requirements`).
    """
    found_flavors = flavors(model)
    pins = version_pins(model)
    checks: list[tuple[str, str, tuple[str, ...]]] = []
    for flavor, (key, dists) in FLAVOR_LIBRARIES.items():
        if flavor in found_flavors:
            checks.append((flavor, key, dists))
    checks.append(("python_function", "cloudpickle_version", ("cloudpickle",)))
    for flavor, key, dists in checks:
        saved = parse_version(found_flavors.get(flavor, {}).get(key))
        if saved is None:
            continue
        for dist in dists:
            if dist in pins:
                where, version = pins[dist]
                if version.public != saved.public and dist == dists[0]:
                    yield Problem(f"{dist} is pinned to {version} but the {flavor} flavor was "
                                  f"saved with {key} {saved}", subject=dist, related=("MLmodel",),
                                  **where.where(), hint=f"Pin {dist}=={saved.public}.")


@rule("ENV116", "flavor-library-missing", scope=ModelDir, severity=WARNING)
def flavor_library_declared(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The library a flavor needs (scikit-learn for `sklearn`, torch for `pytorch`, …) is not
    in the model's requirements at all (pip requirements, or conda packages of conda.yaml).
    Not reported when the requirements include other files
    or URLs, which may provide it.

    Why: a rebuilt environment lacks the library and loading fails with ModuleNotFoundError,
    unless another requirement happens to pull it in (e.g. pycaret brings scikit-learn) — an
    accident the model should not rely on.
    Fix: `mlflow.models.update_model_requirements(model_uri, "add", ["<library>==<version>"])`.
    """
    entries = declared(model)
    if not entries or any(f.entry.kind in ("include", "url", "path", "editable", "error")
                          for f in entries):
        return
    names = {f.entry.name for f in entries if f.entry.kind == "requirement"}
    source = REQUIREMENTS if requirements_txt(model) is not None else env_file(model, "conda")
    names |= conda_packages(model)
    found_flavors = flavors(model)
    for flavor, (_key, dists) in FLAVOR_LIBRARIES.items():
        if flavor in found_flavors and not names.intersection(dists):
            yield Problem(f"the {flavor} flavor needs {dists[0]}, which is not in {source}",
                          file="MLmodel", pointer=f"/flavors/{flavor}", subject=dists[0],
                          related=(source,),
                          hint=f"Add {dists[0]} (update_model_requirements does it).")
