"""Output cannot be forged: the one place where reporters make artifact text safe to print.

Everything in a `Diagnostic` may come from the artifact: file names, quoted values, messages.
Reporters call these helpers instead of escaping by hand (docs/robustness.md, "Output"):

* text formats (`full`, `concise`, `grouped`, `github`, JUnit) print `for_text(d)`: every
  control character (C0, DEL, C1 — so also CR, LF, ESC, BEL), every Unicode line or paragraph
  separator and bidirectional override is written as a visible Python-style escape (`\\n`,
  `\\x1b`, `\\u2028`), so a newline in a file name can never start a line (no forged
  `::error` workflow command) and no byte reaches the terminal as a control sequence;
  a byte of a non-UTF-8 file name (held as a surrogate escape, PEP 383) prints as `\\xNN`;
  a field that starts with `::` or holds `##[` (the runner's two command syntaxes) has that
  colon or bracket escaped too;
* JSON formats (`json`, `jsonl`, `sarif`, `gitlab`) go through `dump_json`: JSON escapes
  C0 controls itself, `dump_json` also DEL, C1, separators and bidi controls (`\\uXXXX`);
  a non-UTF-8 byte stays a lone surrogate, written as the JSON escape `\\udcNN` (what
  Python's `json` writes; lossless: `os.fsencode(json.loads(...))` gives the original bytes
  back) instead of crashing the UTF-8 output; `##[` is written `##\\u005b`;
* URIs (SARIF) percent-encode the raw bytes of the path (`uri_path`), also lossless.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote

from mlint.core.diagnostics import Diagnostic

# C0 (tab included: it is kept only where a reporter aligns a caret), DEL, C1, line and
# paragraph separators, bidi embeddings/overrides/isolates, BOM/zero-width no-break, and
# lone surrogates (undecodable file-name bytes).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff"
                     "\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_char(char: str) -> str:
    """The visible form of one unsafe character (itself when it is safe)."""
    if not _UNSAFE.fullmatch(char):
        return char
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the raw byte 0x80..0xFF
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def text(value: str, *, keep_tabs: bool = False) -> str:
    """`value` with every unsafe character escaped (tabs kept if asked), and never a GitHub
    Actions workflow command: the runner reads `::cmd …::` at the start of a line (after
    whitespace) and the legacy `##[cmd …]` anywhere in a line, so a field starting with `::`
    prints its first colon as `\\x3a`, and `##[` prints as `##\\x5b`."""
    if _UNSAFE.search(value):
        value = _UNSAFE.sub(lambda m: m.group() if keep_tabs and m.group() == "\t"
                            else escape_char(m.group()), value)
    if "##[" in value:
        value = value.replace("##[", "##\\x5b")
    stripped = value.lstrip()
    if stripped.startswith("::"):
        start = len(value) - len(stripped)
        value = value[:start] + "\\x3a" + value[start + 1:]
    return value


def for_text(d: Diagnostic) -> Diagnostic:
    """A copy of `d` whose every artifact-derived field is safe to print as text."""
    return dataclasses.replace(
        d, path=text(d.path), message=text(d.message), pointer=text(d.pointer), hint=text(d.hint),
        related=tuple(text(r) for r in d.related), source=text(d.source, keep_tabs=True),
        suppressed=text(d.suppressed) if d.suppressed is not None else None)


def shown_text(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The unsuppressed findings, escaped for a text format."""
    return [for_text(d) for d in diagnostics if not d.suppressed]


# What `json.dumps(ensure_ascii=False)` leaves raw but a terminal or a UTF-8 stream must not
# get: DEL and C1 (CSI is 0x9b), separators, bidi controls, BOM, lone surrogates.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff"
                          "\ud800-\udfff]")


def json_text(data: Any, *, indent: int | None = None) -> str:
    """`json.dumps` (readable UTF-8, not ASCII-only) that is always encodable and inert on a
    terminal: the characters above become `\\uXXXX` escapes (a non-UTF-8 byte: `\\udcNN`).
    They can only occur inside JSON strings, so the result parses to the same data."""
    dumped = json.dumps(data, indent=indent, ensure_ascii=False)
    # `##[` is the runner's legacy command prefix, recognised anywhere in a line (a JSON report
    # printed in a CI log): `#` occurs only inside strings, where `\\u005b` is the same `[`.
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped).replace("##[", "##\\u005b")


def dump_json(data: Any, out: TextIO, *, indent: int | None = 2) -> None:
    out.write(json_text(data, indent=indent))
    out.write("\n")


def uri_path(path: str) -> str:
    """A path's percent-encoded URI form, built from its raw bytes (lossless for non-UTF-8)."""
    return quote(os.fsencode(path), safe="/")
