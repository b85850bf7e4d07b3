"""The scheduler: check units serially or in worker processes, through the result cache.

Units are path handles, so a worker rebuilds them from a small picklable description
(`UnitSpec`) instead of receiving loaded objects. Units go to workers in contiguous batches
(a run and its model folders stay together, so files they share are read once per batch),
and results come back in submission order; the engine sorts the final list anyway, so the
output is the same for any `--jobs`, any batching and any cache state.

Memory stays flat: units stream in from discovery (a generator) and are dropped once
dispatched, batches are built only as workers take them, each batch has its own file cache,
parsed files are evicted when the scheduler leaves a unit's folder, and only diagnostics
travel back to the parent.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlint.core.diagnostics import Diagnostic
from mlint.discovery.special_files import Candidate, scan
from mlint.discovery.units import UNIT_KINDS, Context, Unit
from mlint.discovery.walk import Discovery, Found
from mlint.perf.cache import (
    ResultCache,
    SuppressionRecord,
    encode_entry,
    inside_checked,
    run_fingerprint,
    unit_key,
)
from mlint.reading.deps import Tracker, own_folder
from mlint.reading.filecache import FileCache
from mlint.reading.paths import forget_resolved

if TYPE_CHECKING:
    from mlint.core.config import Config
    from mlint.core.engine import Engine, Report

KINDS = {cls.kind: cls for cls in UNIT_KINDS}
# Below this many units a pool costs more than it saves (pre-commit passes a handful).
MIN_PARALLEL_UNITS = 200
# Batches start small, so that workers start while discovery goes on, and double up to
# MAX_BATCH (per-batch costs: rebuilding units, tree-wide indexes memoised per batch).
FIRST_BATCH, MAX_BATCH = 16, 256


@dataclass(frozen=True)
class UnitSpec:
    """A unit as plain strings: its chain of (kind, path) from the top, and its context."""

    chain: tuple[tuple[str, str], ...]
    root: str
    key_root: str
    expanded: bool = False  # see `mlint.discovery.special_files.scan`

    @classmethod
    def of(cls, unit: Unit, expanded: bool = False) -> UnitSpec:
        chain = tuple((u.kind, str(u.path)) for u in reversed([unit, *unit.ancestors()]))
        return cls(chain, str(unit.context.root), str(unit.context.key_root), expanded)


@dataclass
class Outcome:
    diagnostics: list[Diagnostic]
    files: int
    kind: str
    crashed: bool = False
    entry: tuple[str, bytes] | None = None  # a new cache row for the parent to write
    # What `engine.filters.collect` gathered for this unit; the parent's filters apply them.
    suppressions: list[SuppressionRecord] = field(default_factory=list)
    # Special files and bad symlinks in the unit's folder; the engine filters them once
    # discovery is complete (mlint.discovery.special_files.keep).
    candidates: list[Candidate] = field(default_factory=list)


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

    def run(self, units: Iterator[Found], found: Discovery,
            report: Report) -> tuple[list[Diagnostic], list[Candidate]]:
        """Check the units as discovery yields them; `found` is the discovery in progress
        (the units it has found so far are the progress total)."""
        jobs = self.engine.jobs if self.engine.jobs > 0 else default_jobs()
        outcomes: Iterator[Outcome]
        if self.engine.executor is not None:  # --executor dask[://…]: tasks on a Dask cluster
            from mlint.perf.dask_executor import outcomes as cluster_outcomes

            outcomes = cluster_outcomes(self.engine, units)
        elif jobs > 1 and _can_fork():
            # Enough units for a pool? Only the first MIN_PARALLEL_UNITS are held to decide.
            head = list(itertools.islice(units, MIN_PARALLEL_UNITS))
            if len(head) >= MIN_PARALLEL_UNITS:
                outcomes = self._parallel(itertools.chain(head, units), jobs)
            else:
                outcomes = self._serial(iter(head))
            del head
        else:
            outcomes = self._serial(units)
        diagnostics: list[Diagnostic] = []
        candidates: list[Candidate] = []
        progress = self.engine.progress
        try:
            for done, outcome in enumerate(outcomes, 1):
                diagnostics.extend(outcome.diagnostics)
                candidates.extend(outcome.candidates)
                self.engine.filters.suppressions.extend(outcome.suppressions)
                if progress is not None:
                    # The total grows while discovery streams; it is final at the last call.
                    progress(done, max(done, len(found.identities)))
                report.units[outcome.kind] += 1
                report.files += outcome.files
                report.internal_error |= outcome.crashed
                if outcome.entry is not None and self.cache is not None:
                    self.cache.store(*outcome.entry)
        finally:
            if self.cache is not None:
                self.cache.close()
        return diagnostics, candidates

    def _serial(self, units: Iterator[Found]) -> Iterator[Outcome]:
        yield from check_batch(self.engine, units, self.cache)

    def _parallel(self, units: Iterator[Found], jobs: int) -> Iterator[Outcome]:
        if self.cache is not None:
            self.cache.flush()
        if self.cache is None or self.cache.empty():
            # A cold check runs the rules on every unit; a warm one mostly reuses rows and
            # should not pay for imports that only a changed unit might need.
            preload(self.engine)
        global _WORKER_STATE
        _WORKER_STATE = (self.engine, self.cache.db if self.cache is not None else None)
        context = multiprocessing.get_context("fork")
        # `imap` pulls the lazy batches (and so discovery) in the pool's task thread, only as
        # fast as workers take them: the pipe to the workers is the back-pressure.
        with context.Pool(jobs, initializer=_worker_init) as pool:
            for outcomes in pool.imap(_worker_batch, spec_batches(units)):
                yield from outcomes
        _WORKER_STATE = None


def preload(engine: Engine) -> None:
    """Before forking: import the modules that enabled rules import lazily (a rule module's
    `FORK_PRELOAD`, e.g. the enforcement module with numpy and pandas). A short check never
    pays for them unless a rule needs them (start-up), but a pool's workers would otherwise
    each import their own copy: N times the CPU and N private copies of the pages, where
    one import in the parent is shared copy-on-write."""
    modules = {rule.func.__module__ for rule in engine.enabled.values() if rule.func is not None}
    for name in sorted(modules):
        for heavy in getattr(sys.modules.get(name), "FORK_PRELOAD", ()):
            with contextlib.suppress(ImportError):  # the rule reports it when it runs
                importlib.import_module(heavy)


def spec_batches(units: Iterable[Found], first: int = FIRST_BATCH,
                 cap: int = MAX_BATCH) -> Iterator[list[UnitSpec]]:
    """Contiguous batches of specs, built lazily; the units are not kept."""
    size = first
    batch: list[UnitSpec] = []
    for unit, expanded in units:
        batch.append(UnitSpec.of(unit, expanded))
        if len(batch) >= size:
            yield batch
            batch = []
            size = min(cap, size * 2)
            # The realpath memo (64k entries, ~15 MB when full) would otherwise grow with the
            # tree in the parent; discovery only needs it within a batch's folders.
            forget_resolved()
    if batch:
        yield batch


def check_batch(engine: Engine, units: Iterable[Found], cache: ResultCache | None) -> Iterator[Outcome]:
    """Check units in order, evicting parsed files when leaving a unit's folder."""
    open_units: list[Unit] = []
    for unit, expanded in units:
        ancestors = {id(a) for a in unit.ancestors()}
        while open_units and id(open_units[-1]) not in ancestors:
            _forget(open_units.pop(), open_units)
        open_units.append(unit)
        yield check_one(engine, unit, cache, expanded)
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


def check_one(engine: Engine, unit: Unit, cache: ResultCache | None, expanded: bool = False) -> Outcome:
    from mlint.core.engine import Report

    files = unit.context.cache
    path = str(unit.path)
    key = unit_key(unit.kind, path, str(unit.context.root), str(unit.context.key_root))
    if cache is not None:
        hit = cache.lookup(key, path, unit.kind)
        if hit is not None:
            return Outcome(hit.diagnostics, hit.files, unit.kind, suppressions=hit.suppressions,
                           candidates=hit.candidates)
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
    candidates = special_candidates(engine, unit, expanded)
    entry = None
    if tracker is not None and not scratch.internal_error and not tracker.volatile:
        entry = (key, encode_entry(path, diagnostics, count, tracker, suppressions, own, candidates))
    return Outcome(diagnostics, count, unit.kind, scratch.internal_error, entry, suppressions, candidates)


def special_candidates(engine: Engine, unit: Unit, expanded: bool) -> list[Candidate]:
    """The unit's special-file findings, located here (the unit's fingerprint root) and
    filtered by the engine once discovery is complete. Not recorded in the file cache: a rule
    that reads such a file reports the same failure itself, and `keep` may drop these."""
    return [(d, str(path), chain) for path, failure, chain in scan(unit, expanded, engine.config.is_excluded)
            for d in engine.failure(path, failure, unit.context.key_root)]


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
    forget_resolved()  # as in `spec_batches`: per batch, not per tree
    units = rebuild(specs, engine.config)
    return list(check_batch(engine, zip(units, (s.expanded for s in specs), strict=True), _WORKER_CACHE))


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


__all__ = ["Outcome", "Scheduler", "UnitSpec", "check_batch", "default_jobs", "rebuild", "spec_batches"]
