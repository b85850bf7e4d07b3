"""Experiments: unique names, lifecycle vs `.trash`, and artifact locations vs the store.

MLflow's file store derives an experiment's state from two places — its folder (active
root or `.trash/`) and its `meta.yaml` — and finds artifacts only through the absolute URIs
written at creation time. These rules report where the two disagree.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlparse

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import TRASH, Experiment, LoggedModel, Run, Tree
from mlint.rulekit.tracking import in_trash, local_path, meta_of, same_location, uri_host


def _experiment_metas(tree: Tree) -> Iterator[tuple[str, dict[str, Any]]]:
    """(tree-relative meta path, meta mapping) for every experiment, trash included."""
    for folder in tree.experiment_dirs():
        rel = folder.relative_to(tree.path).as_posix() + "/meta.yaml"
        meta = meta_of(tree, rel)
        if meta is not None:
            yield rel, meta


@rule("RUN100", "experiment-name-duplicate", scope=Tree, severity=ERROR)
def experiment_names_unique(tree: Tree, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Experiment names must be unique across the tree, deleted experiments in `.trash` included.

    Why: MLflow resolves `set_experiment(name)` / `get_experiment_by_name` to whichever folder
    it lists first, so runs land in the wrong experiment; the database store has a UNIQUE
    constraint on the name, so `mlflow migrate-filestore` aborts on the second one.
    Fix: rename one of them (`mlflow experiments rename`, or edit `name` in its meta.yaml); for
    a deleted duplicate, `mlflow gc` removes it for good.
    """
    first: dict[str, str] = {}
    for rel, meta in _experiment_metas(tree):
        name = meta.get("name")
        if not isinstance(name, str):
            continue
        if name in first:
            where = "a deleted experiment in .trash" if rel.startswith(TRASH) else "another experiment"
            yield Problem(
                f"experiment name {name!r} is already used by {first[name]} ({where} has it too)",
                file=rel, pointer="/name", related=(first[name],), subject=name,
                hint="Names are unique in MLflow (the database enforces it, deleted experiments "
                     "included); rename one, or `mlflow gc` the deleted one.",
            )
        else:
            first[name] = rel


@rule("RUN101", "experiment-lifecycle-mismatch", scope=Experiment, severity=WARNING)
def experiment_lifecycle_matches_folder(experiment: Experiment,
                                        options: Mapping[str, Any]) -> Iterator[Problem]:
    """An experiment's `lifecycle_stage` must agree with where it lives: `deleted` exactly when
    the folder is in `.trash/`.

    Why: `mlflow.delete_experiment` sets `deleted` AND moves the folder to `.trash/`; restore does
    both in reverse. A folder moved by hand (or a meta edited by hand) shows up in the wrong
    list, and `restore_experiment`/`delete_experiment` then fail to find it. An `active`
    experiment in `.trash/` (what MLflow 1.x wrote) comes back, with its runs, as an active
    experiment after `mlflow migrate-filestore`.
    Fix: use `mlflow experiments delete|restore`, or move the folder to match `lifecycle_stage`.
    """
    meta = meta_of(experiment)
    stage = meta.get("lifecycle_stage") if meta else None
    if stage not in ("active", "deleted"):
        return  # missing or invalid: the schema rule reports it
    trashed = in_trash(experiment)
    if trashed and stage == "active":
        # MLflow 1.x left deleted experiments so; the migration keys on lifecycle_stage, not
        # on the folder, so the "deleted" experiment and its runs come back active.
        yield Problem("experiment is in .trash but its lifecycle_stage is 'active': "
                      "`mlflow migrate-filestore` brings it back as an active experiment",
                      file="meta.yaml", pointer="/lifecycle_stage",
                      hint="Restore it with `mlflow experiments restore` or set 'deleted'.")
    elif not trashed and stage == "deleted":
        yield Problem("experiment is marked 'deleted' but its folder is not in .trash/",
                      file="meta.yaml", pointer="/lifecycle_stage",
                      hint="Move the folder to .trash/ (what delete_experiment does) or set 'active'.")


def _relocation(tree: Tree) -> tuple[str, str, int, str] | None:
    """(old root, first meta, count, host) when experiment locations point to another root."""
    here = os.path.realpath(tree.path)
    old_roots: dict[str, list[str]] = {}
    host = ""
    for rel, meta in _experiment_metas(tree):
        location = meta.get("artifact_location")
        exp_id = rel.split("/")[-2]
        remote = uri_host(location)
        path = local_path(location) if not remote else posixpath.normpath(unquote(urlparse(location).path))
        if path is None or not path.endswith("/" + exp_id):
            continue  # a custom artifact root (s3://, a shared disk…) is not a relocation
        root = path[: -len(exp_id) - 1]
        if remote or os.path.realpath(root) != here:
            host = host or remote
            old_roots.setdefault(root, []).append(rel)
    if not old_roots:
        return None
    root, rels = max(old_roots.items(), key=lambda item: len(item[1]))
    return root, rels[0], sum(len(r) for r in old_roots.values()), host


@rule("RUN102", "tree-relocated", scope=Tree, severity=WARNING, default=False,
      groups=["relocation"])
def tree_relocated(tree: Tree, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The tree was moved or copied: its experiments' `artifact_location` URIs still point to
    the root it was written at (or to another machine). Reported once per tree.

    Off by default (every copied tree has it, test fixtures included); enable it with
    `--extend-select @relocation` (or `RUN102`, or `--select ALL`).

    Why: MLflow never rewrites these absolute URIs. It looks for every run's artifacts and
    every logged model at the OLD location: where that no longer exists, `load_model`,
    `download_artifacts` and the UI's artifact view fail; where it still exists, MLflow
    silently reads (and writes) the old copy instead of this one. `mlflow migrate-filestore`
    copies the URIs into the database unchanged.
    Fix: serve the tree from its original path (a symlink at the old root works), or rewrite
    the `file://<old root>` prefix in every `meta.yaml` (experiments, runs, logged models,
    registry versions) to the new root.
    """
    found = _relocation(tree)
    if found is None:
        return
    root, rel, count, host = found
    windows = len(root) > 3 and root[0] == "/" and root[2] == ":" and root[1].isalpha()
    if windows:  # file:///C:/… — written on Windows
        root = root[1:]
    where = f"on machine {host!r}" if host else "a Windows path, not on this machine" if windows else (
        "which still exists here: MLflow reads and writes that copy, not this one"
        if os.path.isdir(root) else "which does not exist on this machine")
    yield Problem(
        f"tree was moved or copied: {count} experiment(s) record artifact locations under "
        f"{root!r} ({where}); MLflow will look for all run and model artifacts there, not in this tree",
        file=rel, pointer="/artifact_location", subject=root,
        hint="Rewrite the old prefix in every meta.yaml to this tree's path, or keep serving the "
             "tree from its original location.",
    )


@rule("RUN103", "artifact-location-inconsistent", scope=(Run, LoggedModel), severity=WARNING)
def artifact_location_consistent(unit: Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A run's `artifact_uri` must be `<experiment artifact_location>/<run_id>/artifacts`, a logged
    model's `artifact_location` `<experiment artifact_location>/models/<model_id>/artifacts`.

    A tree that was moved as a whole is consistent and reported once by `tree-relocated`; this
    rule flags a single run or model that disagrees with its own experiment — typically one
    copied in from another tree or experiment.
    Why: MLflow reads and writes that run's artifacts at its own URI, so they end up outside the
    experiment (or in another tree), and are lost when only the experiment is copied or deleted.
    Fix: move the run back where it came from, or rewrite its URI to the experiment's location.
    """
    meta = meta_of(unit)
    experiment = unit.parent
    exp_meta = meta_of(experiment) if isinstance(experiment, Experiment) else None
    if meta is None or exp_meta is None:
        return
    base = exp_meta.get("artifact_location")
    key = "artifact_uri" if isinstance(unit, Run) else "artifact_location"
    actual = meta.get(key)
    if not isinstance(base, str) or not base or not isinstance(actual, str) or not actual:
        return
    middle = unit.name if isinstance(unit, Run) else f"models/{unit.name}"
    expected = f"{base.rstrip('/')}/{middle}/artifacts"
    if not same_location(actual, expected):
        yield Problem(
            f"{key} {actual!r} is not under the experiment's artifact_location "
            f"(expected {expected!r}); MLflow reads and writes these artifacts there",
            file="meta.yaml", pointer=f"/{key}",
            hint="Was this folder copied from another experiment or tree? Move it back, or "
                 "rewrite the URI.",
        )
