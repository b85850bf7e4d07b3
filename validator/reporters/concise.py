"""`path:line:col: CODE [severity] message` — one line per finding, grep- and editor-friendly."""

from __future__ import annotations

from typing import TextIO

from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Report
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import shown_text


def location(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}"


def line(d: Diagnostic) -> str:
    return f"{location(d)}: {d.code} [{d.severity.value}] {d.message}"


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    for d in shown_text(report.diagnostics):
        out.write(line(d) + "\n")
