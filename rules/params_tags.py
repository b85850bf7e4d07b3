"""Params and tags: key names MLflow accepts, and value lengths within the writer's limits."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import Experiment, LoggedModel, Run
from mlint.rulekit.leafread import adopt_text, leaf_texts
from mlint.rulekit.tracking import key_problem, leaf_files, leaf_sizes, writer_version

FOLDERS = ("metrics", "params", "tags")


@rule("RUN111", "entity-key-invalid", scope=(Run, LoggedModel, Experiment), severity=ERROR)
def keys_valid(unit: Run | LoggedModel | Experiment, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Metric, param and tag names (the file paths below `metrics/`, `params/`, `tags/`) must be
    names MLflow accepts: the characters `[/\\w.\\- :]`, at most 250 characters, and stable
    under path normalisation (no `.`/`..` segments, no leading `/`).

    Why: MLflow validates names when logging, so such a file was written by hand or by another
    tool; the client rejects it on every later `log_*`/`set_tag` with the same key, searches
    and filters cannot address it, and the database store (after migration) rejects the name.
    Fix: rename the file to a valid key.
    """
    folders = ("tags",) if isinstance(unit, Experiment) else FOLDERS
    for folder in folders:
        for key in leaf_files(unit, folder):
            why = key_problem(key)
            if why:
                yield Problem(f"{folder[:-1]} name {key!r} {why}", file=f"{folder}/{key}",
                              subject=key, hint="Rename the file to a valid MLflow key.")


# Param limits by writer version (mlflow/utils/validation.py, docs/mlflow-format.md §6.6). Tag value
# limits are NOT a writer property: the file store's `set_tag` never checks the value length,
# so long tags (e.g. a big `mlflow.log-model.history`) are legitimate MLflow output. Only the
# database column (`tags.value VARCHAR(8000)`) bounds them.
TAG_COLUMN_LIMIT = 8000


def _param_limit(version: tuple[int, int] | None) -> tuple[int, str]:
    if version is None:
        return 6000, "the largest limit of any MLflow version (the writer is unknown)"
    limit = 500 if version < (2, 0) else 6000
    return limit, f"MLflow {version[0]}.{version[1]}, which wrote this run"


@rule("RUN112", "value-too-long", scope=Run, severity=WARNING)
def values_within_limits(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Param values must fit the limit of the MLflow version that wrote the run (500 characters
    in 1.x, 6000 from 2.x); tag values must fit the database store's 8000-character column.
    The writer is inferred from the tree (an MLmodel's `mlflow_version`, 3.x markers); when it
    is unknown, only params over every version's limit are reported.

    Why: MLflow truncates or rejects longer params when logging, so these were written around
    the client. The file store never checks tag lengths, but after `mlflow migrate-filestore`
    the database columns (`VARCHAR(8000)`) reject such values on servers that enforce lengths
    (PostgreSQL, MySQL); SQLite stores them.
    Fix: shorten the value, or store it as an artifact (`mlflow.log_text`) instead.
    """
    param_limit, basis = 500, ""
    if any(size > param_limit for size in leaf_sizes(run, "params").values()):
        param_limit, basis = _param_limit(writer_version(run))  # reads MLmodels: only when needed
    for folder, limit in (("params", param_limit), ("tags", TAG_COLUMN_LIMIT)):
        for key, size in leaf_sizes(run, folder).items():
            if size <= limit:
                continue  # UTF-8 never has more characters than bytes: no need to read it
            rel = f"{folder}/{key}"
            doc = run.text(rel)
            if doc is None or len(doc.text) <= limit:
                continue
            why = basis if folder == "params" else "the database store's tags.value column"
            yield Problem(f"{folder[:-1]} {key!r} is {len(doc.text)} characters, over the "
                          f"{limit} allowed by {why}", file=rel, line=1, subject=key,
                          hint="Log long values as an artifact (mlflow.log_text) instead.")


# Free text that users (and the UI's note editor) end with a newline: MLflow stores it as given.
FREE_TEXT_TAGS = frozenset({"mlflow.note.content"})


@rule("RUN114", "entity-value-misread", scope=(Run, LoggedModel, Experiment), severity=WARNING)
def values_read_back(unit: Run | LoggedModel | Experiment, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A param or tag file must hold the value exactly as MLflow writes it: no trailing newline
    (`mlflow.note.content`, free text, may end with one). Every param and tag file is read, so
    one that is not UTF-8 is reported too, as MLT006 (error).

    Why: MLflow writes the value verbatim and reads the whole file back: a file saved by an
    editor or `echo` gets a newline that becomes part of the value (`'0.1\n'`), so filters
    and comparisons miss it and `log_param` with the real value fails ("Changing param values
    is not allowed"). An invalid UTF-8 byte makes `get_run`, `search_runs` over the whole
    experiment and `mlflow migrate-filestore` fail with UnicodeDecodeError, and an incomplete
    sequence at the very end is silently cut off (verified with MLflow 3.17.2).
    Fix: rewrite the file with the exact value, as UTF-8: `printf '%s' VALUE > FILE`.
    """
    folders = ("tags",) if isinstance(unit, Experiment) else ("params", "tags")
    for folder in folders:
        # One read loop per folder; a file that is not UTF-8 is reported by the engine (MLT006).
        for key, text in leaf_texts(unit, folder).items():
            if text is None or not text.endswith(("\n", "\r")):
                continue
            if folder == "tags" and key in FREE_TEXT_TAGS:
                continue
            value = text.rstrip("\r\n")
            adopt_text(unit, folder, key)  # the engine quotes line 1 from the cached document
            yield Problem(f"{folder[:-1]} {key!r} ends with a newline, which MLflow reads back as "
                          f"part of the value ({text[-40:]!r}, not {value[-40:]!r}); MLflow never "
                          "adds one", file=f"{folder}/{key}", line=1, subject=key,
                          hint="Rewrite the file without the newline: printf '%s' VALUE > FILE")
