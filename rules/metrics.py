"""Metric files: every line must parse the way MLflow's file store reads it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.diagnostics import ERROR, Problem
from mlint.registry import rule
from mlint.tracking import MAX_LINE_FINDINGS, leaf_files, parse_metric_lines
from mlint.units import LoggedModel, Run

RUN_FIELDS = (2, 3, 5)  # ts value [step [dataset_name dataset_digest]]
MODEL_FIELDS = (4, 6)  # ts value step run_id [dataset_name dataset_digest]


def metric_files(unit: Run | LoggedModel) -> list[str]:
    return [f"metrics/{key}" for key in leaf_files(unit, "metrics")]


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
    allowed = RUN_FIELDS if isinstance(unit, Run) else MODEL_FIELDS
    cap = options.get("max-findings-per-file", MAX_LINE_FINDINGS)
    cap = cap if isinstance(cap, int) and cap > 0 else MAX_LINE_FINDINGS
    for rel in metric_files(unit):
        doc = unit.text(rel)
        if doc is None:
            continue
        bad = 0
        for line in parse_metric_lines(doc.text, allowed):
            if not line.error:
                continue
            bad += 1
            if bad <= cap:
                yield Problem(f"line {line.number} {line.error}", file=rel, line=line.number,
                              column=line.column, subject=str(line.number),
                              hint="MLflow cannot read this run's metrics until the line is fixed.")
        if bad > cap:
            yield Problem(f"{bad - cap} more malformed line(s) in this file not shown ({bad} in total)",
                          file=rel, line=1, subject="more")
