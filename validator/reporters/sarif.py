"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What GitHub requires and mlint guarantees: every result has a location with a non-empty
relative URI (with `uriBaseId`, not an absolute `file://` URI) and `startLine >= 1` (mlint's
whole-file findings have line 0: mapped to 1). Rules carry their docstring as description and
`helpUri` to their documentation. `partialFingerprints` is the line-free fingerprint, so code
scanning tracks a finding across edits. A finding about a binary file (a pickle) is anchored
at the referencing `MLmodel`, with the binary as a related location.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from mlint import __version__
from mlint.baseline import JUSTIFICATION as BASELINE
from mlint.diagnostics import Diagnostic
from mlint.engine import Report
from mlint.registry import Rule
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import dump_json, uri_path
from mlint.ruledocs import help_uri

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mlint-dev/mlint"
BASE_ID = "%SRCROOT%"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "mlintFingerprint/v1"


def artifact_location(path: str) -> dict[str, Any]:
    """Relative paths (below the working directory) get `uriBaseId`; others a file URI."""
    posix = path.replace(os.sep, "/")
    # From the raw bytes: a non-UTF-8 name percent-encodes losslessly (it used to crash).
    if os.path.isabs(path):
        drive = "" if posix.startswith("/") else "/"  # Windows: file:///C:/...
        return {"uri": "file://" + drive + uri_path(posix).replace("%3A", ":", 1)}
    return {"uri": uri_path(posix), "uriBaseId": BASE_ID}


def physical(path: str, line: int, column: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line, 1)}
    if line and column:
        region["startColumn"] = column
    return {"artifactLocation": artifact_location(path), "region": region}


BINARY_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib", ".pt", ".pth", ".npy", ".npz", ".skops",
                             ".cloudpickle", ".bin", ".ubj", ".safetensors", ".h5", ".keras", ".onnx"})


def _is_mlmodel(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == "MLmodel"


def _is_binary(path: str) -> bool:
    """A file a SARIF viewer cannot show lines of: by suffix, else a NUL byte near the start."""
    if os.path.splitext(path)[1].lower() in BINARY_SUFFIXES:
        return True
    if not os.path.isfile(path):  # never open a FIFO or device (it would block)
        return False
    try:
        with open(path, "rb") as handle:
            return b"\x00" in handle.read(8192)
    except OSError:
        return False


def locations(d: Diagnostic) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Primary location and related locations of a finding."""
    related = list(d.related)
    primary = (d.path, d.line, d.column)
    anchor = next((r for r in related if _is_mlmodel(r)), None)
    if d.line == 0 and anchor is not None and not _is_mlmodel(d.path) and _is_binary(d.path):
        # A binary has no lines to show: anchor the finding where MLmodel references it.
        related.remove(anchor)
        related.insert(0, d.path)
        primary = (anchor, 1, 0)
    extra = [{"id": i, "physicalLocation": physical(r, 0, 0),
              "message": {"text": "related file"}} for i, r in enumerate(related, 1)]
    return {"physicalLocation": physical(*primary)}, extra


def rule_descriptor(meta: Rule) -> dict[str, Any]:
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.doc},
        "help": {"text": meta.doc, "markdown": meta.doc},
        "helpUri": help_uri(meta),
        "defaultConfiguration": {"level": LEVEL[meta.severity.value]},
        "properties": {"tags": [meta.family, *sorted(meta.groups)]},
    }


def document(report: Report, options: Options = DEFAULT) -> dict[str, Any]:
    registry = options.rules()
    shown = options.shown(report)
    codes = sorted({d.code for d in shown})
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        meta = registry.get(code)
        rules.append(rule_descriptor(meta) if meta is not None
                     else {"id": code, "shortDescription": {"text": code}})
    results = []
    for d in shown:
        primary, related = locations(d)
        text = d.message + (f"\nhelp: {d.hint}" if d.hint else "")
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": LEVEL[d.severity.value],
            "message": {"text": text},
            "locations": [primary],
            "partialFingerprints": {FINGERPRINT_KEY: d.fingerprint},
        }
        if d.pointer:
            result["properties"] = {"pointer": d.pointer}
        if related:
            result["relatedLocations"] = related
        if d.suppressed:
            kind = "external" if d.suppressed.startswith(BASELINE) else "inSource"
            result["suppressions"] = [{"kind": kind, "justification": d.suppressed}]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mlint", "version": __version__, "semanticVersion": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "originalUriBaseIds": {BASE_ID: {"uri": "file://" + uri_path(os.getcwd().rstrip("/")) + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    dump_json(document(report, options), out)
