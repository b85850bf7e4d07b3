"""The default format: each finding with its source line, a caret, and the fix hint (like ruff)."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from mlint.core.diagnostics import Severity
from mlint.core.engine import Report
from mlint.reporters.concise import location
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import escape_char, for_text

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def use_color(out: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(out, "isatty") and out.isatty()


def render(report: Report, out: TextIO = sys.stdout, options: Options = DEFAULT) -> None:
    color = use_color(out)

    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    for raw in report.diagnostics:
        if raw.suppressed:
            continue
        d = for_text(raw)
        severity = paint(d.severity.value, _COLORS[d.severity.value])
        out.write(f"{paint(location(d), _BOLD)}: {paint(d.code, _BOLD)} [{severity}] {d.message}\n")
        if d.source:
            gutter = str(d.line)
            out.write(f"{' ' * len(gutter)} |\n{gutter} | {d.source.rstrip()}\n")
            caret_at = max(d.column - 1, 0)
            # Under the escaped line: each escaped character is as wide as its escape.
            prefix = "".join(c if c == "\t" else " " * len(escape_char(c)) for c in raw.source[:caret_at])
            out.write(f"{' ' * len(gutter)} | {prefix}{paint('^', _COLORS[d.severity.value])}\n")
        if d.pointer:
            out.write(paint(f"  at {d.pointer}\n", _DIM))
        if d.hint:
            out.write(f"  help: {d.hint}\n")
        out.write("\n")
    if not options.quiet:
        out.write(summary_line(report) + "\n")


def summary_line(report: Report) -> str:
    units = sum(report.units.values())
    if units == 0 and not report.diagnostics:
        return "Nothing checked: no MLflow model folder or tracking tree found."
    kinds = ", ".join(f"{n} {k.replace('_', ' ')}{'' if n == 1 else 's'}"
                      for k, n in sorted(report.units.items()))
    counts = [f"{report.count(s)} {s.value}{'' if report.count(s) == 1 else 's'}"
              for s in Severity if report.count(s)]
    found = ", ".join(counts) if counts else "no findings"
    hidden = len(report.suppressed)
    if hidden:
        found += f" ({hidden} suppressed)"
    plural = "" if units == 1 else "s"
    return f"Checked {units} unit{plural} ({kinds or 'none'}), {report.files} files: {found}."
