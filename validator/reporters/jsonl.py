"""`--format jsonl`: one JSON object per finding per line (the `json` format's diagnostic objects).

Streams well into `jq`, log shippers and line-oriented tools; nothing is printed when clean.
"""

from __future__ import annotations

from typing import TextIO

from mlint.core.engine import Report
from mlint.reporters.json_format import entry
from mlint.reporters.options import DEFAULT, Options
from mlint.reporters.safe import json_text


def render(report: Report, out: TextIO, options: Options = DEFAULT) -> None:
    for d in options.shown(report):
        out.write(json_text(entry(d)) + "\n")
