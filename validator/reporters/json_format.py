"""`--format json`: the stable machine-readable contract (docs/json-format.md). Version 1."""

from __future__ import annotations

import json
from typing import Any, TextIO

from mlint import __version__
from mlint.diagnostics import Severity
from mlint.engine import Report

FORMAT_VERSION = 1


def document(report: Report) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": "mlint", "version": __version__},
        "diagnostics": [d.to_dict() for d in report.diagnostics if not d.suppressed],
        "summary": {
            "units": dict(sorted(report.units.items())),
            "files": report.files,
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
        },
    }


def render(report: Report, out: TextIO) -> None:
    json.dump(document(report), out, indent=2, ensure_ascii=False)
    out.write("\n")
