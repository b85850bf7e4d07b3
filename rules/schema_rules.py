"""Schema rules, generated from one table: file kind → JSON Schema → rule code.

Each row becomes a rule whose documentation is derived from the row. A file that does not
parse is reported once by the engine (MLT002); these rules then have nothing to check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlint import schemas
from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import RuleFunc, rule
from mlint.discovery.units import Experiment, LoggedModel, ModelDir, RegisteredModel, Run, Unit
from mlint.reading.linemap import split_pointer
from mlint.rulekit.envfiles import env_file
from mlint.rulekit.mlmodel import signature_parts


@dataclass(frozen=True)
class SchemaCheck:
    code: str
    name: str
    scope: type[Unit]
    schema: str
    files: Callable[[Any], Iterable[str]]
    what: str
    required: bool = False


def _fixed(rel: str) -> Callable[[Unit], list[str]]:
    return lambda unit: [rel]


def _each(folder: str, prefix: str = "") -> Callable[[Unit], list[str]]:
    return lambda unit: [f"{folder}/{n}/meta.yaml" if folder else f"{n}/meta.yaml"
                         for n in unit.subdirs(folder) if n.startswith(prefix)]


def _env_file(key: str) -> Callable[[ModelDir], list[str]]:
    """The env file MLflow would read (`python_function.env`, else the default name), if present."""

    def files(model: ModelDir) -> list[str]:
        name = env_file(model, key)
        return [name] if model.is_file(name) else []

    return files


TABLE: tuple[SchemaCheck, ...] = (
    SchemaCheck("MLM001", "mlmodel-schema", ModelDir, "mlmodel", _fixed("MLmodel"),
                "the MLmodel file (top-level keys, flavors, signature container, input example info)",
                required=True),
    SchemaCheck("ENV001", "conda-env-schema", ModelDir, "conda-env", _env_file("conda"),
                "the conda environment file"),
    SchemaCheck("ENV002", "python-env-schema", ModelDir, "python-env",
                _env_file("virtualenv"),
                "the virtualenv description `python_env.yaml` (MLflow rejects unknown keys)"),
    SchemaCheck("RUN001", "experiment-meta-schema", Experiment, "experiment-meta", _fixed("meta.yaml"),
                "an experiment's `meta.yaml`", required=True),
    SchemaCheck("RUN002", "run-meta-schema", Run, "run-meta", _fixed("meta.yaml"),
                "a run's `meta.yaml`", required=True),
    SchemaCheck("RUN003", "logged-model-meta-schema", LoggedModel, "logged-model-meta",
                _fixed("meta.yaml"), "an MLflow 3 logged model's `meta.yaml`", required=True),
    SchemaCheck("RUN004", "run-input-meta-schema", Run, "run-input-meta", _each("inputs"),
                "each `inputs/<id>/meta.yaml` of a run (dataset and model inputs)"),
    SchemaCheck("RUN005", "run-output-meta-schema", Run, "run-output-meta", _each("outputs"),
                "each `outputs/<model_id>/meta.yaml` of a run (MLflow 3)"),
    SchemaCheck("RUN006", "dataset-meta-schema", Experiment, "dataset-meta", _each("datasets"),
                "each `datasets/<id>/meta.yaml` of an experiment"),
    SchemaCheck("REG001", "registered-model-meta-schema", RegisteredModel, "registered-model-meta",
                _fixed("meta.yaml"), "a registered model's `meta.yaml`", required=True),
    SchemaCheck("REG002", "model-version-meta-schema", RegisteredModel, "model-version-meta",
                _each("", "version-"), "each `version-<N>/meta.yaml` of a registered model"),
)


def check_file(check: SchemaCheck, unit: Unit) -> Iterator[Problem]:
    for rel in check.files(unit):
        if not unit.exists(rel):
            if check.required and isinstance(unit, LoggedModel) and unit.entries() == ["metrics"]:
                yield _metrics_only_model(unit, rel)
            elif check.required:
                yield Problem(f"'{rel}' is missing", file=rel,
                              hint="MLflow cannot read this entity without it.")
            continue
        doc = unit.yaml(rel)
        if doc is None:
            continue  # unreadable or unparsable: reported once by the engine (MLT)
        if doc.is_empty:
            yield Problem(f"'{rel}' is empty", file=rel,
                          hint="An empty meta file is what an interrupted write or the known "
                               "delete race (a run deleted while being written) leaves behind; "
                               "MLflow cannot read the entity, and `mlflow migrate-filestore` "
                               "silently drops it (see `mlint check --select @migration`).")
            continue
        for error in schemas.best_errors(check.schema, doc.data):
            yield Problem(_at(error.pointer, error.message), file=rel, pointer=error.pointer)


def _metrics_only_model(unit: LoggedModel, rel: str) -> Problem:
    """A `models/<id>/` folder that holds only `metrics/` is what MLflow's file store writes for
    `log_metric(..., model_id=<id>)` when the logged model belongs to ANOTHER experiment than the
    run: it writes below the run's experiment. The logged model is intact in its own
    experiment, but `get_logged_model(<id>)` searches the experiments in folder order and fails
    with MissingConfigException when it meets this folder first (verified with 3.17.2)."""
    tree = unit.experiment.tree if unit.experiment is not None else None
    owners = [exp.name for exp in (tree.experiment_dirs() if tree is not None else [])
              if (exp / "models" / unit.name / "meta.yaml").is_file()]
    where = f" (the model itself is in experiment {owners[0]})" if owners else ""
    return Problem(f"'{rel}' is missing: this folder holds only metrics/, which MLflow writes for "
                   f"a metric logged for model {unit.name} from a run of another experiment"
                   f"{where}; get_logged_model fails with MissingConfigException if it finds "
                   "this folder first", file=rel, severity=WARNING,
                   hint="Move the metric files into the model's own metrics/ folder (append the "
                        "lines) and remove this folder.")


def _at(pointer: str, message: str, prefix: str = "") -> str:
    """Prefix a schema message with the dotted key it concerns: `status: 'x' is not one of …`."""
    key = ".".join(split_pointer(pointer))
    where = ".".join(p for p in (prefix, key) if p)
    return f"{where}: {message}" if where else message


def _make(check: SchemaCheck) -> RuleFunc:
    def schema_rule(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
        yield from check_file(check, unit)

    schema_rule.__doc__ = (
        f"{check.what[0].upper()}{check.what[1:]} must match the `{check.schema}` JSON Schema.\n\n"
        f"Why: the schema encodes what MLflow's own readers accept for this file, no more and no "
        f"less (see `docs/schemas.md`); a violation is something MLflow fails on or silently "
        f"misreads.\n"
        f"Fix: correct the value at the reported key; the message says what was expected."
        + ("\n\nA missing or empty file is reported too." if check.required else "")
    )
    schema_rule.__name__ = check.name.replace("-", "_")
    schema_rule.__qualname__ = "TABLE"  # where `mlint explain` sends a reader: the row with the code
    return rule(check.code, check.name, scope=check.scope, severity=ERROR)(schema_rule)


@rule("SIG001", "signature-schema", scope=ModelDir, severity=ERROR)
def signature_schema(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The JSON strings in `signature.inputs`/`outputs`/`params` must decode and match the
    `signature-schema` (columns and tensors) or `signature-params` (parameters) JSON Schema.

    Why: MLflow parses these strings in `Model.load`; a malformed one breaks loading the model
    at all, not just enforcement. Strict where MLflow is: the legacy `optional` key and unknown
    keys on simple columns raise a TypeError in MLflow ≥ 2.22.
    Fix: re-log the model with a signature built by `mlflow.models.infer_signature`, or correct
    the JSON at the reported position.
    """
    for part in signature_parts(model).values():
        if part.error:
            yield Problem(f"signature.{part.part} {part.error}", file="MLmodel", pointer=part.pointer)
            continue
        schema = "signature-params" if part.part == "params" else "signature-schema"
        for error in schemas.best_errors(schema, part.value):
            yield Problem(_at(error.pointer, error.message, f"signature.{part.part}"), file="MLmodel",
                          pointer=part.pointer + error.pointer)


RULES: tuple[RuleFunc, ...] = tuple(_make(check) for check in TABLE)
