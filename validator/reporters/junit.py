"""`--format junit`: JUnit XML, one test suite per file, one test case per finding.

A finding at or above `--fail-on` (what makes the exit code 1) is a `<failure>`; one below it
is a passing test case that carries the finding in `<system-out>`, so the test tab agrees with
the exit code. A clean run yields one passing test case, so CI test tabs show that mlint ran.
Paths are relative to the repository root (`mlint.reporters.paths`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Report
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.paths import repo_path
from mlint.reporters.safe import shown_text

# XML 1.0 forbids most control characters; messages may quote them from broken files.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    # Escaped like the other text formats: CI log viewers print these fields as lines.
    shown = shown_text(report.diagnostics)
    failing = sum(1 for d in shown if report.failing(d))
    root = ET.Element("testsuites", name="mlint", tests=str(max(len(shown), 1)), failures=str(failing))
    by_path: dict[str, list[Diagnostic]] = {}
    for d in shown:
        by_path.setdefault(repo_path(d.path), []).append(d)
    if not shown:
        suite = ET.SubElement(root, "testsuite", name="mlint", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name="mlint", classname="mlint")
    for path, members in by_path.items():
        suite = ET.SubElement(root, "testsuite", name=_clean(path), tests=str(len(members)),
                              failures=str(sum(1 for d in members if report.failing(d))))
        for d in members:
            case = ET.SubElement(suite, "testcase", name=_clean(f"{d.code} {path}:{d.line}:{d.column}"),
                                 classname=_clean(path), file=_clean(path), line=str(d.line))
            body = [f"{d.code} {d.name} [{d.severity.value}] at {path}:{d.line}:{d.column}"]
            if d.pointer:
                body.append(f"pointer: {d.pointer}")
            if d.hint:
                body.append(f"help: {d.hint}")
            if report.failing(d):
                failure = ET.SubElement(case, "failure", message=_clean(d.message), type=d.code)
                failure.text = _clean("\n".join(body))
            else:  # below --fail-on: reported, but the check passes
                ET.SubElement(case, "system-out").text = _clean("\n".join([d.message, *body]))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
