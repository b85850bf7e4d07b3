"""Metric files, parsed the way MLflow's file store and `migrate-filestore` read them.

Two paths with the same answers. The exact path parses any text line by line, lazily (a
10-million-line file is never split into one list). The fast path handles the files MLflow
writes — every line `<timestamp> <value> <step>` (a logged model's lines add `<run_id>`) with
plain decimal integers — with one C-level regex match and one `split`, about 7x cheaper than
the line loop; anything else (blank lines, `\\r`, old 2-field lines, dataset fields, huge
files, leading zeros, …) takes the exact path. `tests/test_metric_lines.py` checks that both
paths agree on generated files.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mlint.reading.files import iter_lines

# Canonical integers only: no sign on zero, no leading zeros, no `+`, `_` or spaces. Under this
# grammar two timestamps (or steps) are equal as integers exactly when their texts are equal,
# which is what lets the fast path compare texts instead of converting every line.
_INT = r"(?:0|-?[1-9][0-9]*)"
_FLOAT = r"-?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|nan|inf)"  # a subset of what float() takes
_RUN_LINE = f"{_INT} {_FLOAT} {_INT}"
_MODEL_LINE = f"{_RUN_LINE} [0-9A-Za-z_-]+"
_CANONICAL = {
    True: re.compile(f"(?:{_RUN_LINE}\n)*(?:{_RUN_LINE})?"),
    False: re.compile(f"(?:{_MODEL_LINE}\n)*(?:{_MODEL_LINE})?"),
}
# Above this the exact, lazy path runs: the fast path's token list is ~20x the text's size.
FAST_PATH_CHARS = 4 << 20


def is_canonical(text: str, is_run: bool) -> bool:
    """True when every line of `text` is a canonical run (or logged-model) metric line, lines
    end in `\\n` only and there is no blank line: then MLflow's reader accepts every line
    (3 fields for a run, 4 for a logged model, `int`/`float`/`int`)."""
    return len(text) <= FAST_PATH_CHARS and _CANONICAL[is_run].fullmatch(text) is not None


@dataclass(frozen=True)
class MetricLine:
    """One parsed metric line. `error` set means MLflow's reader raises on it."""

    number: int
    fields: tuple[str, ...]
    timestamp: int = 0
    value: float = 0.0
    step: int = 0
    error: str = ""
    column: int = 1


def parse_metric_lines(text: str, allowed: tuple[int, ...]) -> Iterator[MetricLine]:
    """Parse a metric file exactly as MLflow's FileStore does: `line.strip().split(" ")`,
    `int()` timestamp and step, `float()` value (so `nan`, `inf` and `1e-05` are fine).

    Plain `split` and builtin conversions, no regex; columns are computed only for the rare
    bad line.
    """
    for number, raw in enumerate(iter_lines(text), start=1):
        fields = raw.strip().split(" ")
        if len(fields) not in allowed:
            expected = ", ".join(map(str, allowed[:-1])) + f" or {allowed[-1]}"
            count = len(fields) if raw.strip() else 0
            noun = "field" if count == 1 else "fields"
            yield MetricLine(number, tuple(fields), error=f"has {count} {noun}, MLflow expects {expected}")
            continue
        try:
            timestamp, value = int(fields[0]), float(fields[1])
            step = int(fields[2]) if len(fields) >= 3 else 0
        except ValueError:
            yield _bad_number(number, raw, fields)
            continue
        yield MetricLine(number, tuple(fields), timestamp, value, step)


def malformed_lines(text: str, allowed: tuple[int, ...], is_run: bool,
                    canonical: bool | None = None) -> Iterator[MetricLine]:
    """The lines of `text` MLflow's reader rejects (`parse_metric_lines`, errors only).
    `allowed` must accept 3 fields for a run and 4 for a logged model (it does in MLflow).
    `canonical`: `is_canonical(text, is_run)` when the caller already knows it."""
    if canonical if canonical is not None else is_canonical(text, is_run):
        return
    yield from (line for line in parse_metric_lines(text, allowed) if line.error)


def _bad_number(number: int, raw: str, fields: list[str]) -> MetricLine:
    columns = _field_columns(raw, len(raw) - len(raw.lstrip()))
    for index, (what, kind) in enumerate((("timestamp", int), ("value", float), ("step", int))):
        if index >= len(fields):
            break
        try:
            kind(fields[index])
        except ValueError:
            article = "an integer" if kind is int else "a number"
            return MetricLine(number, tuple(fields), error=f"{what} {fields[index]!r} is not {article}",
                              column=columns[index])
    return MetricLine(number, tuple(fields), error="is malformed")


def _field_columns(raw: str, offset: int) -> list[int]:
    columns, position = [], offset
    for part in raw.strip().split(" "):
        columns.append(position + 1)
        position += len(part) + 1
    return columns


MAX_DOUBLE = 1.7976931348623157e308


def sanitized(value: float) -> tuple[float, bool]:
    """(value, is_nan) as the database stores a metric value: NaN as (0.0, True), ±inf clamped
    to ±DBL_MAX (fs2db/_tracking.py)."""
    if math.isnan(value):
        return 0.0, True
    if math.isinf(value):
        return (MAX_DOUBLE if value > 0 else -MAX_DOUBLE), False
    return value, False


Identity = tuple[Any, ...]


def duplicate_lines(text: str, is_run: bool,
                    canonical: bool | None = None) -> Iterator[tuple[int, int, Identity]]:
    """(line, first line, identity) for each line whose database key repeats an earlier line:
    (timestamp, step, value, is_nan) for runs, (timestamp, step, run id) for logged models.
    Unparsable lines are skipped (other rules report them). `canonical` as for
    `malformed_lines`."""
    if not (canonical if canonical is not None else is_canonical(text, is_run)):
        yield from _duplicate_lines_exact(text, is_run)
        return
    tokens = text.split()  # canonical: single spaces between fields, "\n" between lines
    width = 3 if is_run else 4
    # Canonical texts compare like the integers they spell, so equal identities need equal
    # (timestamp, step[, run id]) texts; only lines sharing those can repeat a point.
    keys: list[tuple[str, ...]] = list(zip(tokens[0::width], tokens[2::width],
                                           *([] if is_run else [tokens[3::width]]), strict=True))
    counts = Counter(keys)
    if len(counts) == len(keys):
        return
    values = tokens[1::width]
    seen: dict[Identity, int] = {}
    for index, key in enumerate(keys):
        if counts[key] < 2:
            continue
        if is_run:
            value, is_nan = sanitized(float(values[index]))
            identity: Identity = (int(key[0]), int(key[1]), value, is_nan)
        else:
            identity = (int(key[0]), int(key[1]), key[2])
        if identity in seen:
            yield index + 1, seen[identity], identity
        else:
            seen[identity] = index + 1


def line_fields(text: str, width: int, canonical: bool) -> Iterator[Sequence[str]]:
    """Each line's fields as MLflow splits them (`line.strip().split(" ")`), in line order;
    for a canonical file (`width` fields on every line) from one `split` of the whole text."""
    if not canonical:
        return (line.strip().split(" ") for line in iter_lines(text))
    tokens = text.split()
    return zip(*(tokens[i::width] for i in range(width)), strict=True)


def _duplicate_lines_exact(text: str, is_run: bool) -> Iterator[tuple[int, int, Identity]]:
    seen: dict[Identity, int] = {}
    for number, raw in enumerate(iter_lines(text), start=1):
        fields = raw.strip().split(" ")
        try:
            if is_run and len(fields) >= 2:
                value, is_nan = sanitized(float(fields[1]))
                step = int(fields[2]) if len(fields) >= 3 else 0
                identity: Identity = (int(fields[0]), step, value, is_nan)
            elif not is_run and len(fields) in (4, 6):
                identity = (int(fields[0]), int(fields[2]), fields[3])
            else:
                continue
        except ValueError:
            continue
        if identity in seen:
            yield number, seen[identity], identity
        else:
            seen[identity] = number
