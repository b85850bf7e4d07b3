"""The scheduler: check units serially or in worker processes, through the result cache.

Units are path handles, so a worker rebuilds them from a small picklable description
(`UnitSpec`) instead of receiving loaded objects. Units go to workers in contiguous batches
(a run and its model folders stay together, so files they share are read once per batch),
and results come back in submission order; the engine sorts the final list anyway, so the
output is the same for any `--jobs` and any cache state.

Memory stays flat: each batch has its own file cache, parsed files are evicted when the
scheduler leaves a unit's folder, and only diagnostics travel back to the parent.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlint.cache import (
    ResultCache,
    SuppressionRecord,
    encode_entry,
    inside_checked,
    run_fingerprint,
    unit_key,
)
from mlint.deps import Tracker, own_folder
from mlint.diagnostics import Diagnostic
from mlint.units import UNIT_KINDS, Context, FileCache, Unit

if TYPE_CHECKING:
    from mlint.config import Config
    from mlint.engine import Engine, Report

KINDS = {cls.kind: cls for cls in UNIT_KINDS}
# Below this many units a pool costs more than it saves (pre-commit passes a handful).
MIN_PARALLEL_UNITS = 200


@dataclass(frozen=True)
class UnitSpec:
    """A unit as plain strings: its chain of (kind, path) from the top, and its context."""

    chain: tuple[tuple[str, str], ...]
    root: str
    key_root: str

    @classmethod
    def of(cls, unit: Unit) -> UnitSpec:
        chain = tuple((u.kind, str(u.path)) for u in reversed([unit, *unit.ancestors()]))
        return cls(chain, str(unit.context.root), str(unit.context.key_root))


@dataclass
class Outcome:
    diagnostics: list[Diagnostic]
    files: int
    kind: str
    crashed: bool = False
    entry: tuple[str, bytes] | None = None  # a new cache row for the parent to write
    # What `engine.filters.collect` gathered for this unit; the parent's filters apply them.
    suppressions: list[SuppressionRecord] = field(default_factory=list)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Scheduler:
    def __init__(self, engine: Engine, paths: Sequence[Path]) -> None:
        self.engine = engine
        self.cache: ResultCache | None = None
        cache_dir = engine.cache_dir
        if cache_dir is not None and not inside_checked(cache_dir, paths):
            self.cache = ResultCache.open(cache_dir, run_fingerprint(engine.config, engine.registry))

    def run(self, units: list[Unit], report: Report) -> list[Diagnostic]:
        jobs = self.engine.jobs if self.engine.jobs > 0 else default_jobs()
        parallel = jobs > 1 and len(units) >= MIN_PARALLEL_UNITS and _can_fork()
        outcomes = self._parallel(units, jobs) if parallel else self._serial(units)
        diagnostics: list[Diagnostic] = []
        progress = self.engine.progress
        try:
            for done, outcome in enumerate(outcomes, 1):
                diagnostics.extend(outcome.diagnostics)
                self.engine.filters.suppressions.extend(outcome.suppressions)
                if progress is not None:
                    progress(done, len(units))
                report.units[outcome.kind] += 1
                report.files += outcome.files
                report.internal_error |= outcome.crashed
                if outcome.entry is not None and self.cache is not None:
                    self.cache.store(*outcome.entry)
        finally:
            if self.cache is not None:
                self.cache.close()
        return diagnostics

    def _serial(self, units: list[Unit]) -> Iterator[Outcome]:
        yield from check_batch(self.engine, units, self.cache)

    def _parallel(self, units: list[Unit], jobs: int) -> Iterator[Outcome]:
        size = max(8, min(256, len(units) // (jobs * 16)))
        batches = [[UnitSpec.of(u) for u in units[i:i + size]] for i in range(0, len(units), size)]
        if self.cache is not None:
            self.cache.flush()
        global _WORKER_STATE
        _WORKER_STATE = (self.engine, self.cache.db if self.cache is not None else None)
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_worker_init) as pool:
            for outcomes in pool.imap(_worker_batch, batches):
                yield from outcomes
        _WORKER_STATE = None


def check_batch(engine: Engine, units: Sequence[Unit], cache: ResultCache | None) -> Iterator[Outcome]:
    """Check units in order, evicting parsed files when leaving a unit's folder."""
    open_units: list[Unit] = []
    for unit in units:
        ancestors = {id(a) for a in unit.ancestors()}
        while open_units and id(open_units[-1]) not in ancestors:
            _forget(open_units.pop(), open_units)
        open_units.append(unit)
        yield check_one(engine, unit, cache)
    while open_units:
        _forget(open_units.pop(), open_units)


def _forget(unit: Unit, still_open: list[Unit]) -> None:
    """Leaving a unit's folder: drop its parsed files and what rules memoised on it (the
    discovery list keeps every unit alive, so memos would otherwise grow with the tree), and
    keep the cache small when rules read files outside their unit."""
    unit.context.cache.evict_under(unit.path)
    unit.context.cache.prune({str(u.path) for u in still_open})
    for name in [n for n in vars(unit) if n not in ("path", "context", "parent")]:
        delattr(unit, name)


def check_one(engine: Engine, unit: Unit, cache: ResultCache | None) -> Outcome:
    from mlint.engine import Report

    files = unit.context.cache
    path = str(unit.path)
    key = unit_key(unit.kind, path, str(unit.context.root), str(unit.context.key_root))
    if cache is not None:
        hit = cache.lookup(key, path, unit.kind)
        if hit is not None:
            return Outcome(hit.diagnostics, hit.files, unit.kind, suppressions=hit.suppressions)
    covered: set[str] = set()
    own = (own_folder(unit.kind, path, covered=covered), covered) if cache is not None else ("", covered)
    tracker = Tracker() if cache is not None else None
    files.tracker, files.accessed = tracker, set()
    scratch = Report()
    collected = engine.filters.suppressions
    before = len(collected)
    try:
        diagnostics = engine.check_unit(unit, scratch)
        prefix = path.rstrip(os.sep) + os.sep
        count = sum(1 for p in files.accessed if str(p).startswith(prefix))
    finally:
        files.tracker, files.accessed = None, None
        suppressions = collected[before:]
        del collected[before:]  # handed to the parent through the outcome, in unit order
    entry = None
    if tracker is not None and not scratch.internal_error and not tracker.volatile:
        entry = (key, encode_entry(path, diagnostics, count, tracker, suppressions, own))
    return Outcome(diagnostics, count, unit.kind, scratch.internal_error, entry, suppressions)


# --- worker side --------------------------------------------------------------------------
_WORKER_STATE: tuple[Engine, Path | None] | None = None  # inherited through fork
_WORKER_CACHE: ResultCache | None = None


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _worker_init() -> None:
    global _WORKER_CACHE
    assert _WORKER_STATE is not None
    db = _WORKER_STATE[1]
    if db is not None:
        try:
            _WORKER_CACHE = ResultCache(db, readonly=True)
        except Exception:
            _WORKER_CACHE = None


def _worker_batch(specs: list[UnitSpec]) -> list[Outcome]:
    assert _WORKER_STATE is not None
    engine = _WORKER_STATE[0]
    units = rebuild(specs, engine.config)
    return list(check_batch(engine, units, _WORKER_CACHE))


def rebuild(specs: list[UnitSpec], config: Config) -> list[Unit]:
    """Units again, sharing one file cache and one object per enclosing folder per batch."""
    files = FileCache(max_bytes=config.max_file_bytes, max_nodes=config.max_yaml_nodes,
                      max_depth=config.max_nesting_depth)
    contexts: dict[tuple[str, str], Context] = {}
    made: dict[tuple[str, str, str, str], Unit] = {}
    units = []
    for spec in specs:
        context = contexts.setdefault((spec.root, spec.key_root),
                                      Context(Path(spec.root), Path(spec.key_root), files))
        parent: Unit | None = None
        for kind, path in spec.chain:
            key = (kind, path, spec.root, spec.key_root)
            if key not in made:
                made[key] = KINDS[kind](Path(path), context, parent)
            parent = made[key]
        assert parent is not None
        units.append(parent)
    return units


__all__ = ["Outcome", "Scheduler", "UnitSpec", "check_batch", "default_jobs"]
