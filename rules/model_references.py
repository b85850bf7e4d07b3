"""Files and folders that an MLmodel references must exist in the model folder."""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.reading.paths import real_child, real_path
from mlint.rulekit.mlmodel import Reference, mlmodel_data, references


def grouped_references(model: ModelDir) -> dict[str, list[Reference]]:
    """References keyed by the model-relative path they resolve to (one finding per path)."""
    grouped: dict[str, list[Reference]] = {}
    for ref in references(model):
        grouped.setdefault(ref.path, []).append(ref)
    return grouped


def keys_text(refs: list[Reference]) -> str:
    return ", ".join(r.pointer.lstrip("/").replace("/", ".").replace("~1", "/").replace("~0", "~")
                     for r in refs)


def escapes(model: ModelDir, rel: str) -> str:
    """Why `rel` leaves the model folder ('' when it stays inside)."""
    # Four MLM rules ask this for every reference (~20 times per folder): answer once.
    memo: dict[str, str] = model.__dict__.setdefault("_escapes", {})
    why = memo.get(rel)
    if why is None:
        why = memo[rel] = _escapes(model, rel)
    return why


def _escapes(model: ModelDir, rel: str) -> str:
    import os
    import posixpath

    if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        return "is an absolute path"
    if posixpath.normpath(rel.replace("\\", "/")).split("/")[0] == "..":
        return "climbs out of the model folder with '..'"
    if "\x00" in rel:  # os.path functions raise on NUL; no such file can exist (MLM011 says so)
        return ""
    # real_path: os.path.realpath resolved the model folder again for every reference (~5%
    # of a check); it resolves each parent folder once, with the same result.
    real_model = real_path(model.path)
    real = real_child(real_model, model.file(rel), rel)
    if os.path.lexists(model.file(rel)) and real != real_model and not real.startswith(real_model + os.sep):
        return "resolves through a symlink to a place outside the model folder"
    return ""


@rule("MLM011", "referenced-file-missing", scope=ModelDir, severity=ERROR)
def referenced_files_exist(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Every file or folder an MLmodel references must exist in the model folder.

    Checked: `pickled_model`, `model_path`, `data`, `code`, `python_model`,
    `artifacts.*.path`, `model_code_path` (by basename, as MLflow resolves it), the `env`
    files (the string form of MLflow < 2.0 too), `saved_input_example_info.artifact_path` and
    `serving_input_path`, `extra_files[].path`, and the data paths of the common flavors
    (pytorch `model_data`, tensorflow/keras `data`/`saved_model_dir`, xgboost, lightgbm,
    catboost, onnx and statsmodels `data`, shap `serialized_explainer`, spark `model_data`,
    transformers `model_binary`,
    `components` and `peft_adaptor`, langchain data keys). A dangling symlink counts as missing.

    Why: `mlflow.pyfunc.load_model` and environment restoration open these paths; a missing
    one fails only at deployment time, often after the model was promoted. Public model folders
    often lack their pickles because they were git-ignored or stored with Git LFS.
    Fix: add the missing file (check `.gitignore` and LFS), or re-save the model.

    Example: `flavors.sklearn.pickled_model: model.pkl` with no `model.pkl` beside MLmodel.
    """
    import os

    if mlmodel_data(model) is None:
        return
    for rel, refs in grouped_references(model).items():
        if escapes(model, rel) or os.path.exists(model.file(rel)):
            continue
        dangling = os.path.lexists(model.file(rel))
        what = "is a dangling symlink" if dangling else "does not exist in the model folder"
        written = f" (written as '{refs[0].written}', MLflow uses its basename)" if refs[0].written else ""
        yield Problem(
            f"'{rel}' {what}{written} (referenced by {keys_text(refs)})",
            file="MLmodel", pointer=refs[0].pointer, subject=rel,
            hint="Add the file (is it git-ignored or stored with Git LFS?) or re-save the model.",
        )
