"""Metric files: every line must parse the way MLflow's file store reads it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import LoggedModel, Run
from mlint.reading.metric_lines import (
    Identity,
    duplicate_lines,
    is_canonical,
    line_fields,
    malformed_lines,
    sanitized,
)
from mlint.rulekit.leafread import adopt_text, leaf_text, leaf_texts
from mlint.rulekit.tracking import MAX_LINE_FINDINGS, canonical_metric_file, tree_of

RUN_FIELDS = (2, 3, 5)  # ts value [step [dataset_name dataset_digest]]
MODEL_FIELDS = (4, 6)  # ts value step run_id [dataset_name dataset_digest]


@rule("RUN110", "metric-line-malformed", scope=(Run, LoggedModel), severity=ERROR,
      options={"max-findings-per-file": MAX_LINE_FINDINGS})
def metric_lines_valid(unit: Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Every line of a metric file must be `<timestamp> <value> [<step>]` (or 5 fields with a
    dataset name and digest) for a run, and `<timestamp> <value> <step> <run_id>` (or 6 fields)
    for an MLflow 3 logged model; timestamp and step integers, value a float (`nan`, `inf` and
    exponents allowed). Nested keys (`metrics/a/b` for metric `a/b`) are checked too.

    Why: MLflow parses the whole file whenever it reads the run (`get_run`, the UI, search):
    one bad line makes the run unreadable with "Metric '…' is malformed" or a ValueError, and
    `mlflow migrate-filestore` aborts on it. Findings are capped per file (option
    `max-findings-per-file`, default 20) with a count of the rest: huge metric files stay fast.
    Fix: delete or repair the reported lines (a truncated last line after a crash is typical).
    """
    is_run = isinstance(unit, Run)
    allowed = RUN_FIELDS if is_run else MODEL_FIELDS
    cap = options.get("max-findings-per-file", MAX_LINE_FINDINGS)
    cap = cap if isinstance(cap, int) and cap > 0 else MAX_LINE_FINDINGS
    for key, text in leaf_texts(unit, "metrics", empty=True).items():
        if text is None:
            continue
        rel = f"metrics/{key}"
        bad = 0
        canonical = canonical_metric_file(unit, rel, text)
        for line in malformed_lines(text, allowed, is_run, canonical):
            bad += 1
            if bad == 1:
                adopt_text(unit, "metrics", key)  # the engine quotes the reported lines from it
            if bad <= cap:
                yield Problem(f"line {line.number} {line.error}", file=rel, line=line.number,
                              column=line.column, subject=str(line.number),
                              hint="MLflow cannot read this run's metrics until the line is fixed.")
        if bad > cap:
            yield Problem(f"{bad - cap} more malformed line(s) in this file not shown ({bad} in total)",
                          file=rel, line=1, subject="more")


def _output_models(run: Run) -> list[LoggedModel]:
    """The logged models a run produced (`outputs/<model_id>`), looked up once per run."""
    tree = tree_of(run)
    if tree is None:
        return []
    models = []
    for model_id in run.subdirs("outputs"):
        # Tracked lookups (find_logged_model, is_file) rather than the untracked tree index,
        # so the result cache can keep this run (docs/performance.md). Same answer: the
        # index maps a name to the first experiment whose models/<name> is a folder.
        folder = tree.find_logged_model(model_id)
        if folder is not None:
            models.append(LoggedModel(folder, run.context, run.parent))
    return models


def _mirrored_points(run: Run, models: list[LoggedModel], key: str) -> set[Identity]:
    """The points (timestamp, step, value, is_nan, as the database keys them) that the run's
    logged models hold for this run under metric `key`: the trace MLflow 3's `log_model` leaves
    when it re-logs run metrics (and appends them to the run's files again)."""
    points: set[Identity] = set()
    for model in models:
        text = leaf_text(model, "metrics", key)
        if text is None:
            continue
        for fields in line_fields(text, 4, is_canonical(text, False)):
            if len(fields) in (4, 6) and fields[3] == run.name:
                try:
                    points.add((int(fields[0]), int(fields[2]), *sanitized(float(fields[1]))))
                except ValueError:
                    continue
    return points


@rule("RUN113", "metric-line-duplicate", scope=Run, severity=WARNING)
def metric_lines_not_repeated(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run's metric file should not repeat a point (same timestamp, step and value) unless
    MLflow 3's `log_model` wrote the repetition.

    MLflow 3's `log_model` re-logs the run's metrics when it links them to the new logged model,
    appending lines identical to existing ones; those are recognised (the logged model holds the
    same point for this run) and left to the opt-in migration gate (RUN200). Any other repeated
    point — typically a retried `log_metric` or a hand-merged file — is reported.
    Why: readers accept repeated points, but `mlflow migrate-filestore` aborts on the first one
    (`UNIQUE constraint failed: metrics.key, …`), and metric history plots show doubled points.
    Fix: `mlint check --select RUN113 --fix` deduplicates the file keeping first occurrences and
    their order (see docs/fix.md).
    """
    models: list[LoggedModel] | None = None  # looked up on the first repeated point only
    for key, text in leaf_texts(run, "metrics", empty=True).items():
        if text is None:
            continue
        rel = f"metrics/{key}"
        shown = 0
        mirrored: set[Identity] | None = None  # read on the file's first repeated point only
        canonical = canonical_metric_file(run, rel, text)
        for number, first, identity in duplicate_lines(text, True, canonical):
            if mirrored is None:
                if models is None:
                    models = _output_models(run)
                mirrored = _mirrored_points(run, models, key)
            if identity in mirrored:
                continue
            adopt_text(run, "metrics", key)  # the engine quotes the reported lines from it
            shown += 1
            if shown > MAX_LINE_FINDINGS:
                break  # nothing more is reported: stop (10 million repeated lines took minutes)
            yield Problem(
                f"line {number} repeats line {first} (same timestamp, step and value); "
                "readers accept it, but `mlflow migrate-filestore` aborts on it",
                file=rel, line=number, subject=str(number),
                hint="`mlint check --fix` deduplicates it, keeping first occurrences",
            )
