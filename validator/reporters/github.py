"""`--format github`: GitHub Actions workflow commands (annotations on the pull request).

`::error file=F,line=L,col=C,title=T::message`. GitHub shows at most 10 error and 10 warning
annotations per step (and 50 per job), so mlint annotates the first 10 of each level, prints
the rest as plain log lines, and ends with a notice counting what was not annotated. Chosen
automatically when `GITHUB_ACTIONS=true` and no `--format` was given.
"""

from __future__ import annotations

import os
from typing import TextIO

from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Report
from mlint.reporters.concise import line as concise_line
from mlint.reporters.concise import where
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import for_text

PER_LEVEL_CAP = 10
LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Message text: `%`, CR and LF are percent-encoded (the runner's `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values additionally encode `:` and `,` (the runner's `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_path(path: str) -> str:
    """Annotations need paths relative to the repository (GITHUB_WORKSPACE)."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return path
    absolute = os.path.abspath(path)
    root = os.path.abspath(workspace)
    if absolute == root or absolute.startswith(root + os.sep):
        return os.path.relpath(absolute, root).replace(os.sep, "/")
    return path


def annotation(d: Diagnostic) -> str:
    d = for_text(d)  # no control character of the artifact's reaches the runner's log
    props = [f"file={escape_property(workspace_path(d.path))}"]
    if d.line:
        props.append(f"line={d.line}")
        if d.column:
            props.append(f"col={d.column}")
    props.append(f"title={escape_property(f'{d.code} {d.name}')}")
    message = d.message + where(d) + (f"\n{d.hint}" if d.hint else "")
    return f"::{LEVELS[d.severity.value]} {','.join(props)}::{escape_data(message)}"


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    shown: dict[str, int] = {}
    left_out = 0
    for d in report.diagnostics:
        if d.suppressed:
            continue
        level = LEVELS[d.severity.value]
        shown[level] = shown.get(level, 0) + 1
        if shown[level] <= PER_LEVEL_CAP:
            out.write(annotation(d) + "\n")
        else:  # still in the log, just not as an annotation
            left_out += 1
            out.write(concise_line(for_text(d)) + "\n")
    if left_out:
        out.write(f"::notice title=mlint::{left_out} more findings are not annotated (GitHub shows "
                  f"at most {PER_LEVEL_CAP} errors and {PER_LEVEL_CAP} warnings per step); "
                  "see the log lines above\n")
