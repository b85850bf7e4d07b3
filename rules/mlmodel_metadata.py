"""Identity and metadata of an MLmodel: ids, creation time, artifact_path and size."""

import os
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from mlint.core.diagnostics import INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.reading.files import walk
from mlint.rulekit.mlmodel import flavors, mlmodel_data, references

HEX32 = re.compile(r"^[0-9a-f]{32}$")
MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
# Files MLflow writes after measuring model_size_bytes (flavor save_model: MLmodel and the env
# files come after get_total_file_size; Model.log adds environment_variables.txt and re-saves
# MLmodel; the models-URI download helper adds registered_model_meta). Databricks / model
# registry downloads add `metadata/` holding copies of the four metadata files.
WRITTEN_AFTER_SIZE = frozenset({
    "MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt", "constraints.txt",
    "environment_variables.txt", "registered_model_meta",
})
METADATA_COPIES = frozenset({"MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt"})


@rule("MLM120", "model-id-format", scope=ModelDir, severity=WARNING)
def model_ids_well_formed(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`model_uuid` must be 32 lowercase hex characters (or, in MLflow 3, the `m-<32 hex>`
    logged-model id), and `model_id` must be `m-<32 hex>`; in MLflow 3 both must be equal
    when `model_id` is set.

    Why: MLflow writes `uuid4().hex` and `m-` + hex ids; the registry, `models:/` URIs and the
    logged-model store look models up by these ids, so a hand-edited id breaks lineage.
    Fix: restore the ids MLflow wrote (the logged model folder name is the `model_id`).
    """
    data = mlmodel_data(model)
    if data is None:
        return
    uuid, model_id = data.get("model_uuid"), data.get("model_id")
    if isinstance(uuid, str) and not (HEX32.match(uuid) or MODEL_ID.match(uuid)):
        yield Problem(f"model_uuid {uuid!r} is neither 32 lowercase hex characters nor 'm-<32 hex>'",
                      file="MLmodel", pointer="/model_uuid")
    if isinstance(model_id, str) and not MODEL_ID.match(model_id):
        yield Problem(f"model_id {model_id!r} is not 'm-' followed by 32 lowercase hex characters",
                      file="MLmodel", pointer="/model_id")
    elif isinstance(model_id, str) and isinstance(uuid, str) and uuid != model_id:
        yield Problem(f"model_uuid {uuid!r} differs from model_id {model_id!r}; MLflow 3 writes "
                      "the same id in both", file="MLmodel", pointer="/model_uuid",
                      hint="Set model_uuid to the model_id.")


@rule("MLM121", "created-time-invalid", scope=ModelDir, severity=WARNING)
def created_time_parses(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`utc_time_created` has MLflow's `YYYY-MM-DD HH:MM:SS[.ffffff]` shape but is not a real
    date and time (e.g. month 13, hour 25).

    Why: MLflow writes `str(datetime)`; tools that sort or display models by creation time
    (and `datetime.fromisoformat`) fail on impossible values. The shape itself is checked by
    the MLmodel schema rule.
    Fix: restore the original timestamp.
    """
    data = mlmodel_data(model)
    value = data.get("utc_time_created") if data else None
    if not isinstance(value, str) or not TIME.match(value):
        return
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        yield Problem(f"utc_time_created {value!r} is not a valid date and time ({exc})",
                      file="MLmodel", pointer="/utc_time_created")


@rule("MLM122", "run-id-format", scope=ModelDir, severity=INFO)
def run_id_well_formed(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`run_id` is not the 32-lowercase-hex id of MLflow's tracking stores.

    Why: informational. MLflow loads such a model (it never parses `run_id`), and some
    writers use other ids (Azure AutoML), but `runs:/<run_id>/…` lookups in an MLflow file or
    SQL store will not find the run.
    Fix: nothing, if the model comes from such a service; otherwise restore the run id.
    """
    data = mlmodel_data(model)
    run_id = data.get("run_id") if data else None
    if isinstance(run_id, str) and not HEX32.match(run_id):
        yield Problem(f"run_id {run_id!r} is not a 32-hex MLflow run id", file="MLmodel",
                      pointer="/run_id")


@rule("MLM123", "artifact-path-mismatch", scope=ModelDir, severity=WARNING)
def artifact_path_matches_location(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`artifact_path` must agree with where the model folder is: the run-relative path under
    the run's `artifacts/` (MLflow 1.x/2.x), or a URI ending in
    `<experiment>/models/<model_id>/artifacts` for an MLflow 3 logged model. Only the
    tree-relative suffix is compared, since a copied tree keeps URIs from another machine.

    Why: `Model.load_input_example`, `runs:/` URIs and the registry locate the model through
    it; a moved or copied folder silently points elsewhere.
    Fix: move the folder back, or re-log the model where it should live.
    """
    data = mlmodel_data(model)
    value = data.get("artifact_path") if data else None
    if not isinstance(value, str) or not value:
        return
    if model.run is not None and "://" not in value and ":" not in value[:3]:
        actual = model.artifact_path
        if actual is not None and value.strip("/") != actual:
            yield Problem(f"artifact_path '{value}' but the model folder is at '{actual}' in the "
                          f"run's artifacts", file="MLmodel", pointer="/artifact_path",
                          hint="Models cannot be moved inside a run by moving folders; re-log it.")
    owner = model.logged_model
    if owner is not None and "/" in value:
        exp = owner.experiment.name if owner.experiment is not None else None
        suffix = f"models/{owner.name}/artifacts" if exp is None else f"{exp}/models/{owner.name}/artifacts"
        if not value.rstrip("/").endswith("/" + suffix):
            yield Problem(f"artifact_path '{value}' does not end with '{suffix}', where this "
                          "logged model's artifacts are", file="MLmodel", pointer="/artifact_path")


def _code_after_size(model: ModelDir) -> str | None:
    """The `code` folder of a model saved by `mlflow.pyfunc.save_model`, which copies
    `code_paths` AFTER measuring model_size_bytes (`_save_model_with_class_artifacts_params`,
    `_save_model_with_loader_module_and_data_path`); flavors such as sklearn, xgboost and
    lightgbm copy their code first, so it is counted there."""
    found = flavors(model)
    code = found.get("python_function", {}).get("code")
    if set(found) != {"python_function"} or not isinstance(code, str) or not code:
        return None
    return os.path.normpath(code)


def _folder_size(model: ModelDir) -> int | None:
    total = 0
    code = _code_after_size(model)
    for current, _dirs, files in walk(model.path):  # iterative: no RecursionError when deep
        rel = os.path.relpath(current, model.path)
        if code is not None and (rel == code or rel.startswith(code + os.sep)):
            continue
        for name in files:
            if (rel == "." and name in WRITTEN_AFTER_SIZE) or (rel == "metadata" and name in METADATA_COPIES):
                continue
            try:
                total += os.path.getsize(os.path.join(current, name))
            except OSError:
                return None
    return total


@rule("MLM124", "model-size-mismatch", scope=ModelDir, severity=WARNING)
def model_size_matches(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`model_size_bytes` must equal the size of the model folder as MLflow measured it (every
    file except those MLflow writes after measuring: `MLmodel`, `conda.yaml`,
    `python_env.yaml`, `requirements.txt`, `constraints.txt`, `environment_variables.txt`,
    `registered_model_meta`, the copies of the metadata files in `metadata/`, and the `code`
    folder of a plain pyfunc model, which `mlflow.pyfunc.save_model` copies after measuring).
    Not reported when a referenced file is missing (MLM011).

    Why: a different size means files were added, removed, truncated or replaced after the
    model was saved (a partial upload or copy, a swapped model file).
    Fix: re-copy the model folder completely, or re-save the model.
    """
    data = mlmodel_data(model)
    declared = data.get("model_size_bytes") if data else None
    if not isinstance(declared, int) or isinstance(declared, bool) or declared < 0:
        return
    if any(not os.path.exists(model.file(r.path)) for r in references(model)):
        return
    actual = _folder_size(model)
    if actual is not None and actual != declared:
        yield Problem(f"model_size_bytes is {declared:,} but the model files add up to {actual:,} "
                      "bytes", file="MLmodel", pointer="/model_size_bytes",
                      hint="Files were changed after saving; re-copy or re-save the model.")
