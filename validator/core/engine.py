"""Run rules over units and turn their problems into located, filtered diagnostics.

Rules speak in (file, JSON pointer); the engine finds line and column, applies severity
overrides and ignores, reports each file failure once (MLT), and turns a crashing rule into
an `MLT900` finding instead of a traceback.
"""

from __future__ import annotations

import itertools
import os
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlint.core.codes import MLT_CODES, RULE_CRASHED
from mlint.core.config import Config
from mlint.core.diagnostics import Diagnostic, Problem, Severity, fingerprint
from mlint.core.filters import Filters
from mlint.core.registry import Registry, Rule
from mlint.discovery.special_files import keep
from mlint.discovery.units import Unit
from mlint.discovery.walk import Discovery, Found, iter_units, refuse_remote
from mlint.reading.filecache import FileCache
from mlint.reading.files import Document, FileFailure, iter_lines
from mlint.remote.uri import is_remote
from mlint.trackingdb.database import TrackingDatabase
from mlint.trackingdb.discover import argument_path
from mlint.trackingdb.server import shown


@dataclass
class Report:
    """Everything one check produced."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Findings hidden by an in-artifact suppression or the baseline (`Diagnostic.suppressed`
    # says why); reporters show them only with --include-suppressed.
    suppressed: list[Diagnostic] = field(default_factory=list)
    units: Counter[str] = field(default_factory=Counter)
    files: int = 0
    internal_error: bool = False
    # The config's `fail_on` (set by the engine): what `exit_code` and `failing` judge by.
    fail_on: Severity = Severity.ERROR
    # Remote inputs only (mlint.remote): requests and bytes, per prefix and in total.
    remote: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """What `mlint check` exits with for this report: 2 when a rule crashed (MLT900),
        1 when a finding is at or above `fail_on`, else 0."""
        if self.internal_error:
            return 2
        return 1 if self.failed(self.fail_on) else 0

    def failing(self, diagnostic: Diagnostic) -> bool:
        """Whether this finding, by its severity, fails the check (`fail_on`)."""
        return diagnostic.severity.rank >= self.fail_on.rank

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity and not d.suppressed)

    def failed(self, threshold: Severity) -> bool:
        return any(d.severity.rank >= threshold.rank for d in self.diagnostics if not d.suppressed)


# Called after each unit with (units done, units total): the CLI's progress display.
Progress = Callable[[int, int], None]


class Engine:
    def __init__(self, registry: Registry, config: Config, progress: Progress | None = None, *,
                 jobs: int = 1, cache_dir: Path | None = None, executor: str | None = None) -> None:
        self.registry = registry
        self.config = config
        self.enabled = config.enabled(registry)
        self.rules_by_kind: dict[str, list[Rule]] = {}
        self.progress = progress
        # Suppressions and baseline (mlint.core.filters): collected per unit, applied after the run.
        self.filters = Filters(self)
        # Performance only (mlint.perf.parallel, mlint.perf.cache): worker processes and the result cache
        # never change the diagnostics, only how fast they come.
        self.jobs = jobs
        self.cache_dir = cache_dir
        # None: the local process pool (`jobs`); `dask` or `dask://HOST:PORT`: mlint.perf.dask_executor.
        self.executor = executor
        # Set by remote checks (mlint.remote.check): wraps the stream of units to fetch each
        # unit's objects before it is checked; and what a Dask worker needs to do the same.
        self.around_units: Callable[[Iterator[Found]], Iterator[Found]] | None = None
        self.remote_stages: list[Any] = []

    def check(self, paths: Sequence[Path]) -> Report:
        from mlint.perf.parallel import Scheduler

        cache = FileCache(max_bytes=self.config.max_file_bytes, max_nodes=self.config.max_yaml_nodes,
                          max_depth=self.config.max_nesting_depth)
        found = Discovery()
        # One value per check; worker processes inherit it (fork).
        TrackingDatabase.artifact_root_override = self.config.artifact_root
        units = iter_units(list(paths), cache, found, walk_excluder(paths, self.config))
        if self.around_units is not None:
            units = self.around_units(units)
        report = Report(fail_on=self.config.fail_on)
        checked, candidates = Scheduler(self, paths).run(units, found, report)
        # Discovery is complete only now: its own problems, and what the units' special-file
        # scans found outside other units and not already reported by discovery. The order
        # matters: `set` keeps the first of findings that compare equal (fingerprint, hint and
        # severity do not take part), and discovery's come first, then the scans', then what
        # rules read — the order in which the file cache used to record them.
        diagnostics = [d for path, failure in found.problems
                       for d in self.failure(path, failure, path if path.is_dir() else path.parent)]
        diagnostics += keep(candidates, {str(path) for path, _ in found.problems}, found.unit_dirs)
        diagnostics += checked
        diagnostics = sorted(set(self.filters.post_filter(diagnostics, found.identities)))
        report.diagnostics = [d for d in diagnostics if d.suppressed is None]
        report.suppressed = [d for d in diagnostics if d.suppressed is not None]
        return report

    def check_unit(self, unit: Unit, report: Report) -> list[Diagnostic]:
        """Every diagnostic of one unit: its primary files' failures, its rules' findings,
        problems with its suppressions (which `self.filters` collects), and the failures of
        files first read while checking it."""
        cache = unit.context.cache
        out: list[Diagnostic] = []
        for rel in unit.primary_files:
            if unit.exists(rel):
                unit.yaml(rel)
        try:
            for meta in self._rules_for(unit):
                out.extend(self._apply(meta, unit, report))
        finally:
            if isinstance(unit, TrackingDatabase):
                unit.close()  # a server session ends here, not whenever garbage collection runs
        out.extend(self.filters.collect(unit))  # suppressions declared in this unit's files
        for path in list(cache.failures):
            out.extend(self.failure(path, cache.failures.pop(path), unit.context.key_root))
        return out

    def key_root(self, default: Path) -> Path:
        """Fingerprints are relative to the checked root, or to `fingerprint_root` when set (a
        baseline's folder), so that a baseline matches however the paths were given."""
        return self.config.fingerprint_root or default

    def _rules_for(self, unit: Unit) -> list[Rule]:
        if unit.kind not in self.rules_by_kind:
            self.rules_by_kind[unit.kind] = [
                r for r in self.enabled.values() if r.func is not None and r.applies_to(unit)
            ]
        return self.rules_by_kind[unit.kind]

    def _apply(self, meta: Rule, unit: Unit, report: Report) -> Iterator[Diagnostic]:
        assert meta.func is not None
        try:
            problems = list(meta.func(unit, self.config.options_for(meta)))
        except Exception as exc:  # a rule bug must not stop the audit of everything else
            report.internal_error = True
            yield self._crash(meta, unit, exc)
            return
        for problem in problems:
            diagnostic = self.locate(meta, unit, problem)
            if diagnostic is not None:
                yield diagnostic

    def locate(self, meta: Rule, unit: Unit, problem: Problem) -> Diagnostic | None:
        path = unit.file(problem.file) if problem.file else unit.path
        if self.config.ignored_at(self.registry, meta.code, path):
            return None
        line, column, source = problem.line or 0, problem.column or 0, ""
        document = unit.context.cache.document(path)
        if problem.line is None and problem.pointer and document is not None:
            line, column = document.locate(problem.pointer)
        if document is not None and line:
            source = _line_text(document, line)
        if problem.line is not None and problem.column is None:
            column = 1 if line else 0
        return Diagnostic(
            path=display_path(path),
            line=line,
            column=column,
            code=meta.code,
            name=meta.name,
            severity=self.config.severity_of(meta, problem.severity),
            message=problem.message,
            pointer=problem.pointer,
            hint=problem.hint,
            fingerprint=fingerprint(meta.code, key_path(path, self.key_root(unit.context.key_root)),
                                    problem.pointer, problem.subject or _no_digits(problem)),
            related=tuple(display_path(unit.file(r)) for r in problem.related),
            source=source,
        )

    def failure(self, path: Path, failure: FileFailure, key_root: Path) -> Iterator[Diagnostic]:
        meta = self.registry.get(failure.code)
        if meta is None or failure.code not in MLT_CODES:
            # A typo'd or unregistered code would silently drop the finding: refuse it loudly.
            raise ValueError(f"Engine.failure: {failure.code!r} is not an MLT code (mlint.core.codes)")
        if meta.code not in self.enabled:
            return
        if self.config.ignored_at(self.registry, meta.code, path):
            return
        yield Diagnostic(
            path=display_path(path),
            line=failure.line,
            column=failure.column,
            code=meta.code,
            name=meta.name,
            severity=self.config.severity_of(meta, failure.severity),
            message=failure.message,
            hint=failure.hint,
            fingerprint=fingerprint(meta.code, key_path(path, self.key_root(key_root)), "", ""),
        )

    def _crash(self, meta: Rule, unit: Unit, exc: Exception) -> Diagnostic:
        crash = self.registry.get(RULE_CRASHED)
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        return Diagnostic(
            path=display_path(unit.path),
            line=0,
            column=0,
            code=RULE_CRASHED,
            name=crash.name if crash else "rule-crashed",
            severity=Severity.ERROR,
            message=f"rule {meta.code} ({meta.name}) crashed: {type(exc).__name__}: {exc} [{where}]",
            hint="This is a bug in the rule, not in your artifact; please report it. "
                 "Other rules still ran.",
            fingerprint=fingerprint(RULE_CRASHED, key_path(unit.path, self.key_root(unit.context.key_root)),
                                    meta.code, ""),
        )


def walk_excluder(paths: Sequence[Path], config: Config) -> Callable[[Path], bool]:
    """What directory walks skip: `exclude` from the config, and (unless turned off) what
    git ignores below the checked folders. Explicitly given paths are always checked."""
    if not config.respect_gitignore:
        return config.is_excluded
    from mlint.discovery.gitignore import excluder

    ignored = excluder(p for p in paths if os.path.isdir(p))
    if ignored is None:
        return config.is_excluded
    return lambda path: ignored(path) or config.is_excluded(path)


def _line_text(document: Document, line: int) -> str:
    # Lazily: splitlines() per finding turned 20 findings in a 10-million-line metric file
    # into 20 lists of 10 million strings (~1 GB, minutes).
    if line <= 0:
        return ""
    return next(itertools.islice(iter_lines(document.text), line - 1, None), "")[:400]


def _no_digits(problem: Problem) -> str:
    # Without pointer or subject, the message identifies the finding; drop digits so that
    # counts or line numbers inside it do not change the fingerprint.
    return "" if problem.pointer else "".join(c for c in problem.message if not c.isdigit())


def display_path(path: Path) -> str:
    """Paths as the user would type them: relative to the working directory when below it; a
    server database as its URL, password redacted."""
    server = shown(path)
    if server is not None:
        return server
    text = os.path.abspath(path)
    cwd = os.getcwd()
    if text == cwd:
        return "."
    if text.startswith(cwd + os.sep):
        text = os.path.relpath(text, cwd)
    return Path(text).as_posix()


def key_path(path: Path, root: Path) -> str:
    """The location used in fingerprints: relative to the checked root, POSIX."""
    server = shown(path)
    if server is not None:
        return server
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(os.path.abspath(path)).as_posix()


def check_paths(paths: Iterable[str | os.PathLike[str]], registry: Registry, config: Config,
                progress: Progress | None = None, *, jobs: int = 1,
                cache_dir: Path | None = None, executor: str | None = None) -> Report:
    paths = list(paths)
    refuse_remote(paths)  # ConfigError: the CLI exits 2, the API raises
    if executor is not None:
        from mlint.perf.dask_executor import validated

        executor = validated(executor)
    if any(is_remote(p) for p in paths):  # object-store URIs (mlint.remote; fsspec imported there)
        from mlint.remote.check import check_remote

        return check_remote(paths, registry, config, progress, executor=executor)
    return Engine(registry, config, progress, jobs=jobs, cache_dir=cache_dir, executor=executor).check(
        [argument_path(p) for p in paths])
