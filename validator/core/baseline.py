"""Baseline files: accept today's findings, report only new ones.

A baseline records findings by their line-free fingerprint (rule + path relative to the
baseline's folder + JSON pointer or subject), so editing a file above a finding does not
resurrect it. One entry per line keeps diffs readable and lets a stale entry be reported at
its own line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlint.core.codes import STALE_BASELINE_ENTRY
from mlint.core.config import ConfigError
from mlint.core.diagnostics import Diagnostic

BASELINE_VERSION = 1
JUSTIFICATION = "accepted in baseline"


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str
    path: str  # relative to the baseline's folder, POSIX
    message: str
    line: int  # line of this entry in the baseline file (for MLT103)


def relative_to(path: str, folder: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(absolute).relative_to(os.path.abspath(folder)).as_posix()
    except ValueError:
        return Path(absolute).as_posix()


def write(target: Path, diagnostics: Iterable[Diagnostic]) -> int:
    """Write the baseline; returns the number of entries."""
    folder = target.parent
    seen: dict[str, Diagnostic] = {}
    for d in diagnostics:
        if not d.suppressed and d.code != STALE_BASELINE_ENTRY:
            seen.setdefault(d.fingerprint, d)
    rows = sorted(seen.values(), key=lambda d: (relative_to(d.path, folder), d.code, d.fingerprint))
    lines = [json.dumps({"fingerprint": d.fingerprint, "code": d.code, "path": relative_to(d.path, folder),
                         "message": d.message}, ensure_ascii=False) for d in rows]
    body = ",\n    ".join(lines)
    text = (f'{{\n  "version": {BASELINE_VERSION},\n  "tool": "mlint",\n  "entries": [\n    {body}\n  ]\n}}\n'
            if lines else f'{{\n  "version": {BASELINE_VERSION},\n  "tool": "mlint",\n  "entries": []\n}}\n')
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return len(lines)


def read(path: Path) -> list[Entry]:
    """The entries of a baseline file; a missing or malformed file is a usage error (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"baseline {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"baseline {path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION \
            or not isinstance(data.get("entries"), list):
        raise ConfigError(f"baseline {path}: not an mlint baseline (version {BASELINE_VERSION} "
                          "with an `entries` list); write one with --write-baseline")
    lines = text.splitlines()
    entries = []
    for index, raw in enumerate(data["entries"]):
        fields = ("fingerprint", "code", "path")
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in fields):
            raise ConfigError(f"baseline {path}: entry #{index + 1} needs string fingerprint, code and path")
        line = next((n for n, text_line in enumerate(lines, 1) if raw["fingerprint"] in text_line), 0)
        entries.append(Entry(raw["fingerprint"], raw["code"], raw["path"], str(raw.get("message", "")), line))
    return entries
