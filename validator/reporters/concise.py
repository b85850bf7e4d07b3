"""`path:line:col: CODE [severity] message` — one line per finding, grep- and editor-friendly."""

from __future__ import annotations

from typing import TextIO

from mlint.diagnostics import Diagnostic
from mlint.engine import Report


def location(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}"


def render(report: Report, out: TextIO) -> None:
    for d in report.diagnostics:
        if not d.suppressed:
            out.write(f"{location(d)}: {d.code} [{d.severity.value}] {d.message}\n")
