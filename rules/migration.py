"""Migration readiness: what makes `mlflow migrate-filestore` (MLflow 3.17) abort or lose data.

These rules are the gate: group `migration`, off by default, all errors. Run exactly them with
`mlint check --select @migration mlruns/` (docs/migration.md). Each condition was read from
`mlflow/store/fs2db/` and the SQL schema, and is proven against the real migration by
tests/migration/. Conditions that are legal for the file store (duplicate metric lines, which
MLflow 3's own `log_model` writes) are NOT reported by the default rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import Experiment, LoggedModel, Run
from mlint.reading.files import iter_lines
from mlint.reading.metric_lines import duplicate_lines
from mlint.rulekit.leafread import adopt_text, leaf_texts
from mlint.rulekit.migration import ABORTS, GATE, LOST, MetaState, gate_meta, undecodable
from mlint.rulekit.tracking import MAX_LINE_FINDINGS, canonical_metric_file, leaf_files


@rule("RUN200", "migration-duplicate-metric", scope=(Run, LoggedModel), severity=ERROR,
      default=False, groups=GATE)
def duplicate_metric_lines(unit: Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: a metric file must not repeat a line with the same timestamp, step and
    value (for a logged model: the same timestamp, step and run).

    Why: the database's primary key is (key, timestamp, step, run, value, is_nan) — for logged
    models (model, key, timestamp, step, run) — so `mlflow migrate-filestore` aborts with
    `UNIQUE constraint failed: metrics.key, …` and migrates nothing. The file store reads such
    files fine, and MLflow 3's own `log_model` writes these duplicates: it re-logs the run's
    metrics when linking them to the new model, appending identical lines to the run's files.
    NaN values and ±inf clamped to ±DBL_MAX count as equal, as in the database.
    Fix: `mlint check --select @migration --fix mlruns/` deletes every line identical to an
    earlier one, keeping first occurrences and their order (`--diff` shows it first). Identical
    lines carry no information, so nothing is lost. Lines that differ only in spelling (`nan`
    and `NaN`) are left for you to resolve.
    """
    is_run = isinstance(unit, Run)
    for key, text in leaf_texts(unit, "metrics", empty=True).items():
        if text is None:
            continue
        rel = f"metrics/{key}"
        duplicates = 0
        first_dup = 0
        for number, first, _ in duplicate_lines(text, is_run, canonical_metric_file(unit, rel, text)):
            adopt_text(unit, "metrics", key)  # the engine quotes the reported lines from it
            duplicates += 1
            first_dup = first_dup or number
            if duplicates <= MAX_LINE_FINDINGS:
                yield Problem(
                    f"line {number} duplicates line {first} (same timestamp, step and "
                    f"{'value' if is_run else 'run'}); {ABORTS} with UNIQUE constraint failed",
                    file=rel, line=number, subject=str(number),
                    hint="`mlint check --select @migration --fix` deduplicates the file, "
                         "keeping first occurrences (MLflow 3's log_model writes such duplicates; "
                         "nothing is lost).",
                )
        if duplicates > MAX_LINE_FINDINGS:
            yield Problem(f"{duplicates - MAX_LINE_FINDINGS} more duplicate line(s) not shown "
                          f"({duplicates} in total)", file=rel, line=first_dup, subject="more")


@rule("RUN201", "migration-metric-unparsable", scope=(Run, LoggedModel), severity=ERROR,
      default=False, groups=GATE)
def unparsable_metric_lines(unit: Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: every metric line must be parsable by the migration: for runs at least 2
    fields with an integer timestamp, a float value and an integer step (blank lines included);
    for logged models exactly 4 or 6 fields. Metric files must be UTF-8.

    Why: the migration converts each run metric line with `int()`/`float()`; one bad line (a
    truncated last line, a blank line, two spaces) raises ValueError and aborts the whole
    migration. Logged-model lines with another field count are skipped with only a log
    warning — those values are silently lost. A file that is not UTF-8 aborts it too.
    Fix: repair or delete the reported lines (keep a backup); see docs/migration.md.
    """
    is_run = isinstance(unit, Run)
    for key in leaf_files(unit, "metrics"):
        rel = f"metrics/{key}"
        if undecodable(unit, rel):
            yield Problem(f"metric file is not UTF-8; {ABORTS} (UnicodeDecodeError)", file=rel,
                          line=1, subject="encoding")
            continue
        doc = unit.text(rel)
        if doc is None or canonical_metric_file(unit, rel, doc.text):
            continue  # canonical lines are what the migration parses (mlint.reading.metric_lines)
        count = 0
        for number, raw in enumerate(iter_lines(doc.text), start=1):
            why = _migration_line_problem(raw.strip().split(" "), is_run)
            if not why:
                continue
            count += 1
            if count <= MAX_LINE_FINDINGS:
                yield Problem(f"line {number} {why}", file=rel, line=number, subject=str(number))
        if count > MAX_LINE_FINDINGS:
            yield Problem(f"{count - MAX_LINE_FINDINGS} more such line(s) not shown", file=rel,
                          line=1, subject="more")


def _migration_line_problem(fields: list[str], is_run: bool) -> str:
    if is_run and len(fields) < 2:
        return f"has {len(fields) if fields != [''] else 0} field(s); {ABORTS} (ValueError)"
    if not is_run and len(fields) not in (4, 6):
        return f"has {len(fields)} field(s), not 4 or 6; its value {LOST}"
    numbers = [(fields[0], int), (fields[1], float)] + ([(fields[2], int)] if len(fields) >= 3 else [])
    for text, kind in numbers:
        try:
            kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            return f"field {text!r} is not {what}; {ABORTS} (ValueError)"
    return ""


@rule("RUN202", "migration-run-lost", scope=Run, severity=ERROR, default=False, groups=GATE)
def run_lost(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: every run folder must have a readable, non-empty `meta.yaml` mapping with
    a `run_id` (or `run_uuid`).

    Why: the migration silently skips a run folder without meta.yaml, with an empty or
    unparsable one (the known delete race leaves it empty), or without an id — the run, its
    params, tags and metrics are dropped while the migration reports success. A meta.yaml that
    is a list or a string makes it crash (AttributeError).
    Fix: restore meta.yaml from a backup or rebuild it from the run's tags (`mlflow.runName`,
    `mlflow.user`) and its experiment; if the run is garbage, delete the folder.
    """
    meta, state = gate_meta(run)
    if state == MetaState.MISSING:
        yield Problem(f"run folder has no meta.yaml; this run and all its data {LOST}",
                      hint="Restore meta.yaml, or delete the folder if the run is garbage.")
    elif state == MetaState.UNREADABLE:
        yield Problem(f"meta.yaml is empty or unreadable; this run and all its data {LOST}",
                      file="meta.yaml",
                      hint="An empty meta.yaml is what the delete race leaves; restore it.")
    elif state == MetaState.NOT_MAPPING:
        yield Problem(f"meta.yaml is a {type(meta).__name__}, not a mapping; {ABORTS}",
                      file="meta.yaml")
    elif not (meta.get("run_uuid") or meta.get("run_id")):
        yield Problem(f"meta.yaml has no run_id/run_uuid; this run and all its data {LOST}",
                      file="meta.yaml")


@rule("RUN203", "migration-experiment-lost", scope=Experiment, severity=ERROR, default=False,
      groups=GATE)
def experiment_lost(experiment: Experiment, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: every experiment folder must be named by an integer id and have a
    readable, non-empty `meta.yaml` mapping.

    Why: the migration only looks at folders whose name is an integer — any other experiment is
    skipped with all its runs, without a word. An experiment whose meta.yaml is missing, empty
    or unparsable is skipped too, but its runs are still migrated: they end up orphaned,
    pointing at an experiment id that does not exist in the database. A meta.yaml that is not
    a mapping aborts the migration.
    Fix: restore meta.yaml (name, artifact_location, lifecycle_stage, experiment_id equal to
    the folder); give a non-numeric experiment a free integer id (folder and meta).
    """
    runs = len(experiment.run_names())
    try:
        int(experiment.name)
    except ValueError:
        yield Problem(f"experiment folder name {experiment.name!r} is not an integer: the "
                      f"experiment and its {runs} run(s) {LOST}", subject="name")
        return
    meta, state = gate_meta(experiment)
    if state in (MetaState.MISSING, MetaState.UNREADABLE):
        what = "has no meta.yaml" if state == MetaState.MISSING else "meta.yaml is empty or unreadable"
        yield Problem(f"experiment {what}: migration skips it while reporting success, and its "
                      f"{runs} run(s) are migrated as orphans of a missing experiment",
                      file=None if state == MetaState.MISSING else "meta.yaml",
                      hint="Restore meta.yaml; the runs' artifact_uri tells the old artifact_location.")
    elif state == MetaState.NOT_MAPPING:
        yield Problem(f"meta.yaml is a {type(meta).__name__}, not a mapping; {ABORTS}",
                      file="meta.yaml")
