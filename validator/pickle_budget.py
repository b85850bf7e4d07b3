"""Scan budget shared by all files of one unit (a model folder, or a run's artifacts).

Per-file caps (`mlint.pickles.Limits`) alone let many small decompression bombs in one folder
add up to minutes: each file gets what is left of its unit's budget, at most its own caps.
"""

from __future__ import annotations

import time
from dataclasses import replace

from mlint.discovery.units import Unit
from mlint.pickles import Limits, ScanReport

# Caps per file (the scanner's defaults) and per unit (all files of one model folder or one
# run's artifacts together).
FILE_LIMITS = Limits()
UNIT_LIMITS = Limits(max_bytes=16 * 1024**3, max_seconds=60.0)


def budget_skipped(model: Unit) -> list[str]:
    """Files of the unit left unscanned because the per-unit budget (`UNIT_LIMITS`) ran out
    (after `mlint.pickle_targets.targets(model)` has run)."""
    budget = model.__dict__.get("_pickle_budget")
    return list(budget.skipped) if budget is not None else []


class _UnitBudget:
    """Decoded bytes and wall time shared by every file scanned for one unit: per-file caps
    alone let many small bombs (gzip, zip) in one folder add up to minutes."""

    def __init__(self, limits: Limits) -> None:
        self.bytes_left = limits.max_bytes
        self.deadline = time.monotonic() + limits.max_seconds
        self.skipped: list[str] = []

    def limits_for_file(self) -> Limits | None:
        seconds = self.deadline - time.monotonic()
        if self.bytes_left <= 0 or seconds <= 0:
            return None
        return replace(FILE_LIMITS, max_bytes=min(FILE_LIMITS.max_bytes, self.bytes_left),
                       max_seconds=min(FILE_LIMITS.max_seconds, seconds))

    def spend(self, report: ScanReport) -> None:
        self.bytes_left -= report.bytes_scanned


def budget_for(model: Unit) -> _UnitBudget:
    budget = model.__dict__.get("_pickle_budget")
    if budget is None:
        budget = model.__dict__["_pickle_budget"] = _UnitBudget(UNIT_LIMITS)
    return budget


