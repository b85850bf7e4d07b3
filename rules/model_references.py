"""Files and folders that an MLmodel references must exist in the model folder."""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.rulekit.mlmodel import mlmodel_data
from mlint.rulekit.references import escapes, grouped_references, keys_text


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
