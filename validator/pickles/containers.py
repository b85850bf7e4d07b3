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


TAR_MAGIC_AT = 257  # "ustar" in a POSIX/GNU tar header


def sniff_tar(head: bytes) -> bool:
    return head[TAR_MAGIC_AT:TAR_MAGIC_AT + 5] == b"ustar"


def sniff_head(head: bytes) -> Container:
    """Container kind from the first bytes; protocol 0/1 pickles need `looks_like_pickle`.
    A tar archive is recognised by `sniff_tar` on a longer head (its magic sits at 257)."""
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
    if head.startswith(b"\x5d\x00"):
        # joblib's own test (_LZMA_PREFIX): properties 0x5d and a dictionary size whose low
        # byte is 0; the rest of the size is free (a custom dict_size gives \x5d\x00\x01...).
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


_NAMED = {
    "bool": 1, "bool_": 1, "int8": 1, "uint8": 1, "byte": 1, "ubyte": 1, "int16": 2,
    "uint16": 2, "short": 2, "ushort": 2, "int32": 4, "uint32": 4, "intc": 4, "uintc": 4,
    "int64": 8, "uint64": 8, "longlong": 8, "ulonglong": 8, "float16": 2, "half": 2,
    "float32": 4, "single": 4, "float64": 8, "double": 8, "complex64": 8, "csingle": 8,
    "complex128": 16, "cdouble": 16, "datetime64": 8, "timedelta64": 8,
}
_OBJECT_NAMES = frozenset({"o", "object", "object_", "object0"})
_SHAPE_PREFIX = re.compile(r"^\((\s*\d+\s*(?:,\s*\d+\s*)*,?\s*)?\)|^(\d+)")
_CODE = re.compile(r"^([?bBhHiIqQefdFDuUSVaMmcO])(\d*)$")
_UNIT = re.compile(r"\[[0-9a-zA-Z]+\]$")


def descr_info(descr: Any) -> tuple[int | None, bool]:
    """(itemsize, has object fields) of an .npy header `descr`, following
    `numpy.lib.format.descr_to_dtype`: a dtype string (byte order, repeat/shape prefix, comma
    lists, names such as 'object' or 'float64'), a (base, shape) tuple, or a list of
    (name, spec[, shape]) fields. Object dtypes are recognised in every spelling numpy
    accepts that mlint knows; an itemsize of None means "not understood": the caller then
    refuses the file (np.load might read it as an object array, i.e. unpickle it)."""
    try:
        return _descr(descr, 0)
    except (ValueError, TypeError, RecursionError):
        return None, "O" in repr(descr)


def _descr(descr: Any, depth: int) -> tuple[int | None, bool]:
    if depth > 32:
        raise ValueError("descr nested too deeply")
    if isinstance(descr, str):
        return _descr_str(descr)
    if isinstance(descr, tuple) and len(descr) == 2:
        size, obj = _descr(descr[0], depth + 1)
        mult = _count(descr[1])
        return (None if size is None or mult is None else size * mult), obj
    if isinstance(descr, list):
        total: int | None = 0
        obj = False
        for fld in descr:
            if not isinstance(fld, tuple) or len(fld) not in (2, 3):
                return None, obj or "O" in repr(fld)
            size, o = _descr(fld[1], depth + 1) if len(fld) == 2 else \
                _descr((fld[1], fld[2]), depth + 1)
            obj = obj or o
            total = None if total is None or size is None else total + size
        return total, obj
    return None, "O" in repr(descr)


def _count(shape: Any) -> int | None:
    if isinstance(shape, int) and not isinstance(shape, bool) and shape >= 0:
        return shape
    if isinstance(shape, tuple):
        n = 1
        for d in shape:
            if not isinstance(d, int) or isinstance(d, bool) or d < 0:
                return None
            n *= d
        return n
    return None


def _descr_str(text: str) -> tuple[int | None, bool]:
    text = text.strip()
    if "," in text:  # comma string: a structured dtype, one field per part
        parts = [_descr_str(p) for p in text.split(",") if p.strip()]
        obj = any(o for _, o in parts)
        sizes = [s for s, _ in parts]
        return (None if None in sizes else sum(s for s in sizes if s is not None)), obj
    mult = 1
    m = _SHAPE_PREFIX.match(text)
    if m is not None:
        dims = (m.group(1) or "").replace(" ", "").strip(",") if m.group(2) is None \
            else m.group(2)
        for d in filter(None, dims.split(",")):
            mult *= int(d)
        text = text[m.end():].strip()
    if text[:1] in "<>|=":
        text = text[1:]
    core = _UNIT.sub("", text)
    if core.lower() in _OBJECT_NAMES or re.fullmatch(r"O\d*", core):
        return 8 * mult, True
    size: int | None = _NAMED.get(core)
    if size is None:
        c = _CODE.match(core)
        if c is None:
            return None, "O" in core
        char, digits = c.group(1), c.group(2)
        if digits:
            size = int(digits) * (4 if char == "U" else 1)
        else:
            size = {"?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "q": 8, "Q": 8,
                    "e": 2, "f": 4, "d": 8, "F": 8, "D": 16, "M": 8, "m": 8}.get(char)
    return (None if size is None else size * mult), False


def parse_lfs_pointer(text: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.decode("utf-8", "replace").splitlines()[:10]:
        key, _, value = line.partition(" ")
        out[key] = value.strip()
    return out
