"""`--format grouped`: findings under a heading per unit (model folder, run, experiment…)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Report, display_path
from mlint.reporters.concise import where
from mlint.reporters.full import summary_line
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import for_text, text


def unit_of(path: str, cache: dict[str, str]) -> str:
    """`kind path` of the nearest unit enclosing `path` (by folder layout, nothing is read)."""
    from mlint.discovery.layout import classify
    from mlint.discovery.units import Context
    from mlint.reading.filecache import FileCache

    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    if folder not in cache:
        start = Path(folder)
        unit = classify(start, Context(start, start, FileCache()), search_up=True)
        cache[folder] = f"{unit.kind.replace('_', ' ')} {display_path(unit.path)}" if unit else folder
    return cache[folder]


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    groups: dict[str, list[Diagnostic]] = {}
    cache: dict[str, str] = {}
    for d in report.diagnostics:
        if not d.suppressed:
            groups.setdefault(text(unit_of(d.path, cache)), []).append(for_text(d))
    for heading, members in groups.items():
        out.write(f"{heading}:\n")
        for d in members:
            rel = d.path
            out.write(f"  {rel}:{d.line}:{d.column}: {d.code} [{d.severity.value}] {d.message}{where(d)}\n")
        out.write("\n")
    if not options.quiet:
        out.write(summary_line(report) + "\n")
