"""Build pickles from raw opcodes. Nothing here pickles a dangerous object or loads anything."""

from __future__ import annotations

import struct


def proto(n: int) -> bytes:
    return b"\x80" + bytes([n])


def glob(module: str, name: str) -> bytes:
    """GLOBAL opcode (text form, valid in every protocol)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def u(s: str) -> bytes:
    """SHORT_BINUNICODE."""
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def stack_global(module: str, name: str) -> bytes:
    return u(module) + u(name) + b"\x93"


def call1(func: bytes, arg: bytes) -> bytes:
    """func(arg) via TUPLE1 + REDUCE."""
    return func + arg + b"\x85R"


MEMOIZE = b"\x94"
STOP = b"."
POP = b"0"


def binget(i: int) -> bytes:
    return b"h" + bytes([i])


def binput(i: int) -> bytes:
    return b"q" + bytes([i])


def binbytes(data: bytes) -> bytes:
    return b"B" + struct.pack("<I", len(data)) + data


def system_call(cmd: str = "true", module: str = "os", name: str = "system") -> bytes:
    """A protocol-4 pickle calling module.name(cmd)."""
    return proto(4) + call1(stack_global(module, name), u(cmd)) + STOP
