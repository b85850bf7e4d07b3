"""A fast path for flat YAML mappings: the `meta.yaml` files MLflow writes with `safe_dump`.

A run, experiment or logged model `meta.yaml` is one line per key — `key: value`, the value a
plain word, a number, `null`, `''`, a single-quoted string or `[]`/`{}`. libyaml scans such a
file in C, but PyYAML's constructor and resolver are Python (~30 nodes per file, a few files
per run). `flat_mapping` builds the same dict directly, or returns None — "not provably
simple" — and the caller runs PyYAML. It never decides what a plain scalar means by itself:
the tag comes from PyYAML's own resolver, and only the tags whose construction is trivial
(str, null, bool, a short decimal int) are built here; everything else (floats, timestamps,
octal/hex/sexagesimal ints, merge keys, anchors, tags, flow collections, block scalars,
continuation lines, comments, double quotes, non-ASCII, duplicate keys, directives, blank
lines, CR line ends) falls back. `tests/robustness/test_flat_yaml.py` compares it with PyYAML
on generated and real files.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.resolver import Resolver

# `key: value` on one line. The key is a plain ASCII word; the value is a single-quoted
# string without quotes inside, or a plain scalar made of safe ASCII characters and single
# inner spaces (no indicator can start it: the first character is a letter, digit, `_`, `.`
# or `/`, or `-` followed by a digit; `#` and quotes never occur).
_LINE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*): "
    r"(?:'([ -&(-~]*)'|(-?[A-Za-z0-9_./][A-Za-z0-9_./:@+=~-]*(?: [A-Za-z0-9_./:@+=~-]+)*)|(\[\]|\{\}))"
)
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_RESOLVER = Resolver()
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_FAIL = object()


def _plain(text: str) -> Any:
    """The value PyYAML's SafeConstructor builds for the plain scalar `text`, or _FAIL."""
    if text.endswith(":") or ": " in text:
        return _FAIL  # a mapping key / a nested mapping, not a scalar
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _BOOLS.get(text.lower(), _FAIL)
    if tag == _INT and _DECIMAL.fullmatch(text):
        return int(text)
    return _FAIL


def flat_mapping(text: str) -> dict[str, Any] | None:
    """`yaml.safe_load(text)` for a flat one-line-per-key mapping, else None (use PyYAML)."""
    if not text.endswith("\n") or "\r" in text or not text.isascii():
        return None
    out: dict[str, Any] = {}
    for line in text[:-1].split("\n"):
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        key, quoted, plain, empty = match.groups()
        if key in out or _plain(key) is not key:
            return None  # a duplicate, or a key that is not a string (`on: x`, `null: x`)
        if quoted is not None:
            if "'" in quoted:
                return None
            value: Any = quoted
        elif plain is not None:
            value = _plain(plain)
            if value is _FAIL:
                return None
        else:
            value = [] if empty == "[]" else {}
        out[key] = value
    return out or None
