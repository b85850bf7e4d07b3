"""FIFOs, sockets, devices and bad symlinks that no rule reads, found per unit.

Rules read only the files they know, so a FIFO nobody reads would otherwise pass silently;
and whatever reads the artifact later (MLflow, a copy step) may hang on it. `scandir` entry
types tell without opening or even stat-ing anything.

Each unit scans its own folder while it is checked (in a worker when there are workers),
so the scan runs in parallel and needs no list of all units. Two decisions need the whole
discovery, which a worker does not have while discovery is still streaming:

* folders that are units of their own are not entered (each unit scans its own folder);
* paths discovery already reported (MLT003/MLT005 while walking) are not reported again.

So a scan returns *candidates*, each with the inode keys of the folders it entered below
the unit (`chain`), and the engine keeps, once discovery is complete, the candidates whose
path discovery did not report and whose chain crosses no unit folder (`keep`). A scan skips
up front only the folders it knows to be units: model folders below `artifacts/` of a run or
logged model that discovery expanded (it finds exactly those; see `scan`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

from mlint.core.codes import UNREADABLE, UNSAFE_SYMLINK
from mlint.core.diagnostics import Diagnostic, Severity
from mlint.discovery.layout import has_mlmodel
from mlint.discovery.units import Experiment, LoggedModel, ModelDir, Run, Tree, Unit
from mlint.discovery.walk import inode_key
from mlint.reading.files import FileFailure, check_symlink, special_file

# A candidate finding: the located diagnostic, its path, and the folders entered to reach it.
Candidate = tuple[Diagnostic, str, tuple[int | None, ...]]

# Below these units only their own bookkeeping folders are theirs; the rest are child units.
_SHALLOW_UNITS: dict[type[Unit], frozenset[str]] = {
    Tree: frozenset(),
    Experiment: frozenset({"tags", "datasets"}),
}


def scan(unit: Unit, expanded: bool,
         excluded: Callable[[Path], bool]) -> Iterator[tuple[Path, FileFailure, tuple[int | None, ...]]]:
    """(path, failure, chain) for every FIFO, socket or device in the unit's folder and every
    symlink there that dangles, loops or leads out of the checked root. Iterative; symlinks
    are not entered.

    `expanded`: discovery walked this run's or logged model's `artifacts/` (`iter_units` says
    so), so every folder with an `MLmodel` below it that the scan can reach is a unit of its
    own — found by that walk, or entered earlier as a unit through another path — and is
    skipped without a stat. Otherwise (a unit given as a file argument) the scan enters it,
    and `keep` drops what it found there if the folder turns out to be a unit.
    """
    shallow = _SHALLOW_UNITS.get(type(unit))
    models_are_units = expanded and isinstance(unit, (Run, LoggedModel))
    artifacts = str(unit.path / "artifacts")
    below_artifacts = artifacts + os.sep
    root = unit.context.root
    pending: list[tuple[Path, int, tuple[int | None, ...]]] = [(unit.path, 0, ())]
    while pending:
        folder, depth, chain = pending.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:  # what cannot be listed cannot be vouched for
            reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
            yield folder, FileFailure(UNREADABLE, f"folder cannot be listed: {reason}"), chain
            continue
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False):
                    continue  # nearly every entry: nothing to report, so no Path is built
                path = Path(entry.path)
                if entry.is_symlink():
                    failure = check_symlink(path, root)
                    if isinstance(unit, ModelDir):
                        failure = model_link(path, unit.path, failure)
                    if failure is not None and not excluded(path):
                        yield path, failure, chain
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if shallow is not None and (depth > 0 or entry.name not in shallow):
                        continue
                    in_artifacts = entry.path == artifacts or entry.path.startswith(below_artifacts)
                    if models_are_units and in_artifacts and has_mlmodel(path):
                        continue
                    if not excluded(path):
                        pending.append((path, depth + 1, (*chain, inode_key(path))))
                elif not excluded(path):
                    yield path, special_file(path, os.lstat(path).st_mode), chain
            except OSError:
                continue


def model_link(path: Path, model: Path, failure: FileFailure | None) -> FileFailure | None:
    """A symlink in a model folder that leads out of it is an error, not a warning: MLflow's
    log_model/log_artifacts, `cp -r`, and uploads follow it and ship the target (a key, a
    password file) with the model. Dangling and looping links stay warnings."""
    if failure is not None and "outside" not in failure.message:
        return failure
    if failure is None and check_symlink(path, model) is None:
        return None  # resolves inside the model folder
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return FileFailure(
        UNSAFE_SYMLINK, f"'{path.name}' is a symlink to {target}, outside the model folder: logging, "
                  "copying or uploading the model follows it and ships the target; not followed",
        hint="Replace the link with a copy of the file if it belongs to the model, else delete it.",
        severity=Severity.ERROR)


def keep(candidates: Iterable[Candidate], already: Collection[str],
         unit_dirs: Collection[int | None]) -> list[Diagnostic]:
    """The candidates discovery did not report itself, found outside every other unit."""
    return [d for d, path, chain in candidates
            if path not in already and not any(key in unit_dirs for key in chain)]
