"""`path:line:col: CODE [severity] message` — one line per finding, grep- and editor-friendly."""

from __future__ import annotations

from typing import TextIO

from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Report
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import shown_text


def location(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}"


def where(d: Diagnostic) -> str:
    """` (at /pointer)` for a finding with no line to show (a row of a tracking database), so
    that one-line formats still say which row and column."""
    return f" (at {d.pointer})" if not d.line and d.pointer else ""


def line(d: Diagnostic) -> str:
    return f"{location(d)}: {d.code} [{d.severity.value}] {d.message}{where(d)}"


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    for d in shown_text(report.diagnostics):
        out.write(line(d) + "\n")
