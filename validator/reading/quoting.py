"""Quoting values from an artifact into a message: one cap for every rule.

A message may quote what the artifact says (a schema violation's offending value, a parse
error's excerpt) but never more than `LIMIT` characters of it: a reader needs to recognise the
value, not receive the file. `Diagnostic` caps whole messages at `MESSAGE_LIMIT` as a last
resort (mlint.core.diagnostics); escaping for the terminal is the reporters' job
(mlint.reporters.safe).
"""

from __future__ import annotations

from typing import Any

LIMIT = 120
MESSAGE_LIMIT = 2000
ELLIPSIS = "…"


def clip(text: str, limit: int = LIMIT) -> str:
    """`text`, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def quote(value: Any, limit: int = LIMIT) -> str:
    """`repr(value)` cut to `limit` characters (a recursive structure quotes as '…')."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # ValueError: int too large to print
        return ELLIPSIS
    return clip(text, limit)
