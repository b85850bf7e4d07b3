"""Identity rules: ids written inside files must match the folders that hold them.

MLflow's file store finds everything by folder name and trusts the ids inside the files to
agree; when they do not, MLflow silently ignores the entity or fails with an opaque
"metadata is in invalid state" error.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import Experiment, LoggedModel, ModelDir, Run
from mlint.rulekit.mlmodel import mlmodel_data


def _meta(unit: Run | Experiment | LoggedModel) -> dict[str, Any] | None:
    doc = unit.yaml("meta.yaml")
    return doc.data if doc is not None and isinstance(doc.data, dict) else None


@rule("RUN010", "run-id-mismatch", scope=Run, severity=ERROR)
def run_id_matches_folder(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`run_id` (and the legacy `run_uuid`) in a run's `meta.yaml` must equal the run folder's name.

    Why: MLflow 3 refuses such a run ("defense in depth" check in `FileStore._get_run_info`) and
    older versions mix up runs; `mlflow migrate-filestore` keys the database on the folder.
    Fix: restore the folder name, or the id, from the run's other records (tags, artifacts URI).

    Example: folder `mlruns/0/ab12…/` with `run_id: cd34…` in its meta.yaml.
    """
    meta = _meta(run)
    if meta is None:
        return
    for key in ("run_id", "run_uuid"):
        value = meta.get(key)
        if value is not None and str(value) != run.name:
            yield Problem(
                f"{key} '{value}' does not match the run folder '{run.name}'",
                file="meta.yaml", pointer=f"/{key}",
                hint="MLflow finds runs by folder name; make the folder and the id agree.",
            )


@rule("RUN011", "experiment-id-mismatch", scope=Experiment, severity=ERROR)
def experiment_id_matches_folder(experiment: Experiment, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`experiment_id` in an experiment's `meta.yaml` must equal its folder's name.

    Why: MLflow's file store skips such an experiment with only a log warning — its runs
    vanish from the UI and from `search_runs`, and migration drops them.
    Fix: rename the folder to the id, or set `experiment_id` to the folder name.
    """
    meta = _meta(experiment)
    if meta is None or meta.get("experiment_id") is None:
        return
    value = str(meta["experiment_id"])  # legacy files hold an int; MLflow converts it
    if value != experiment.name:
        yield Problem(
            f"experiment_id '{value}' does not match the experiment folder '{experiment.name}'; "
            "MLflow ignores this experiment and all its runs",
            file="meta.yaml", pointer="/experiment_id",
            hint="Rename the folder or fix the id so that they are equal.",
        )


@rule("RUN012", "run-experiment-mismatch", scope=Run, severity=ERROR)
def run_experiment_matches_parent(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run's `experiment_id` must equal the name of the experiment folder that contains it.

    Why: MLflow raises "metadata is in invalid state" when reading such a run; typical after
    moving run folders between experiments by hand.
    Fix: move the run back, or set `experiment_id` to the containing experiment's id.
    """
    meta = _meta(run)
    if meta is None or meta.get("experiment_id") is None or run.parent is None:
        return
    value = str(meta["experiment_id"])
    if value != run.parent.name:
        yield Problem(
            f"experiment_id '{value}' does not match the containing experiment folder "
            f"'{run.parent.name}'",
            file="meta.yaml", pointer="/experiment_id",
            hint="Runs cannot be moved between experiments by moving folders; move it back.",
        )


@rule("RUN013", "logged-model-id-mismatch", scope=LoggedModel, severity=ERROR)
def logged_model_ids_match(model: LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """An MLflow 3 logged model's `model_id` must equal its folder name, and its
    `experiment_id` the experiment folder that contains it.

    Why: `models:/m-…` URIs and registry versions resolve by folder; a mismatch makes the model
    unreachable or attached to the wrong experiment.
    Fix: restore the folder name or the ids from the model's MLmodel (`model_id`).
    """
    meta = _meta(model)
    if meta is None:
        return
    if meta.get("model_id") is not None and str(meta["model_id"]) != model.name:
        yield Problem(
            f"model_id '{meta['model_id']}' does not match the logged model folder '{model.name}'",
            file="meta.yaml", pointer="/model_id",
        )
    experiment = model.experiment
    exp_id = meta.get("experiment_id")
    if experiment is not None and exp_id is not None and str(exp_id) != experiment.name:
        yield Problem(
            f"experiment_id '{exp_id}' does not match the containing experiment folder '{experiment.name}'",
            file="meta.yaml", pointer="/experiment_id",
        )


@rule("MLM010", "mlmodel-run-id-mismatch", scope=ModelDir, severity=ERROR)
def mlmodel_run_matches_enclosing(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """An MLmodel's `run_id` (and in MLflow 3 its `model_id`) must agree with where it lives.

    For a model under a run's `artifacts/` (1.x/2.x layout) `run_id` must be that run's id. For
    an MLflow 3 logged model's `artifacts/`, `model_id` must be the logged model's id and
    `run_id` its `source_run_id`.

    Why: `runs:/<run_id>/<artifact_path>` URIs, the registry and `load_input_example` rely on
    these ids; a model copied from another run points at the wrong lineage.
    Fix: re-log the model from its run, or correct the ids.
    """
    data = mlmodel_data(model)
    if data is None:
        return
    run_id = data.get("run_id")
    if model.run is not None and run_id is not None and str(run_id) != model.run.name:
        yield Problem(
            f"run_id '{run_id}' does not match the run that contains this model ('{model.run.name}')",
            file="MLmodel", pointer="/run_id",
            hint="The model was probably copied from another run; log it again from this run.",
        )
    owner = model.logged_model
    if owner is None:
        return
    model_id = data.get("model_id")
    if model_id is not None and str(model_id) != owner.name:
        yield Problem(
            f"model_id '{model_id}' does not match the logged model folder '{owner.name}'",
            file="MLmodel", pointer="/model_id",
        )
    meta = _meta(owner)
    source_run = meta.get("source_run_id") if meta else None
    if run_id is not None and source_run is not None and str(run_id) != str(source_run):
        yield Problem(
            f"run_id '{run_id}' differs from the logged model's source_run_id '{source_run}'",
            file="MLmodel", pointer="/run_id",
        )
