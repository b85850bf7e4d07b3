"""Streaming discovery and the per-unit special-file scan change nothing in the report.

Units reach the scheduler as discovery finds them, and each unit scans its own folder for
FIFOs and bad symlinks (MLT003/MLT005) in whichever process checks it; the engine filters
those findings once discovery is complete. These tests pin the result to an oracle — the
former whole-tree scan, run after a complete discovery — on a tree where every shortcut
would show: special files in every kind of unit folder, in a model folder nested in a model
folder, behind symlinked runs and artifacts, with overlapping and file arguments.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlint import Config, run
from mlint.core.diagnostics import fingerprint
from mlint.core.engine import key_path
from mlint.discovery.layout import has_mlmodel
from mlint.discovery.special_files import keep, model_link, scan
from mlint.discovery.units import Experiment, ModelDir, Run, Tree, Unit
from mlint.discovery.walk import discover, inode_key
from mlint.perf import parallel
from mlint.reading.filecache import FileCache
from mlint.reading.files import FileFailure, check_symlink, special_file
from tests.perf.test_parallel_cache import EXP, make_tree

SPECIAL = ("MLT003", "MLT005")


def _run_name(i: int) -> str:
    # make_tree's first ten run ids are all digits, which makes their experiment look like a
    # tracking root to `classify` (numbered folders with meta.yaml): file arguments inside it
    # would not map to runs. A letter keeps the layout unambiguous.
    return "b" + f"{i:032x}"[1:] if i < 10 else f"{i:032x}"


def _r(root: Path, i: int) -> Path:
    return root / EXP / _run_name(i)


def _m(root: Path, i: int) -> Path:
    return root / EXP / "models" / f"m-{i:032x}"


def make_special_tree(base: Path) -> Path:
    root = make_tree(base, runs=12)
    exp = root / EXP
    for i in range(10):
        (exp / f"{i:032x}").rename(_r(root, i))
    os.mkfifo(_r(root, 1) / "artifacts" / "pipe")  # also met by discovery's own walk
    os.symlink("/nonexistent", _r(root, 1) / "params" / "dangling")
    os.symlink("/etc/passwd", _m(root, 2) / "artifacts" / "outside")
    os.mkfifo(_m(root, 2) / "artifacts" / "pipe2")
    os.mkfifo(root / "toppipe")
    os.symlink("nowhere", root / "topdangling")
    (exp / "tags").mkdir()
    os.mkfifo(exp / "tags" / "tagpipe")
    (_r(root, 4) / "artifacts" / "nested").mkdir()
    os.mkfifo(_r(root, 4) / "artifacts" / "nested" / "deep")
    os.mkfifo(_r(root, 4) / "metrics" / "mpipe")
    # Artifacts reached first through another run's symlink: a unit under another path.
    os.symlink(str(_m(root, 9) / "artifacts"), _r(root, 8) / "artifacts" / "linked")
    os.mkfifo(_m(root, 9) / "artifacts" / "p9")
    # A model folder in run artifacts, with a model folder inside it (not a unit of its own
    # unless given as an argument).
    model = _r(root, 10) / "artifacts" / "model"
    (model / "inner").mkdir(parents=True)
    (model / "MLmodel").write_text("flavors: {}\n")
    (model / "inner" / "MLmodel").write_text("flavors: {}\n")
    os.mkfifo(model / "inner" / "ipipe")
    os.mkfifo(model / "mpipe")
    os.symlink(str(_r(root, 11)), exp / ("e" * 32))  # a run reached twice
    os.mkfifo(_r(root, 11) / "rpipe")
    (root / ".trash").mkdir()
    os.mkfifo(root / ".trash" / "tpipe")
    return root


_SHALLOW: dict[type[Unit], frozenset[str]] = {Tree: frozenset(), Experiment: frozenset({"tags", "datasets"})}


Expected = set[tuple[str, str, str, str]]


def _expected(path: Path, failure: FileFailure, key_root: Path) -> tuple[str, str, str, str]:
    return (str(path), failure.code, failure.message,
            fingerprint(failure.code, key_path(path, key_root), "", ""))


def oracle(paths: list[Path]) -> Expected:
    """The former implementation: discover everything, then scan each unit's folder with the
    set of all unit folders and of the paths discovery reported at hand. (It reported every
    scan finding with the fingerprint root of whichever unit was checked first; the owning
    unit's, used here and now, is what the same file gets when a rule reads it.)"""
    found = discover(paths, FileCache())
    units = found.units
    unit_dirs = {inode_key(u.path) for u in units}
    already = {path for path, _ in found.problems}
    out = {_expected(p, f, p if p.is_dir() else p.parent) for p, f in found.problems if f.code in SPECIAL}
    recorded: set[Path] = set()

    def record(path: Path, failure: FileFailure) -> None:
        if path not in recorded:
            recorded.add(path)
            out.add(_expected(path, failure, unit.context.key_root))

    for unit in units:
        shallow = _SHALLOW.get(type(unit))
        pending = [(unit.path, 0)]
        while pending:
            folder, depth = pending.pop()
            with os.scandir(folder) as it:
                entries = list(it)
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    failure = None if path in already else check_symlink(path, unit.context.root)
                    if path not in already and isinstance(unit, ModelDir):
                        failure = model_link(path, unit.path, failure)  # judged by the model folder
                    if failure is not None:
                        record(path, failure)
                elif entry.is_dir(follow_symlinks=False):
                    if shallow is not None and (depth > 0 or entry.name not in shallow):
                        continue
                    if inode_key(path) not in unit_dirs:
                        pending.append((path, depth + 1))
                elif not entry.is_file(follow_symlinks=False) and path not in already:
                    record(path, special_file(path, os.lstat(path).st_mode))
    return out


def _specials(report: object) -> Expected:
    found = [(os.path.abspath(d.path), d.code, d.message, d.fingerprint)
             for d in report.diagnostics if d.code in SPECIAL]  # type: ignore[attr-defined]
    # Each path once (findings that compare equal collapse; their fingerprints may not).
    assert len({f[:3] for f in found}) == len(found), found
    return set(found)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_UNITS", 1)  # workers even on a small tree
    return make_special_tree(tmp_path / "work")


def _argument_sets(root: Path) -> list[list[Path]]:
    model = _r(root, 10) / "artifacts" / "model"
    return [
        [root],
        [root, root],  # given twice
        [_r(root, 10) / "meta.yaml"],  # a file argument: the run alone, its model folder not a unit
        [_r(root, 10) / "meta.yaml", root],  # ... and then the whole tree
        [root, model / "inner"],  # a nested model folder made a unit by a second argument
        [model, model / "inner"],
        [root / EXP, _r(root, 4)],  # overlapping arguments
    ]


@pytest.mark.parametrize("case", range(7))
def test_special_files_match_the_whole_tree_scan(root: Path, case: int) -> None:
    paths = _argument_sets(root)[case]
    expected = oracle(paths)
    assert expected, "the tree has special files; an empty result would prove nothing"
    serial = run(paths, Config())
    assert _specials(serial) == expected
    for jobs in (2, 3):
        assert run(paths, Config(), jobs=jobs).diagnostics == serial.diagnostics


def test_special_files_survive_workers_and_a_warm_cache(root: Path, tmp_path: Path) -> None:
    serial = run([root], Config())
    found = _specials(serial)
    for name in ("pipe", "dangling", "outside", "pipe2", "toppipe", "tagpipe", "deep", "mpipe", "p9",
                 "rpipe", "tpipe"):
        assert any(f[0].endswith(os.sep + name) for f in found), name
    cache = tmp_path / "cache"
    for jobs in (1, 2):
        assert run([root], Config(), jobs=jobs, cache_dir=cache).diagnostics == serial.diagnostics
        assert run([root], Config(), jobs=jobs, cache_dir=cache).diagnostics == serial.diagnostics


def test_scan_skips_model_folders_only_when_discovery_expanded_the_run(root: Path) -> None:
    run_dir = _r(root, 10)
    model = run_dir / "artifacts" / "model"
    owner = next(u for u in discover([run_dir], FileCache()).units if isinstance(u, Run))
    assert has_mlmodel(model)
    fast = {str(p) for p, _, _ in scan(owner, True, lambda p: False)}
    slow = list(scan(owner, False, lambda p: False))
    assert str(model / "mpipe") not in fast
    below = [(str(p), chain) for p, _, chain in slow if str(p).startswith(str(model) + os.sep)]
    assert below and all(inode_key(model) in chain for _, chain in below)
    # The fallback's extra findings are exactly those `keep` drops once the model is a unit.
    fake = [(None, path, chain) for path, chain in below]
    assert keep(fake, set(), {inode_key(model)}) == []  # type: ignore[arg-type]
    assert len(keep(fake, set(), set())) == len(below)  # type: ignore[arg-type]
    assert {str(p) for p, _, _ in slow} - {p for p, _ in below} == fast


def test_each_unit_checked_once_and_progress_counts(root: Path) -> None:
    seen: list[tuple[int, int]] = []
    single = run([root], Config())
    for jobs in (1, 2):
        seen.clear()
        twice = run([root, root, _r(root, 3), _m(root, 3) / "artifacts" / "MLmodel"], Config(),
                    lambda done, total: seen.append((done, total)), jobs=jobs)
        assert twice.units == single.units
        # A repeated argument adds nothing to check, which it says (MLT007); nothing else changes.
        assert [d for d in twice.diagnostics if d.code != "MLT007"] == single.diagnostics
        units = sum(single.units.values())
        assert [done for done, _ in seen] == list(range(1, units + 1))
        assert all(done <= total <= units for done, total in seen)
        assert seen[-1] == (units, units)
