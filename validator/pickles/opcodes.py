"""Pickle opcode table and a tokenizer that never materialises large payloads.

Argument decoding follows CPython's `_pickle.c` (what actually runs at load time), not
`pickletools`' documentation: e.g. SHORT_BINSTRING is accepted as a str operand for
STACK_GLOBAL once decoded, so it is decoded here too (latin-1: a superset of every encoding
`pickle.load` might be given).
"""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass

from .stream import Reader

# Argument kinds.
NONE, U1, U2, I4, U4, U8, F8 = range(7)
LINE_INT, LINE_LONG, LINE_FLOAT, LINE_STR, LINE_UNI, LINE_RAW, TWO_LINES = range(7, 14)
BYTES1, BYTES4, BYTES8, UNI1, UNI4, UNI8, STR1, STR4, LONG1, LONG4 = range(14, 24)

_DEFS: list[tuple[bytes, str, int]] = [
    (b"(", "MARK", NONE), (b".", "STOP", NONE), (b"0", "POP", NONE), (b"1", "POP_MARK", NONE),
    (b"2", "DUP", NONE), (b"F", "FLOAT", LINE_FLOAT), (b"I", "INT", LINE_INT),
    (b"J", "BININT", I4), (b"K", "BININT1", U1), (b"L", "LONG", LINE_LONG),
    (b"M", "BININT2", U2), (b"N", "NONE", NONE), (b"P", "PERSID", LINE_RAW),
    (b"Q", "BINPERSID", NONE), (b"R", "REDUCE", NONE), (b"S", "STRING", LINE_STR),
    (b"T", "BINSTRING", STR4), (b"U", "SHORT_BINSTRING", STR1), (b"V", "UNICODE", LINE_UNI),
    (b"X", "BINUNICODE", UNI4), (b"a", "APPEND", NONE), (b"b", "BUILD", NONE),
    (b"c", "GLOBAL", TWO_LINES), (b"d", "DICT", NONE), (b"}", "EMPTY_DICT", NONE),
    (b"e", "APPENDS", NONE), (b"g", "GET", LINE_INT), (b"h", "BINGET", U1),
    (b"i", "INST", TWO_LINES), (b"j", "LONG_BINGET", U4), (b"l", "LIST", NONE),
    (b"]", "EMPTY_LIST", NONE), (b"o", "OBJ", NONE), (b"p", "PUT", LINE_INT),
    (b"q", "BINPUT", U1), (b"r", "LONG_BINPUT", U4), (b"s", "SETITEM", NONE),
    (b"t", "TUPLE", NONE), (b")", "EMPTY_TUPLE", NONE), (b"u", "SETITEMS", NONE),
    (b"G", "BINFLOAT", F8),
    # protocol 2
    (b"\x80", "PROTO", U1), (b"\x81", "NEWOBJ", NONE), (b"\x82", "EXT1", U1),
    (b"\x83", "EXT2", U2), (b"\x84", "EXT4", I4), (b"\x85", "TUPLE1", NONE),
    (b"\x86", "TUPLE2", NONE), (b"\x87", "TUPLE3", NONE), (b"\x88", "NEWTRUE", NONE),
    (b"\x89", "NEWFALSE", NONE), (b"\x8a", "LONG1", LONG1), (b"\x8b", "LONG4", LONG4),
    # protocol 3
    (b"B", "BINBYTES", BYTES4), (b"C", "SHORT_BINBYTES", BYTES1),
    # protocol 4
    (b"\x8c", "SHORT_BINUNICODE", UNI1), (b"\x8d", "BINUNICODE8", UNI8),
    (b"\x8e", "BINBYTES8", BYTES8), (b"\x8f", "EMPTY_SET", NONE), (b"\x90", "ADDITEMS", NONE),
    (b"\x91", "FROZENSET", NONE), (b"\x92", "NEWOBJ_EX", NONE), (b"\x93", "STACK_GLOBAL", NONE),
    (b"\x94", "MEMOIZE", NONE), (b"\x95", "FRAME", U8),
    # protocol 5
    (b"\x96", "BYTEARRAY8", BYTES8), (b"\x97", "NEXT_BUFFER", NONE),
    (b"\x98", "READONLY_BUFFER", NONE),
]

NAMES: list[str | None] = [None] * 256
ARGKIND: list[int] = [-1] * 256
CODE: dict[str, int] = {}
for _c, _n, _k in _DEFS:
    NAMES[_c[0]] = _n
    ARGKIND[_c[0]] = _k
    CODE[_n] = _c[0]

_GET, _PUT = CODE["GET"], CODE["PUT"]
_I4 = struct.Struct("<i")
_U4 = struct.Struct("<I")
_U8 = struct.Struct("<Q")
_U2 = struct.Struct("<H")
_F8 = struct.Struct(">d")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A str/bytes payload too large to keep; only its type and length are recorded."""

    type: str
    length: int


class Truncated(Exception):
    def __init__(self, offset: int, what: str) -> None:
        super().__init__(f"stream ends inside {what} at offset {offset}")
        self.offset = offset


class BadOpcode(Exception):
    def __init__(self, offset: int, byte: int) -> None:
        super().__init__(f"invalid opcode 0x{byte:02x} at offset {offset}")
        self.offset = offset
        self.byte = byte


class BadArgument(Exception):
    def __init__(self, offset: int, msg: str) -> None:
        super().__init__(f"{msg} at offset {offset}")
        self.offset = offset


Arg = object


def read_arg(r: Reader, code: int, kind: int, off: int, keep: int, maxline: int) -> Arg:
    """Decode the argument of opcode `code` (already consumed) at stream offset `off`."""
    if kind == U1:
        b = r.byte()
        if b < 0:
            raise Truncated(off, NAMES[code] or "?")
        return b
    if kind in (U2, I4, U4, U8, F8):
        size = 2 if kind == U2 else 8 if kind in (U8, F8) else 4
        data = r.read(size)
        if len(data) < size:
            raise Truncated(off, NAMES[code] or "?")
        st = _U2 if kind == U2 else _I4 if kind == I4 else _U4 if kind == U4 else (
            _U8 if kind == U8 else _F8)
        return st.unpack(data)[0]
    if kind in (BYTES1, BYTES4, BYTES8, UNI1, UNI4, UNI8, STR1, STR4):
        return _counted(r, code, kind, off, keep)
    if kind in (LONG1, LONG4):
        if kind == LONG1:
            n = r.byte()
            if n < 0:
                raise Truncated(off, "LONG1")
        else:
            raw = r.read(4)
            if len(raw) < 4:
                raise Truncated(off, "LONG4")
            n = _I4.unpack(raw)[0]
            if n < 0:
                raise BadArgument(off, "LONG4 with negative length")
        if n > keep:
            if r.skip(n) < n:
                raise Truncated(off, "LONG4")
            return Skipped("int", n)
        data = r.read(n)
        if len(data) < n:
            raise Truncated(off, NAMES[code] or "?")
        return int.from_bytes(data, "little", signed=True)
    if kind == TWO_LINES:
        a = r.readline(maxline)
        b2 = r.readline(maxline) if a is not None else None
        if a is None or b2 is None:
            raise Truncated(off, NAMES[code] or "?")
        return (a[:-1].decode("utf-8", "replace"), b2[:-1].decode("utf-8", "replace"))
    line = r.readline(maxline)
    if line is None:
        raise Truncated(off, NAMES[code] or "?")
    if kind == LINE_INT and code in (_GET, _PUT):
        try:  # load_get/load_put: PyLong_FromString(s, NULL, 10)
            return int(line[:-1], 10)
        except ValueError as exc:
            raise BadArgument(off, f"bad memo index {line[:40]!r}") from exc
    return _line_value(line[:-1], kind, off)


# The C unpickler's INT: strtol(s, &end, 0) -- C base-0 syntax, octal "010" included -- and a
# bool when the line is exactly 2 characters worth 0 or 1 ("01", "-0", "+1", " 1"); when
# strtol does not end at the newline (or overflows) it falls back to PyLong_FromString(s, 0),
# i.e. Python's int(s, 0) (underscores, surrounding whitespace). Verified against
# pickle.loads on benign inputs in tests/pickles/test_differential.py.
_STRTOL = re.compile(rb"^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")


def _c_int(line: bytes) -> int | bool:
    m = _STRTOL.match(line)
    if m is not None:
        digits = m.group(2)
        base = 16 if digits[:2].lower() == b"0x" else 8 if digits[:1] == b"0" else 10
        value = int(digits, base) * (-1 if m.group(1) == b"-" else 1)
        if -(2**63) <= value < 2**63:
            return bool(value) if len(line) == 2 and value in (0, 1) else value
    return int(line, 0)


def _counted(r: Reader, code: int, kind: int, off: int, keep: int) -> Arg:
    if kind in (BYTES1, UNI1, STR1):
        n = r.byte()
        if n < 0:
            raise Truncated(off, NAMES[code] or "?")
    else:
        size = 8 if kind in (BYTES8, UNI8) else 4
        raw = r.read(size)
        if len(raw) < size:
            raise Truncated(off, NAMES[code] or "?")
        n = (_U8 if size == 8 else _I4 if kind == STR4 else _U4).unpack(raw)[0]
        if n < 0:
            raise BadArgument(off, "BINSTRING with negative length")
    tname = "str" if kind in (UNI1, UNI4, UNI8, STR1, STR4) else "bytes"
    if n > keep:
        if r.skip(n) < n:
            raise Truncated(off, NAMES[code] or "?")
        return Skipped(tname, n)
    data = r.read(n)
    if len(data) < n:
        raise Truncated(off, NAMES[code] or "?")
    if kind in (UNI1, UNI4, UNI8):
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            raise BadArgument(off, "invalid UTF-8 in unicode string") from exc
    if kind in (STR1, STR4):
        return data.decode("latin-1")
    return data


def _line_value(line: bytes, kind: int, off: int) -> Arg:
    try:
        if kind == LINE_INT:
            return _c_int(line)
        if kind == LINE_LONG:  # load_long: a trailing 'L' dropped, then PyLong_FromString(s, 0)
            return int(line[:-1] if line.endswith(b"L") else line, 0)
        if kind == LINE_FLOAT:
            return float(line)
        if kind == LINE_STR:
            if len(line) >= 2 and line[0] == line[-1] and line[:1] in (b"'", b'"'):
                return codecs.escape_decode(line[1:-1])[0].decode("latin-1")
            raise BadArgument(off, "STRING argument is not quoted")
        if kind == LINE_UNI:
            return line.decode("raw-unicode-escape")
        return line.decode("latin-1")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadArgument(off, f"bad text argument {line[:40]!r}") from exc
