"""`--format json`: the stable machine-readable contract (docs/json-format.md). Version 1."""

from __future__ import annotations

from typing import Any, TextIO

from mlint import __version__
from mlint.core.diagnostics import Diagnostic, Severity
from mlint.core.engine import Report
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import dump_json
from mlint.ruledocs import help_uri_for

FORMAT_VERSION = 1


def entry(d: Diagnostic) -> dict[str, Any]:
    """A diagnostic's JSON object; a suppressed one (`--include-suppressed`) says why."""
    data = d.to_dict()
    data["help_uri"] = help_uri_for(d.code, d.name)
    if d.suppressed:
        data["suppressed"] = d.suppressed
    return data


def document(report: Report, options: Options = DEFAULT) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "tool": {"name": "mlint", "version": __version__},
        "diagnostics": [entry(d) for d in options.shown(report)],
        "summary": {
            "units": dict(sorted(report.units.items())),
            "files": report.files,
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            # Findings hidden by a suppression or the baseline: their use is never silent.
            "suppressed": len(report.suppressed),
        },
    }
    if report.remote:  # remote inputs only (docs/remote.md): requests and bytes
        summary: dict[str, Any] = doc["summary"]
        summary["remote"] = report.remote
    return doc


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    dump_json(document(report, options), out)
