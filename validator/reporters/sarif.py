"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What GitHub requires and mlint guarantees: every result has a location with a non-empty
relative URI (with `uriBaseId`, not an absolute `file://` URI) and `startLine >= 1` (mlint's
whole-file findings have line 0: mapped to 1). Rules carry their docstring as description and
`helpUri` to their documentation. `partialFingerprints` is the line-free fingerprint, so code
scanning tracks a finding across edits. A finding about a binary file (a pickle) is anchored
at the referencing `MLmodel`, with the binary as a related location.

Paths are relative to the repository root (`mlint.reporters.paths`: `GITHUB_WORKSPACE`,
`CI_PROJECT_DIR`, git's top level, else the working directory), which `%SRCROOT%` names.
Security rules (the `@security` group and the PKL family) carry `security-severity`, which
code scanning needs to rank them as security alerts. `invocations[0].executionSuccessful` is
false when a rule crashed (exit code 2). GitHub accepts at most 25,000 results per run: past
that, the most severe are kept and a notification in the invocation says how many were left out.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from mlint import __version__
from mlint.core.baseline import JUSTIFICATION as BASELINE
from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Report
from mlint.core.registry import Rule
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.paths import repo_path, repo_root
from mlint.reporters.safe import dump_json, uri_path
from mlint.ruledocs import help_uri

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mlint-dev/mlint"
BASE_ID = "%SRCROOT%"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "mlintFingerprint/v1"
# GitHub code scanning rejects a run with more results than this.
MAX_RESULTS = 25_000
# CVSS-like scores (GitHub: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, < 4 low).
SECURITY_SEVERITY = {"error": "9.0", "warning": "6.5", "info": "3.0"}


def artifact_location(path: str, root: str | None = None) -> dict[str, Any]:
    """Paths below the repository root get a relative URI with `uriBaseId`; others a file URI.

    URIs are built from the raw bytes: a non-UTF-8 name percent-encodes losslessly (it used
    to crash the reporter). A remote object (`s3://…`, docs/remote.md) keeps its own URI."""
    if "://" in path:
        scheme, _, rest = path.partition("://")
        return {"uri": f"{scheme}://{uri_path(rest)}"}
    posix = repo_path(path, root).replace(os.sep, "/")
    if os.path.isabs(posix) or posix.startswith("/"):
        return {"uri": _file_uri(posix)}
    return {"uri": uri_path(posix), "uriBaseId": BASE_ID}


def _file_uri(posix: str) -> str:
    drive = "" if posix.startswith("/") else "/"  # Windows: file:///C:/...
    return "file://" + drive + uri_path(posix).replace("%3A", ":", 1)


def physical(path: str, line: int, column: int, root: str | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line, 1)}
    if line and column:
        region["startColumn"] = column
    return {"artifactLocation": artifact_location(path, root), "region": region}


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


def locations(d: Diagnostic, root: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Primary location and related locations of a finding."""
    related = list(d.related)
    primary = (d.path, d.line, d.column)
    anchor = next((r for r in related if _is_mlmodel(r)), None)
    if d.line == 0 and anchor is not None and not _is_mlmodel(d.path) and _is_binary(d.path):
        # A binary has no lines to show: anchor the finding where MLmodel references it.
        related.remove(anchor)
        related.insert(0, d.path)
        primary = (anchor, 1, 0)
    extra = [{"id": i, "physicalLocation": physical(r, 0, 0, root),
              "message": {"text": "related file"}} for i, r in enumerate(related, 1)]
    return {"physicalLocation": physical(*primary, root)}, extra


def is_security(meta: Rule) -> bool:
    return "security" in meta.groups or meta.family == "PKL"


def rule_descriptor(meta: Rule) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": [meta.family, *sorted(meta.groups)]}
    if is_security(meta):
        if "security" not in properties["tags"]:
            properties["tags"].append("security")
        properties["security-severity"] = SECURITY_SEVERITY[meta.severity.value]
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.doc},
        "help": {"text": meta.doc, "markdown": meta.doc},
        "helpUri": help_uri(meta),
        "defaultConfiguration": {"level": LEVEL[meta.severity.value]},
        "properties": properties,
    }


def document(report: Report, options: Options = DEFAULT) -> dict[str, Any]:
    registry = options.rules()
    root = repo_root()
    shown = options.shown(report)
    omitted = max(len(shown) - MAX_RESULTS, 0)
    if omitted:  # most severe first; the order of equals is kept (sorted is stable)
        shown = sorted(shown, key=lambda d: -d.severity.rank)[:MAX_RESULTS]
    codes = sorted({d.code for d in shown})
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        meta = registry.get(code)
        rules.append(rule_descriptor(meta) if meta is not None
                     else {"id": code, "shortDescription": {"text": code}})
    results = []
    for d in shown:
        primary, related = locations(d, root)
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
    invocation: dict[str, Any] = {"executionSuccessful": not report.internal_error}
    if omitted:
        invocation["toolExecutionNotifications"] = [{
            "level": "warning",
            "descriptor": {"id": "mlint/results-truncated"},
            "message": {"text": f"{omitted} of {omitted + MAX_RESULTS} results left out: GitHub code "
                                f"scanning accepts at most {MAX_RESULTS} per run; the most severe are "
                                "kept. Run mlint with another format to see them all."},
        }]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mlint", "version": __version__, "semanticVersion": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "invocations": [invocation],
            "originalUriBaseIds": {BASE_ID: {"uri": _folder_uri(root)}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _folder_uri(folder: str) -> str:
    """A folder's file URI with the trailing slash SARIF needs (`/` itself is `file:///`)."""
    uri = _file_uri(os.path.abspath(folder).replace(os.sep, "/"))
    return uri if uri.endswith("/") else uri + "/"


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    dump_json(document(report, options), out)
