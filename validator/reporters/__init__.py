"""Output formats. Each reporter renders a finished `Report` to a text stream.

A reporter is `render(report, out, options)`; `Options` carries what some formats need
beyond the findings (rule metadata for SARIF, whether suppressed findings are shown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from mlint.core.engine import Report
from mlint.reporters import concise, full, github, gitlab, grouped, json_format, jsonl, junit, sarif
from mlint.reporters.options import Options

Reporter = Callable[[Report, TextIO, Options], None]

REPORTERS: dict[str, Reporter] = {
    "full": full.render,
    "concise": concise.render,
    "grouped": grouped.render,
    "json": json_format.render,
    "jsonl": jsonl.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
}

__all__ = ["REPORTERS", "Options", "Reporter"]
