"""What `mlint check` writes besides the rules' findings: which formats go where (`--format
NAME[:FILE]`), `--statistics`, and the progress line on a terminal. The front end (`mlint.cli`)
decides what to check; this module only prints."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from mlint.core.config import ConfigError
from mlint.core.engine import Report
from mlint.reporters import REPORTERS, Options
from mlint.reporters.safe import text as safe_text


def default_format() -> str:
    """`github` under GitHub Actions (annotations on the PR), else `full`."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "full"


def emit(report: Report, outputs: list[tuple[str, str | None]], options: Options, statistics: bool) -> None:
    for name, target in outputs:
        if target is None:
            if statistics:
                write_statistics(report, sys.stdout, json_out=name in ("json", "jsonl"))
            else:
                REPORTERS[name](report, sys.stdout, options)
        else:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                REPORTERS[name](report, handle, options)


def write_statistics(report: Report, out: TextIO, json_out: bool = False) -> None:
    """`--statistics`: findings per rule, most frequent first (like ruff)."""
    counts = Counter((d.code, d.name, d.severity.value) for d in report.diagnostics if not d.suppressed)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    if json_out:
        json.dump([{"code": c, "name": n, "severity": s, "count": k} for (c, n, s), k in rows], out, indent=2)
        out.write("\n")
        return
    width = max((len(str(k)) for _, k in rows), default=1)
    for (code, name, severity), count in rows:
        out.write(f"{count:>{width}}  {code}  {name} [{severity}]\n")
    total = sum(counts.values())
    out.write(f"Found {total} finding{'' if total == 1 else 's'}.\n")
    if report.remote:
        out.write(remote_statistics(report.remote))


def remote_statistics(remote: dict[str, Any]) -> str:
    """`--statistics` for remote inputs: requests by kind and bytes, per prefix and per unit."""
    lines = [f"Remote: {remote['requests']} requests ({remote['list']} list, {remote['get']} get, "
             f"{remote['head']} head, {remote['other']} other), {remote['bytes']:,} bytes, "
             f"{remote['requests_per_unit']} requests per unit"]
    for r in remote["roots"]:
        requests = r["list"] + r["get"] + r["head"] + r["other"]
        lines.append(f"  {safe_text(r['uri'])}: {r['objects']} objects, {requests} requests, "
                     f"{r['bytes']:,} bytes")
    return "".join(line + "\n" for line in lines)


def parse_formats(values: Sequence[str]) -> list[tuple[str, str | None]]:
    """`NAME` (stdout) or `NAME:FILE`; FILE may contain colons (`sarif:C:\\out\\x.sarif`)."""
    outputs: list[tuple[str, str | None]] = []
    for value in values:
        name, sep, target = value.partition(":")
        name = name.strip().lower()
        if name not in REPORTERS:
            raise ConfigError(f"unknown format {name!r} (choose from {', '.join(REPORTERS)})")
        if sep and not target:
            raise ConfigError(f"--format {value!r}: give a file after the colon, or drop the colon")
        outputs.append((name, None if target in ("", "-") else target))
    if sum(1 for _, t in outputs if t is None) > 1:
        raise ConfigError("only one format can go to stdout; give the others a file (`sarif:out.sarif`)")
    files = [os.path.abspath(t) for _, t in outputs if t is not None]
    if len(files) != len(set(files)):
        raise ConfigError("two formats write to the same file")
    return outputs


class Progress:
    """`units done/total` on stderr, redrawn at most ten times a second; only on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = 0.0
        self.drawn = False
        # Remote checks (mlint.remote.check) add their requests and bytes to the line.
        self.detail: Callable[[], str] | None = None

    @classmethod
    def for_stream(cls, stream: TextIO) -> Progress | None:
        interactive = hasattr(stream, "isatty") and stream.isatty()
        return cls(stream) if interactive and os.environ.get("CI") != "true" else None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done != total:
            return
        self.last = now
        detail = self.detail() if self.detail is not None else ""
        self.stream.write(f"\rmlint: checked {done}/{total} units{detail}")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
