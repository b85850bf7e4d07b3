"""Output cannot be forged: every format escapes what comes from the artifact.

A newline followed by `::error file=…::` in a file name or an MLmodel value came out at the
start of a line in the `full`, `concise`, `grouped` and JUnit outputs (under GitHub Actions
that forges an annotation); raw ESC/OSC/BEL/CR bytes reached the terminal; a non-UTF-8 file
name crashed the SARIF reporter. Checked end to end through the CLI and, for every format,
on generated hostile names and values (hypothesis).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlint.core.diagnostics import Diagnostic, Severity
from mlint.core.engine import Report
from mlint.reporters import REPORTERS, Options
from mlint.reporters.paths import repo_path
from mlint.reporters.safe import text

TEXT_FORMATS = ("full", "concise", "grouped", "github", "junit")
JSON_FORMATS = ("json", "jsonl", "sarif", "gitlab")
FORGED = "::error file=forged.py,line=1::forged"
# Raw bytes that must never reach a terminal or a log (ESC, BEL, CR, C1 CSI, bidi override).
RAW_CONTROLS = ("\x1b", "\x07", "\r", "\x9b", "\u202e", "\u2028")

MLMODEL = """\
flavors:
  python_function:
    loader_module: mlflow.sklearn
    env:
      conda: "conda.yaml\\n::error file=forged.py,line=1::forged\\e]0;pwned\\a\\r\\u202e##[error]forged.yaml"
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "checked"
    (root / f"m\n{FORGED}\x1b[31m").mkdir(parents=True)
    (root / f"m\n{FORGED}\x1b[31m" / "MLmodel").write_text(MLMODEL)
    raw = os.fsencode(root) + b"/bad-\xff\xfe-name"
    os.mkdir(raw)
    with open(raw + b"/MLmodel", "w") as handle:
        handle.write(MLMODEL.replace("conda.yaml", "x"))
    return root


def _forged_line(out: str, token: str = "::error file=forged") -> bool:
    """Whether a line (as a log viewer or the Actions runner splits them) starts with `token`."""
    return any(line.lstrip().startswith(token) for line in re.split("[\r\n\x0b\x0c\x85\u2028\u2029]", out))


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_cli_output_escapes_hostile_names_and_values(hostile: Path, fmt: str) -> None:
    env = {**os.environ, "NO_COLOR": "1", "GITHUB_ACTIONS": ""}
    result = subprocess.run([sys.executable, "-m", "mlint", "check", str(hostile), "--format", fmt,
                             "--no-cache"], cwd=hostile.parent, capture_output=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    out = result.stdout.decode("utf-8")  # always valid UTF-8
    assert not _forged_line(out), out
    assert "##[error" not in out
    for char in RAW_CONTROLS:
        assert char not in out, (fmt, repr(char))
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)
    if fmt == "json":
        paths = {d["path"] for d in json.loads(out)["diagnostics"]}
        # Lossless: the JSON string holds the surrogate escapes of the raw bytes.
        assert any(b"bad-\xff\xfe-name" in os.fsencode(p) for p in paths), paths
        assert any(f"\n{FORGED}" in p for p in paths)  # the real name, escaped by JSON itself
    if fmt == "sarif":
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(out)["runs"][0]["results"]]
        assert any("bad-%FF%FE-name" in u for u in uris), uris
    if fmt == "junit":
        ET.fromstring(out.split("\n", 1)[1])
    if fmt in ("concise", "full", "grouped"):
        assert "bad-\\xff\\xfe-name" in out and "\\n::error file=forged" in out


_HOSTILE_CHARS = st.sampled_from(["\n", "\r", "\x1b", "\x07", "\x00", "\x9b", "\x85", "\u2028",
                                  "\u202e", "\t", "\udcff", "\udc80", "%", ":", ",", "<", "&",
                                  "::error file=x::", "##[error]", " ", "\\", "é", "a", "/"])
_HOSTILE = st.lists(_HOSTILE_CHARS, max_size=12).map("".join)


def _report(path: str, message: str, pointer: str, hint: str) -> Report:
    d = Diagnostic(path=path or "p", line=3, column=2, code="MLM011", name="referenced-file-missing",
                   severity=Severity.ERROR, message=message, pointer=pointer, hint=hint,
                   fingerprint="0" * 20, related=(path + "/MLmodel",), source=message)
    return Report(diagnostics=[d], units=Counter({"model": 1}), files=1)


def _message_and_path(fmt: str, data: list[Any]) -> tuple[str, str]:
    """What a JSON format says the finding's message and path are."""
    if fmt == "json":
        entry = data[0]["diagnostics"][0]
        return entry["message"], entry["path"]
    if fmt == "jsonl":
        return data[0]["message"], data[0]["path"]
    if fmt == "sarif":
        result = data[0]["runs"][0]["results"][0]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        uri = uri.removeprefix("file://")  # an absolute path
        return result["message"]["text"].split("\nhelp: ")[0], os.fsdecode(unquote_to_bytes(uri))
    return data[0][0]["description"][len("MLM011 "):], data[0][0]["location"]["path"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=_HOSTILE, message=_HOSTILE, pointer=_HOSTILE, hint=_HOSTILE)
def test_every_format_escapes_generated_hostile_fields(path: str, message: str, pointer: str,
                                                       hint: str) -> None:
    report = _report(path, message, pointer, hint)
    for fmt, render in REPORTERS.items():
        out = io.StringIO()
        render(report, out, Options())
        rendered = out.getvalue()
        rendered.encode("utf-8")  # no lone surrogate: a UTF-8 stream accepts it
        for char in (*RAW_CONTROLS, "\x00", "\x85"):
            assert char not in rendered, (fmt, repr(char))
        assert not _forged_line(rendered, "::error file=x"), (fmt, rendered)
        assert "##[error" not in rendered, (fmt, rendered)  # the runner's legacy syntax, anywhere
        if fmt in JSON_FORMATS:
            documents = rendered.splitlines() if fmt == "jsonl" else [rendered]
            # SARIF and GitLab speak in paths relative to the repository root (normalised).
            shown_path = repo_path(path or "p") if fmt in ("sarif", "gitlab") else path or "p"
            assert _message_and_path(fmt, [json.loads(doc) for doc in documents]) == (message, shown_path)
        if fmt in TEXT_FORMATS and "\n" not in text(message):
            assert text(message) in rendered or fmt in ("github", "junit")


def test_text_escape_forms() -> None:
    assert text("a\nb\x1b[0m\u2028\udcff\t") == "a\\nb\\x1b[0m\\u2028\\xff\\t"
    assert text("plain é/ü: a::b") == "plain é/ü: a::b"
    # GitHub Actions commands: `::` leading a line (after blanks), `##[` anywhere.
    assert text(" ::error file=x::y") == " \\x3a:error file=x::y"
    assert text("a ##[error]b") == "a ##\\x5berror]b"
