"""Format sniffing by content, and the file-like layers the walker reads through.

Detection never trusts the file name: a pickle renamed `weights.bin`, a gzip named `.pkl`,
and a Git-LFS pointer saved as `model.pkl` are all recognised from their first bytes.
"""

from __future__ import annotations

import ast
import bz2
import gzip
import lzma
import re
import zlib
from typing import Any, BinaryIO, cast

from .model import Container
from .stream import CHUNK, RawSource

LFS_MAGIC = b"version https://git-lfs.github.com/spec/"
HEAD = 64


def sniff_head(head: bytes) -> Container:
    """Container kind from the first bytes; protocol 0/1 pickles need `looks_like_pickle`."""
    if not head:
        return Container.EMPTY
    if head.startswith(LFS_MAGIC):
        return Container.LFS_POINTER
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return Container.ZIP
    if head.startswith(b"\x93NUMPY"):
        return Container.NPY
    if head[0] == 0x80 and len(head) > 1 and head[1] <= 5:
        return Container.PICKLE
    if head.startswith(b"ZF"):
        return Container.JOBLIB_ZF
    if head.startswith(b"\x1f\x8b"):
        return Container.GZIP
    if head.startswith(b"BZh"):
        return Container.BZ2
    if head.startswith(b"\xfd7zXZ\x00"):
        return Container.XZ
    if head.startswith(b"\x5d\x00\x00"):
        return Container.LZMA
    if head.startswith(b"\x04\x22\x4d\x18"):
        return Container.LZ4
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return Container.ZLIB
    return Container.UNKNOWN


def open_decompressor(kind: Container, raw: Any) -> RawSource | None:
    """A streaming reader for a compressed layer; None if the codec is unavailable."""
    if kind is Container.GZIP:
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind is Container.BZ2:
        return bz2.BZ2File(raw, "rb")
    if kind in (Container.XZ, Container.LZMA):
        return lzma.LZMAFile(raw, "rb")
    if kind is Container.ZLIB:
        return InflateFile(raw, 15)
    if kind is Container.JOBLIB_ZF:
        # joblib < 0.9.3: b"ZF" + 19-char hex length (+ optional space), then a zlib stream.
        header = raw.read(2 + 19)
        if len(header) < 21:
            raise EOFError("truncated ZF header")
        nxt = raw.read(1)
        if nxt not in (b" ", b""):
            return InflateFile(raw, 15, prefix=nxt)
        return InflateFile(raw, 15)
    if kind is Container.LZ4:
        try:
            import lz4.frame
        except ImportError:
            return None
        return cast(RawSource, lz4.frame.LZ4FrameFile(raw, "rb"))
    return None


class InflateFile:
    """zlib/raw-deflate reader that never inflates more than asked (bounded memory)."""

    def __init__(self, raw: Any, wbits: int, prefix: bytes = b"") -> None:
        self.raw = raw
        self.d = zlib.decompressobj(wbits)
        self.pending = prefix

    def read(self, n: int = -1) -> bytes:
        n = CHUNK if n is None or n < 0 else n
        out: list[bytes] = []
        have = 0
        while have < n:
            if self.d.unconsumed_tail:
                data = self.d.unconsumed_tail
            elif self.d.eof:
                break
            else:
                data = self.pending + self.raw.read(CHUNK)
                self.pending = b""
                if not data:
                    raise EOFError("compressed data ends before the end-of-stream marker")
            piece = self.d.decompress(data, n - have)
            out.append(piece)
            have += len(piece)
        return b"".join(out)


class RegionFile:
    """A seekable window [start, start+length) of an open file (a stored zip member)."""

    def __init__(self, f: BinaryIO, start: int, length: int) -> None:
        self.f, self.start, self.length, self.p = f, start, length, 0

    def read(self, n: int = -1) -> bytes:
        n = self.length - self.p if n is None or n < 0 else min(n, self.length - self.p)
        if n <= 0:
            return b""
        self.f.seek(self.start + self.p)
        data = self.f.read(n)
        self.p += len(data)
        return data

    def tell(self) -> int:
        return self.p

    def seek(self, off: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.p, 2: self.length}[whence]
        self.p = max(0, min(self.length, base + off))
        return self.p


# --- .npy -------------------------------------------------------------------------------

_DESCR = re.compile(r"^[<>|=]?([a-zA-Z?])(\d*)")
_SIZES = {"?": 1, "b": 1, "B": 1, "i": None, "u": None, "f": None, "c": None, "O": 8,
          "M": None, "m": None, "S": None, "U": None, "V": None}


def parse_npy_header(data: bytes) -> tuple[dict[str, Any], int] | None:
    """(header dict, header length incl. preamble) or None if malformed. Uses literal_eval:
    the header is a Python literal and nothing in it is ever executed."""
    if len(data) < 10 or not data.startswith(b"\x93NUMPY"):
        return None
    major = data[6]
    if major == 1:
        hlen, start = int.from_bytes(data[8:10], "little"), 10
    elif major in (2, 3):
        hlen, start = int.from_bytes(data[8:12], "little"), 12
    else:
        return None
    text = data[start : start + hlen]
    if len(text) < hlen:
        return None
    try:
        hdr = ast.literal_eval(text.decode("utf-8" if major == 3 else "latin-1"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        return None
    if not isinstance(hdr, dict) or "descr" not in hdr or "shape" not in hdr:
        return None
    return hdr, start + hlen


def descr_info(descr: Any) -> tuple[int | None, bool]:
    """(itemsize or None if unknown, has object fields) of an .npy `descr`."""
    if isinstance(descr, str):
        m = _DESCR.match(descr)
        if m is None:
            return None, False
        char, digits = m.group(1), m.group(2)
        if char == "O":
            return 8, True
        if digits:
            return int(digits) * (4 if char == "U" else 1), False
        return _SIZES.get(char), False
    if isinstance(descr, list):
        total: int | None = 0
        obj = False
        for fld in descr:
            if not isinstance(fld, tuple) or len(fld) < 2:
                return None, obj
            size, o = descr_info(fld[1])
            obj = obj or o
            mult = 1
            if len(fld) > 2 and isinstance(fld[2], tuple):
                for d in fld[2]:
                    mult *= d if isinstance(d, int) else 0
            total = None if total is None or size is None else total + size * mult
        return total, obj
    return None, False


def parse_lfs_pointer(text: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.decode("utf-8", "replace").splitlines()[:10]:
        key, _, value = line.partition(" ")
        out[key] = value.strip()
    return out
