"""The built-in fixes, registered for their rules' codes.

Each computes new file contents from the finding's file and nothing else. A fix that finds
nothing it can safely do for a finding returns no edit: the finding then stays, and the
re-check after fixing reports it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

from mlint.core.diagnostics import Diagnostic
from mlint.fixes.model import Edit, FixContext, fixer
from mlint.reading.files import parse_yaml


def dedupe_lines(raw: bytes) -> bytes:
    """Drop every line identical to an earlier one, keeping first occurrences in their order.

    Identity is the line without its terminator (`\\n` or `\\r\\n`): MLflow strips both when
    reading. Blank lines are left alone (RUN201 reports them; deleting them is a choice for
    the user). Lines that differ only in spelling (`nan`/`NaN`, `inf`/DBL_MAX) are not
    identical text and are kept: choosing between them is not a lossless repair.
    """
    seen: set[bytes] = set()
    out: list[bytes] = []
    for line in raw.splitlines(keepends=True):
        key = line.rstrip(b"\r\n")
        if key and key in seen:
            continue
        seen.add(key)
        out.append(line)
    return b"".join(out)


@fixer("RUN200", safe=True, owns=("*/metrics/*",),
       summary="delete metric lines identical to an earlier line (first occurrences and order kept)")
def fix_duplicate_metric_lines(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """MLflow 3's `log_model` appends copies of lines already in the run's metric files;
    identical lines carry no information, so removing the copies loses nothing."""
    path = Path(finding.path)
    raw = files.read(path)
    if raw is None:
        return
    # Yielded even when unchanged: a second finding in a file already deduplicated is fixed by
    # the first one's edit (the planner drops edits that change nothing).
    yield Edit(path, dedupe_lines(raw), raw)


fixer("RUN113", safe=True, owns=("*/metrics/*",),
      summary="delete metric lines identical to an earlier line (first occurrences and order kept)",
      )(fix_duplicate_metric_lines)


def drop_blank_lines(raw: bytes) -> bytes:
    """Delete the lines that hold nothing but whitespace (a blank line aborts the migration)."""
    return b"".join(line for line in raw.splitlines(keepends=True) if line.strip())


@fixer("RUN201", safe=True, owns=("*/metrics/*",),
       summary="delete blank lines from metric files (other unparsable lines are left to you)")
def fix_blank_metric_lines(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """A blank line holds no point, so deleting it loses nothing; a truncated or garbled line
    might be a damaged real point, and is not touched. A file of blank lines only is left
    alone: emptied, MLflow's reader would find it malformed all the same."""
    path = Path(finding.path)
    raw = files.read(path)
    if raw is None:
        return
    new = drop_blank_lines(raw)
    if new:
        yield Edit(path, new, raw)


RUN_SUBDIRS = ("metrics", "params", "tags", "artifacts")


@fixer("RUN104", safe=True, owns=tuple(f"*/{d}" for d in RUN_SUBDIRS),
       summary="create the run's missing empty metrics/, params/, tags/ and artifacts/ folders")
def fix_run_folders(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """MLflow creates these four folders, empty, for every run; git drops empty folders."""
    run = Path(finding.path)
    if not files.is_dir(run) or files.read(run / "meta.yaml") is None:
        return
    for name in RUN_SUBDIRS:
        if not files.exists(run / name):
            yield Edit(run / name, None)


STAGE_LINE = re.compile(rb"^lifecycle_stage:[ \t]*(['\"]?)active\1[ \t]*$", re.MULTILINE)
NULL_DELETED_TIME = re.compile(rb"^deleted_time:[ \t]*(null|~)?[ \t]*$", re.MULTILINE)


def _in_trash(folder: Path) -> bool:
    return folder.parent.name == ".trash"


def _mark_deleted(raw: bytes, deleted_time: int | None) -> bytes:
    new = STAGE_LINE.sub(b"lifecycle_stage: deleted", raw, count=1)
    if deleted_time is not None:
        new = NULL_DELETED_TIME.sub(b"deleted_time: %d" % deleted_time, new, count=1)
    return new


@fixer("RUN101", safe=False, owns=("*/.trash/*/meta.yaml",),
       summary="set lifecycle_stage: deleted on an experiment in .trash/ (the other case has no fix)")
def fix_trashed_experiment(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """MLflow 1.x left deleted experiments `active` in `.trash/`; the migration would bring them
    back active. Unsafe: it changes what the meta says (restore the experiment instead if
    it was never meant to be deleted)."""
    path = Path(finding.path)
    if path.name != "meta.yaml" or not _in_trash(path.parent):
        return
    raw = files.read(path)
    if raw is None:
        return
    new = _mark_deleted(raw, None)
    if new != raw:
        yield Edit(path, new, raw)


@fixer("RUN107", safe=False, owns=("*/.trash/*/*/meta.yaml",),
       summary="set lifecycle_stage: deleted (and a null deleted_time) on an active run of an "
               "experiment in .trash/ (other cases have no fix)")
def fix_trashed_run(finding: Diagnostic, files: FixContext) -> Iterator[Edit]:
    """What `delete_experiment` does to each active run. A null `deleted_time` becomes the
    experiment's `last_update_time` (when it was deleted), else the current time, so that
    `mlflow gc --older-than` never purges it earlier than it would have."""
    path = Path(finding.path)
    if path.name != "meta.yaml" or not _in_trash(path.parent.parent):
        return
    raw = files.read(path)
    if raw is None or not STAGE_LINE.search(raw):
        return
    yield Edit(path, _mark_deleted(raw, _deletion_time(files, path.parent.parent)), raw)


def _deletion_time(files: FixContext, experiment: Path) -> int:
    raw = files.read(experiment / "meta.yaml")
    if raw is not None:
        data = parse_yaml(raw.decode("utf-8", "replace"), "meta.yaml")
        stamp = data.get("last_update_time") if isinstance(data, dict) else None
        if isinstance(stamp, int) and not isinstance(stamp, bool) and stamp > 0:
            return stamp
    return int(time.time() * 1000)
