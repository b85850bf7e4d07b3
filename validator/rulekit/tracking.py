"""Shared helpers for the tracking-store rules (RUN, REG): metric lines, keys, limits, indexes.

Everything here reads through the unit accessors (cached) and never raises on odd input.
Tree-wide indexes are memoised on the `Tree` object, so a check of 10k runs lists each
experiment folder once, not once per cross-reference.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from mlint.discovery.units import (
    EXPERIMENT_RESERVED,
    REGISTRY,
    TRASH,
    Experiment,
    LoggedModel,
    Run,
    Tree,
    Unit,
)
from mlint.reading.metric_lines import is_canonical
from mlint.rulekit.leafread import leaf_entries

# MLflow's key regex (mlflow/utils/validation.py, non-Windows); 1.x/2.9 lacked the colon.
KEY_PATTERN = re.compile(r"^[/\w.\- :]*$")
MAX_KEY_LENGTH = 250
RUN_STATUSES = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
LIFECYCLE_STAGES = ("active", "deleted")
MAX_LINE_FINDINGS = 20


def meta_of(unit: Unit, rel: str = "meta.yaml") -> dict[str, Any] | None:
    """A meta file's mapping, or None when missing, broken, empty or not a mapping."""
    doc = unit.yaml(rel)
    return doc.data if doc is not None and isinstance(doc.data, dict) else None


def tree_of(unit: Unit) -> Tree | None:
    for candidate in (unit, *unit.ancestors()):
        if isinstance(candidate, Tree):
            return candidate
    return None


def leaf_files(unit: Unit, folder: str) -> list[str]:
    """Keys of a metrics/params/tags folder: file paths relative to it, nested keys included
    (MLflow writes the key `a/b` as `<folder>/a/b`). Listed once per unit and folder."""
    return list(leaf_sizes(unit, folder))


def leaf_sizes(unit: Unit, folder: str) -> dict[str, int]:
    """key → size in bytes for every file below `folder` (scandir: no extra stat calls)."""
    memo: dict[str, dict[str, int]] = unit.__dict__.setdefault("_mlint_leaves", {})
    if folder not in memo:
        memo[folder] = {leaf.key: leaf.size for leaf in leaf_entries(unit, folder)}
    return memo[folder]


@functools.lru_cache(maxsize=4096)  # a project's runs share their metric/param/tag names
def key_problem(key: str) -> str:
    """Why MLflow would reject `key` as a metric/param/tag name, or '' when it is valid."""
    if len(key) > MAX_KEY_LENGTH:
        return f"is {len(key)} characters long (MLflow allows {MAX_KEY_LENGTH})"
    if not KEY_PATTERN.match(key):
        bad = sorted({c for c in key if not re.match(r"[/\w.\- :]", c)})
        return f"contains characters MLflow rejects: {''.join(bad)!r}"
    if posixpath.normpath(key) != key or key == "." or key.startswith(("..", "/")):
        return "is not path-normalisation stable (MLflow rejects it)"
    return ""


def canonical_metric_file(unit: Run | LoggedModel, rel: str, text: str) -> bool:
    """`metric_lines.is_canonical` for one of the unit's metric files, computed once for all
    the metric rules (RUN110, RUN113, the migration gate)."""
    memo: dict[str, tuple[str, bool]] = unit.__dict__.setdefault("_mlint_canonical", {})
    if rel not in memo or memo[rel][0] is not text:
        memo[rel] = (text, is_canonical(text, isinstance(unit, Run)))
    return memo[rel][1]


# --- writer version ----------------------------------------------------------------------
def writer_version(run: Run) -> tuple[int, int] | None:
    """(major, minor) of the MLflow that wrote a run, or None when the tree does not say.

    Markers (docs/mlflow-format.md §8.7): `mlflow_version` recorded in the log-model history (≤2.15) or
    in an MLmodel under the run's artifacts; `outputs/` or no `run_uuid` next to `run_id` → 3.x.
    `run_uuid` alone only says ≤2.x, which is not precise enough for the limits that changed
    inside 1.x/2.x, so it yields None (callers are then lenient).
    """
    memo = run.__dict__.get("_mlint_writer")
    if memo is not None:
        return memo or None
    version: tuple[int, int] | None = None
    for rel in [f"artifacts/{n}/MLmodel" for n in run.subdirs("artifacts")]:
        doc = run.yaml(rel)
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        version = _parse_version(data.get("mlflow_version"))
        if version:
            break
    meta = meta_of(run) or {}
    if version is None and (run.is_dir("outputs") or (meta.get("run_id") and "run_uuid" not in meta)):
        version = (3, 0)
    run.__dict__["_mlint_writer"] = version or ()
    return version


def _parse_version(text: Any) -> tuple[int, int] | None:
    if not isinstance(text, str):
        return None
    match = re.match(r"^(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


# --- tree-wide indexes ---------------------------------------------------------------------
def _memo(tree: Tree, name: str) -> dict[str, Path] | None:
    # The indexes list folders directly and are memoised per tree folder on the check's file
    # cache (not on the Tree object: each file argument of a pre-commit batch builds its own
    # Tree, and rebuilding the index per unit made a big commit quadratic). The result cache
    # cannot see what they depended on, so a unit that consults one is never cached.
    tracker = tree.context.cache.tracker
    if tracker is not None:
        tracker.volatile = True
    return tree.context.cache.indexes.get((name, os.fspath(tree.path)))


def _remember(tree: Tree, name: str, index: dict[str, Path]) -> None:
    tree.context.cache.indexes[(name, os.fspath(tree.path))] = index


def run_index(tree: Tree) -> dict[str, Path]:
    """run folder name → folder, over all experiments (trash included); first one wins."""
    found = _memo(tree, "_mlint_run_index")
    if found is None:
        found = {}
        for exp in tree.experiment_dirs():
            try:
                names = sorted(os.listdir(exp))
            except OSError:
                continue
            for name in names:
                if name not in EXPERIMENT_RESERVED and not name.startswith(".") \
                        and os.path.isdir(exp / name):
                    found.setdefault(name, exp / name)
        _remember(tree, "_mlint_run_index", found)
    return found


def logged_model_index(tree: Tree) -> dict[str, Path]:
    found = _memo(tree, "_mlint_model_index")
    if found is None:
        found = {}
        for exp in tree.experiment_dirs():
            try:
                names = sorted(os.listdir(exp / REGISTRY))
            except OSError:
                continue
            for name in names:
                if os.path.isdir(exp / REGISTRY / name):
                    found.setdefault(name, exp / REGISTRY / name)
        _remember(tree, "_mlint_model_index", found)
    return found


def run_exists(unit: Unit, run_id: str) -> bool | None:
    """Whether a run folder named `run_id` exists in the tree; None when no tree is known."""
    tree = tree_of(unit)
    if tree is None:
        return None
    if unit.context.cache.tracker is not None:
        # Tracked probes instead of the untracked index (keeps the unit cacheable); the same
        # answer for every name the index can hold (one path component, no leading dot).
        if not run_id or "/" in run_id or run_id.startswith("."):
            return False
        return tree.find_run(run_id) is not None
    return run_id in run_index(tree)


def logged_model_exists(unit: Unit, model_id: str) -> bool | None:
    tree = tree_of(unit)
    if tree is None:
        return None
    if unit.context.cache.tracker is not None:  # tracked, as in run_exists
        if not model_id or "/" in model_id or model_id in (".", ".."):
            return False
        return tree.find_logged_model(model_id) is not None
    return model_id in logged_model_index(tree)


def in_trash(unit: Experiment | Run | LoggedModel) -> bool:
    exp = unit if isinstance(unit, Experiment) else unit.parent
    return isinstance(exp, Experiment) and exp.path.parent.name == TRASH


# --- URIs ---------------------------------------------------------------------------------
def local_path(uri: Any) -> str | None:
    """The local filesystem path of a `file:` URI or plain absolute path, else None."""
    if not isinstance(uri, str) or not uri:
        return None
    if uri.startswith("/"):
        return posixpath.normpath(uri)
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    if parsed.netloc not in ("", "localhost"):
        return None
    return posixpath.normpath(unquote(parsed.path))


def uri_host(uri: Any) -> str:
    if not isinstance(uri, str):
        return ""
    parsed = urlparse(uri)
    return parsed.netloc if parsed.scheme == "file" else ""


def same_location(a: Any, b: Any) -> bool:
    """URIs equal up to `file:` spelling (`file:/x`, `file:///x`, `/x`) and trailing slashes."""
    pa, pb = local_path(a), local_path(b)
    if pa is not None and pb is not None:
        return pa == pb
    return isinstance(a, str) and isinstance(b, str) and a.rstrip("/") == b.rstrip("/")
