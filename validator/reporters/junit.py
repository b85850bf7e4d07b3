"""`--format junit`: JUnit XML, one test suite per file, one failing test case per finding.

A clean run yields one passing test case, so CI test tabs show that mlint ran.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from mlint.diagnostics import Diagnostic
from mlint.engine import Report
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import shown_text

# XML 1.0 forbids most control characters; messages may quote them from broken files.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    # Escaped like the other text formats: CI log viewers print these fields as lines.
    shown = shown_text(report.diagnostics)
    root = ET.Element("testsuites", name="mlint", tests=str(max(len(shown), 1)), failures=str(len(shown)))
    by_path: dict[str, list[Diagnostic]] = {}
    for d in shown:
        by_path.setdefault(d.path, []).append(d)
    if not shown:
        suite = ET.SubElement(root, "testsuite", name="mlint", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name="mlint", classname="mlint")
    for path, members in by_path.items():
        suite = ET.SubElement(root, "testsuite", name=_clean(path), tests=str(len(members)),
                              failures=str(len(members)))
        for d in members:
            case = ET.SubElement(suite, "testcase", name=_clean(f"{d.code} {path}:{d.line}:{d.column}"),
                                 classname=_clean(path), file=_clean(path), line=str(d.line))
            failure = ET.SubElement(case, "failure", message=_clean(d.message), type=d.code)
            body = [f"{d.code} {d.name} [{d.severity.value}] at {path}:{d.line}:{d.column}"]
            if d.pointer:
                body.append(f"pointer: {d.pointer}")
            if d.hint:
                body.append(f"help: {d.hint}")
            failure.text = _clean("\n".join(body))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
