"""MLflow 3 logged models, traces, and the run ↔ model / run ↔ dataset links that must resolve."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import Experiment, LoggedModel, Run
from mlint.reading.metric_lines import line_fields
from mlint.rulekit.leafread import adopt_text, leaf_texts
from mlint.rulekit.tracking import canonical_metric_file, logged_model_exists, meta_of, run_exists

# mlflow.entities.TraceInfo's required constructor arguments (MLflow 3).
TRACE_INFO_REQUIRED = ("trace_id", "trace_location", "request_time", "state")
SPANS_LOCATION_TAG = "mlflow.trace.spansLocation"

READY = 2
MODEL_STATUSES = {0: "UNSPECIFIED", 1: "PENDING", 2: "READY", 3: "UPLOAD_FAILED"}


@rule("RUN120", "logged-model-reference-broken", scope=LoggedModel, severity=ERROR)
def logged_model_references(model: LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """An MLflow 3 logged model must be whole: a valid `status`, `artifacts/MLmodel` when it is
    READY, a `source_run_id` that exists in the tree, and metric lines whose run id (4th field)
    names an existing run.

    Why: `mlflow.<flavor>.load_model("models:/m-…")` opens `artifacts/MLmodel` of a READY
    model; a missing one fails at deployment. The model page links to its source run and the
    metric lines' runs; dangling ids show broken links and break `search_logged_models`
    filters by run. Unknown `status` integers raise when MLflow reads the model.
    Fix: restore the missing run or artifacts (were they git-ignored, or the run deleted and
    garbage-collected?), or delete the logged model.
    """
    meta = meta_of(model)
    if meta is None:
        return
    status = meta.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)
                               or status not in MODEL_STATUSES):
        yield Problem(f"status {status!r} is not a LoggedModelStatus (0-3)", file="meta.yaml",
                      pointer="/status")
    if status == READY and not model.is_file("artifacts/MLmodel"):
        yield Problem("model is READY but artifacts/MLmodel does not exist; it cannot be loaded",
                      file="meta.yaml", pointer="/status",
                      hint="Restore the artifacts (git-ignored? LFS?) or delete the logged model.")
    source = meta.get("source_run_id")
    if isinstance(source, str) and source and run_exists(model, source) is False:
        yield Problem(f"source_run_id {source!r} does not exist in this tree", file="meta.yaml",
                      pointer="/source_run_id")
    missing: dict[str, tuple[str, int]] = {}
    looked_up: set[str] = set()  # one lookup per run id, not per line (models log long histories)
    for key, text in leaf_texts(model, "metrics", empty=True).items():
        if text is None:
            continue
        rel = f"metrics/{key}"
        canonical = canonical_metric_file(model, rel, text)  # shared with RUN110
        for number, fields in enumerate(line_fields(text, 4, canonical), start=1):
            if len(fields) not in (4, 6) or fields[3] in looked_up:
                continue
            looked_up.add(fields[3])
            if run_exists(model, fields[3]) is False:
                missing[fields[3]] = (rel, number)
    for run_id, (rel, number) in missing.items():
        adopt_text(model, "metrics", rel[len("metrics/"):])  # the engine quotes the line from it
        yield Problem(f"metric line names run {run_id!r}, which does not exist in this tree",
                      file=rel, line=number, subject=run_id)


@rule("RUN121", "run-link-broken", scope=Run, severity=WARNING)
def run_links_resolve(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run's `outputs/<model_id>` must name an existing logged model, and each
    `inputs/<id>/meta.yaml` an existing dataset of the run's experiment (`source_type: DATASET`)
    or logged model (`MODEL`).

    MLflow's writer stores `destination_id` equal to `source_id` in these files (a quirk, not an
    error); only `source_id` and the folder names are checked.
    Why: the run page lists its models and datasets through these links; dangling ones show
    broken entries, and `mlflow migrate-filestore` silently drops dataset inputs whose dataset
    is missing.
    Fix: restore the dataset or model folder, or delete the stale `inputs/`/`outputs/` entry.
    """
    for model_id in run.subdirs("outputs"):
        if logged_model_exists(run, model_id) is False:
            yield Problem(f"output model {model_id!r} does not exist in this tree",
                          file=f"outputs/{model_id}/meta.yaml", subject=model_id)
    experiment = run.experiment
    for input_id in run.subdirs("inputs"):
        rel = f"inputs/{input_id}/meta.yaml"
        meta = meta_of(run, rel)
        if meta is None:
            continue
        source_type, source = meta.get("source_type"), meta.get("source_id")
        if not isinstance(source, str):
            continue
        if source_type == "DATASET" and experiment is not None \
                and not experiment.is_dir(f"datasets/{source}"):
            yield Problem(f"input dataset {source!r} does not exist in the experiment's datasets/",
                          file=rel, pointer="/source_id", subject=source)
        elif source_type == "MODEL" and logged_model_exists(run, source) is False:
            yield Problem(f"input model {source!r} does not exist in this tree", file=rel,
                          pointer="/source_id", subject=source)


TRACE_STATES = ("OK", "ERROR", "IN_PROGRESS", "STATE_UNSPECIFIED")


@rule("RUN122", "trace-info-invalid", scope=Experiment, severity=ERROR)
def trace_info_valid(experiment: Experiment, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Each `traces/<trace_id>/trace_info.yaml` of an experiment must exist and be a mapping
    whose `trace_id` (MLflow 2.x: `request_id`) equals the folder name, whose experiment is this
    one, and whose `state` (2.x: `status`) is OK, ERROR, IN_PROGRESS or STATE_UNSPECIFIED. An
    MLflow 3 trace_info (it has `trace_id` or `trace_location`) must have all four keys
    `TraceInfo` requires: `trace_id`, `trace_location`, `request_time`, `state`.

    Why: the file store finds traces by folder and reads trace_info.yaml for every trace
    search; a missing or foreign trace_info makes the trace invisible or shown under the wrong
    id, and `mlflow migrate-filestore` skips it. Without a required key, `get_trace` raises
    `TypeError: TraceInfo.__init__() missing 1 required positional argument`.
    Fix: restore trace_info.yaml from the trace's `artifacts/traces.json`, or delete the trace
    folder (`MlflowClient().delete_traces`).
    """
    for trace in experiment.subdirs("traces"):
        rel = f"traces/{trace}/trace_info.yaml"
        if not experiment.exists(rel):
            yield Problem(f"trace {trace!r} has no trace_info.yaml", file=f"traces/{trace}", subject=trace)
            continue
        doc = experiment.yaml(rel)
        if doc is None:
            continue  # unreadable or unparsable: reported once by the engine (MLT)
        info = doc.data
        if not isinstance(info, dict):
            yield Problem("trace_info.yaml is empty or not a mapping", file=rel)
            continue
        key = "trace_id" if "trace_id" in info else "request_id"
        if key in info and str(info[key]) != trace:
            yield Problem(f"{key} {info[key]!r} does not match the trace folder {trace!r}", file=rel,
                          pointer=f"/{key}")
        location = info.get("trace_location")
        exp = location.get("mlflow_experiment") if isinstance(location, dict) else None
        exp_id = exp.get("experiment_id") if isinstance(exp, dict) else info.get("experiment_id")
        if exp_id is not None and str(exp_id) != experiment.name:
            yield Problem(f"trace belongs to experiment {exp_id!r}, not {experiment.name!r}", file=rel,
                          pointer="/trace_location/mlflow_experiment/experiment_id"
                          if isinstance(exp, dict) else "/experiment_id")
        state_key = "state" if "state" in info else "status"
        state = info.get(state_key)
        if state_key in info and state not in TRACE_STATES:
            yield Problem(f"{state_key} {state!r} is not one of {', '.join(TRACE_STATES)}", file=rel,
                          pointer=f"/{state_key}")
        if "trace_id" in info or "trace_location" in info:  # MLflow 3's TraceInfo
            missing = [k for k in TRACE_INFO_REQUIRED if k not in info]
            if missing:
                yield Problem(f"trace_info.yaml lacks {', '.join(missing)}, which MLflow's TraceInfo "
                              "requires: get_trace raises TypeError", file=rel, subject="required")


@rule("RUN123", "trace-spans-unreadable", scope=Experiment, severity=ERROR)
def trace_spans_readable(experiment: Experiment, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A finished trace whose spans live in its artifacts (the file store's default) must have
    `traces/<trace_id>/artifacts/traces.json`, a JSON object whose `spans` (when present) is a
    list of span objects. A file that does not parse is reported as MLT002.

    Why: `MlflowClient.get_trace` (and the UI) read the spans from there: a missing file raises
    "cannot be loaded because it is missing span data", an unparsable one "its span data is
    corrupted", and a wrong shape `TypeError`/"Failed to create a Span object".
    Fix: restore `traces.json` from a backup, or delete the trace (`MlflowClient().delete_traces`).
    """
    for trace in experiment.subdirs("traces"):
        base = f"traces/{trace}"
        info_doc = experiment.yaml(f"{base}/trace_info.yaml") if experiment.exists(
            f"{base}/trace_info.yaml") else None
        info = info_doc.data if info_doc is not None else None
        if not isinstance(info, dict) or info.get("state", info.get("status")) == "IN_PROGRESS":
            continue  # RUN122 reports unusable trace_info; spans are written when a trace ends
        where = experiment.text(f"{base}/tags/{SPANS_LOCATION_TAG}") if experiment.exists(
            f"{base}/tags/{SPANS_LOCATION_TAG}") else None
        if where is not None and where.text.strip() not in ("", "ARTIFACT_REPO"):
            continue  # spans kept in the tracking store or an archive, not in the artifacts
        rel = f"{base}/artifacts/traces.json"
        if not experiment.exists(rel):
            yield Problem(f"trace {trace!r} has no artifacts/traces.json: get_trace fails with "
                          "'missing span data'", file=base, subject=trace)
            continue
        doc = experiment.json(rel)
        if doc is None:
            continue  # unreadable or unparsable: MLT
        data = doc.data
        if not isinstance(data, dict):
            yield Problem(f"traces.json is a {type(data).__name__}, not an object: get_trace "
                          "raises TypeError", file=rel)
            continue
        spans = data.get("spans")
        if "spans" in data and not isinstance(spans, list):
            yield Problem("`spans` is not a list: get_trace cannot rebuild the trace", file=rel,
                          pointer="/spans")
        elif isinstance(spans, list):
            for i, span in enumerate(spans):
                if not isinstance(span, dict):
                    yield Problem(f"span {i} is not an object: get_trace cannot rebuild it",
                                  file=rel, pointer=f"/spans/{i}")
                    break
