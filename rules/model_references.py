"""Files and folders that an MLmodel references must exist in the model folder."""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.diagnostics import ERROR, Problem
from mlint.linemap import join_pointer
from mlint.mlmodel import flavors, mlmodel_data
from mlint.registry import rule
from mlint.units import ModelDir

# (flavor, key) pairs whose value is a model-relative path MLflow opens at load time.
FLAVOR_PATH_KEYS: tuple[tuple[str, str], ...] = (
    ("python_function", "model_path"),
    ("python_function", "data"),
    ("python_function", "python_model"),
    ("sklearn", "pickled_model"),
)


def referenced_paths(model: ModelDir) -> Iterator[tuple[str, str]]:
    """(JSON pointer, model-relative path) for each path-valued key MLflow reads."""
    found = flavors(model)
    for flavor, key in FLAVOR_PATH_KEYS:
        value = found.get(flavor, {}).get(key)
        if isinstance(value, str) and value:
            yield join_pointer("flavors", flavor, key), value
    env = found.get("python_function", {}).get("env")
    if isinstance(env, str) and env:  # MLflow < 2.0 wrote the conda file name as a string
        yield join_pointer("flavors", "python_function", "env"), env
    elif isinstance(env, dict):
        for key in ("conda", "virtualenv"):
            if isinstance(env.get(key), str) and env[key]:
                yield join_pointer("flavors", "python_function", "env", key), env[key]


@rule("MLM011", "referenced-file-missing", scope=ModelDir, severity=ERROR)
def referenced_files_exist(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Every file an MLmodel references (`pickled_model`, `model_path`, `data`,
    `python_model`, the `env` files) must exist in the model folder.

    Why: `mlflow.pyfunc.load_model` and environment restoration open these paths; a missing
    one fails only at deployment time, often after the model was promoted. Public model folders
    often lack their pickles because they were git-ignored or stored with Git LFS.
    Fix: add the missing file (check `.gitignore` and LFS), or re-save the model.

    Example: `flavors.sklearn.pickled_model: model.pkl` with no `model.pkl` beside MLmodel.
    """
    if mlmodel_data(model) is None:
        return
    pointers: dict[str, list[str]] = {}
    for pointer, rel in referenced_paths(model):
        pointers.setdefault(rel, []).append(pointer)
    for rel, where in pointers.items():
        if not model.exists(rel):
            keys = ", ".join(p.lstrip("/").replace("/", ".") for p in where)
            yield Problem(
                f"'{rel}' does not exist in the model folder (referenced by {keys})",
                file="MLmodel", pointer=where[0], subject=rel,
                hint="Add the file (is it git-ignored or stored with Git LFS?) or re-save the model.",
            )
