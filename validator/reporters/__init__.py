"""Output formats. Each reporter renders a finished `Report` to a text stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from mlint.engine import Report
from mlint.reporters import concise, full, json_format

Reporter = Callable[[Report, TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "full": full.render,
    "concise": concise.render,
    "json": json_format.render,
}
