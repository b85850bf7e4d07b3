"""`mlint check --fix` / `mlint fix`: check, plan, show or apply, check again, summarise."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mlint.core.config import ConfigError
from mlint.core.engine import Report, display_path
from mlint.fixes.apply import Outcome, apply_edits, common_base, sweep_temporaries
from mlint.fixes.plan import Plan, plan_fixes, unified_diff
from mlint.reading.files import DEFAULT_MAX_BYTES
from mlint.reporters.safe import text as safe_text


@dataclass(frozen=True)
class FixOptions:
    write: bool = True  # False: --diff (show the edits, write nothing)
    unsafe: bool = False
    fix_running: bool = False
    backup: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES  # the check's `max-file-bytes`: fixes read no more


def check_backup(backup: Path | None, paths: Sequence[Path]) -> None:
    """A backup inside a checked tree would be checked (and fixed) itself: refuse it."""
    if backup is None:
        return
    target = os.path.realpath(backup)
    for path in paths:
        root = os.path.realpath(path)
        if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
            raise ConfigError(f"--backup {backup} is inside the checked path {path}; put it elsewhere")


def fix_tree(paths: Sequence[Path], check: Callable[[], Report], options: FixOptions,
             err: TextIO | None = None, out: TextIO | None = None,
             quiet: bool = False) -> tuple[Report, bool]:
    """Run the whole fix cycle; return the report to print (the re-check after writing; the
    first check with --diff) and whether anything was (or, with --diff, would be) changed."""
    err = err or sys.stderr
    out = out or sys.stdout
    if options.write:
        check_backup(options.backup, paths)
        for leftover in sweep_temporaries(paths):
            _note(err, quiet, f"removed {display_path(leftover)} left by an interrupted --fix")
    before = check()
    plan = plan_fixes(before.diagnostics, paths, unsafe=options.unsafe, fix_running=options.fix_running,
                      max_bytes=options.max_bytes)
    for diagnostic, why in plan.skipped:
        _note(err, quiet, f"not fixing {diagnostic.code} {display_path(Path(diagnostic.path))}: {why}")
    if not options.write:
        for edit in sorted(plan.edits.values(), key=lambda e: str(e.path)):
            out.write(unified_diff(edit))
        _note(err, quiet, _summary(plan, None, before))
        return before, bool(plan.edits)
    outcome = apply_edits(plan.edits.values(), backup=options.backup, base=common_base(paths))
    for conflict in outcome.conflicts:
        _note(err, quiet, f"not fixed: {conflict}")
    after = check() if plan.edits else before
    _note(err, quiet, _summary(plan, outcome, after, before))
    return after, bool(outcome.written or outcome.created)


def _summary(plan: Plan, outcome: Outcome | None, report: Report, before: Report | None = None) -> str:
    unsafe = (f"; {plan.unsafe_available} more fixable with --unsafe-fixes"
              if plan.unsafe_available else "")
    if outcome is None:
        return (f"would fix {len(plan.fixed)} finding(s) with {len(plan.edits)} edit(s); "
                f"{len(report.diagnostics) - len(plan.fixed)} would remain{unsafe} (nothing written)")
    assert before is not None
    if not plan.edits:
        return f"nothing to fix; {len(report.diagnostics)} finding(s) remain{unsafe}"
    remaining = {d.fingerprint for d in report.diagnostics}
    fixed = sum(1 for d in before.diagnostics if d.fingerprint not in remaining)
    return (f"fixed {fixed} finding(s): {len(outcome.written)} file(s) rewritten, "
            f"{len(outcome.created)} folder(s) created; {len(report.diagnostics)} remain{unsafe}")


def _note(err: TextIO, quiet: bool, text: str) -> None:
    if not quiet:
        err.write(f"mlint: {safe_text(text)}\n")  # paths and messages come from the artifact
