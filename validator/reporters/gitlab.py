"""`--format gitlab`: a GitLab Code Quality report (a JSON array of issues).

Fields GitLab reads: `description`, `check_name`, `fingerprint` (unique per issue),
`severity` (info, minor, major, critical, blocker) and `location.path` +
`location.lines.begin` (the path relative to the repository root, `mlint.reporters.paths`).
Use it as `artifacts: reports: codequality: gl-code-quality.json`.
"""

from __future__ import annotations

import hashlib
from typing import Any, TextIO

from mlint.core.engine import Report
from mlint.reporters.concise import where
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.paths import repo_path, repo_root
from mlint.reporters.safe import dump_json

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def issues(report: Report) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    root = repo_root()
    for d in report.diagnostics:
        if d.suppressed:
            continue
        # GitLab drops issues with a repeated fingerprint; two findings may share one.
        fp, n = d.fingerprint, 1
        while fp in seen:
            fp = hashlib.sha256(f"{d.fingerprint}:{n}".encode()).hexdigest()[:20]
            n += 1
        seen.add(fp)
        out.append({
            "type": "issue",
            "check_name": f"{d.code} {d.name}",
            "description": f"{d.code} {d.message}{where(d)}",
            "categories": ["Bug Risk"],
            "severity": SEVERITY[d.severity.value],
            "fingerprint": fp,
            "location": {"path": repo_path(d.path, root), "lines": {"begin": max(d.line, 1)}},
        })
    return out


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    dump_json(issues(report), out)
