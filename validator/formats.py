"""Cheap structure checks of model file formats that MLflow flavors hand to their libraries.

Each check reads a few ranges of a file (magic bytes, the tail, a length-prefixed walk) and
says whether the content is the format at all (`Verdict.WRONG`), is cut short
(`Verdict.TRUNCATED`) or looks whole (`Verdict.OK`). Nothing is parsed into objects beyond
JSON text below a cap, nothing is decompressed, nothing is imported or executed.
"""

from __future__ import annotations

import json
import os
import re
import stat
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlint.files import FileFailure, stat_regular

OK, WRONG, TRUNCATED = "ok", "wrong", "truncated"
ZIP_LOCAL, ZIP_END, ZIP_CENTRAL = b"PK\x03\x04", b"PK\x05\x06", b"PK\x01\x02"
ZIP64_LOCATOR, ZIP64_END = b"PK\x06\x07", b"PK\x06\x06"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
# Text formats are parsed whole only below this size; above it only their ends are read.
MAX_PARSE_BYTES = 32 << 20
# A LightGBM model file is scanned for its `end of trees` line up to this size.
MAX_SCAN_BYTES = 512 << 20
_CHUNK = 1 << 20
_TAIL = 1 << 16
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class Verdict:
    state: str  # OK, WRONG or TRUNCATED
    detail: str = ""
    # Files the content itself references (ONNX external data): (relative path, bytes needed).
    needs: tuple[tuple[str, int], ...] = field(default=())


class Reader:
    """Ranged reads of one regular file (never a FIFO or a symlink out of `root`)."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size

    def read(self, offset: int, count: int) -> bytes:
        if offset >= self.size or count <= 0:
            return b""
        return os.pread(self.fd, min(count, self.size - offset), offset)

    def tail(self, count: int) -> bytes:
        return self.read(max(0, self.size - count), count)


def open_reader(path: Path, root: Path) -> Reader | FileFailure:
    info = stat_regular(path, root)
    if isinstance(info, FileFailure):
        return info
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return FileFailure("MLT003", f"'{path.name}' cannot be read: {exc.strerror}")
    real = os.fstat(fd)
    if not stat.S_ISREG(real.st_mode):
        os.close(fd)
        return FileFailure("MLT003", f"'{path.name}' changed while being read; not read")
    return Reader(fd, real.st_size)


def check_file(path: Path, root: Path, check: Callable[[Reader], Verdict]) -> Verdict | FileFailure:
    reader = open_reader(path, root)
    if isinstance(reader, FileFailure):
        return reader
    try:
        return check(reader)
    except OSError as exc:
        return FileFailure("MLT003", f"'{path.name}' cannot be read: {exc.strerror}")
    finally:
        os.close(reader.fd)


# --- zip (TorchScript, torch.save, torch.export pt2, .keras) ----------------------------------


def zip_archive(r: Reader) -> Verdict:
    """A zip archive whose end-of-central-directory record and central directory are intact
    (a truncated archive loses them first: PyTorch and Keras fail with 'failed finding central
    directory' / BadZipFile)."""
    head = r.read(0, 4)
    if head == ZIP_END:
        return Verdict(OK)  # an empty archive
    if head != ZIP_LOCAL:
        return Verdict(WRONG, "not a zip archive")
    tail = r.tail(65536 + 22)
    base = r.size - len(tail)
    at = tail.rfind(ZIP_END)
    # The record is 22 bytes plus a comment; a comment that runs past the end means this was
    # a look-alike inside the data (or the record is cut), so look further back.
    while at >= 0 and (at + 22 > len(tail)
                       or at + 22 + struct.unpack_from("<H", tail, at + 20)[0] > len(tail)):
        at = tail.rfind(ZIP_END, 0, at)
    if at < 0:
        return Verdict(TRUNCATED, "the zip end-of-central-directory record is missing")
    end = base + at
    entries, cd_size, cd_offset = struct.unpack_from("<HII", tail, at + 10)
    if 0xFFFFFFFF in (cd_size, cd_offset) or entries == 0xFFFF:
        locator = r.read(end - 20, 20)
        if len(locator) < 20 or locator[:4] != ZIP64_LOCATOR:
            return Verdict(TRUNCATED, "the zip64 end-of-central-directory locator is missing")
        (z64,) = struct.unpack_from("<Q", locator, 8)
        record = r.read(z64, 56)
        if len(record) < 56 or record[:4] != ZIP64_END:
            return Verdict(TRUNCATED, "the zip64 end-of-central-directory record is missing")
        entries, cd_size, cd_offset = struct.unpack_from("<QQQ", record, 32)
        end = z64
    if cd_offset + cd_size > end:
        return Verdict(TRUNCATED, "the zip central directory lies past the end of the file")
    if entries and r.read(cd_offset, 4) != ZIP_CENTRAL:
        return Verdict(TRUNCATED, "the zip central directory is not where the archive says")
    return Verdict(OK)


# --- LightGBM text model ----------------------------------------------------------------------


def lightgbm_text(r: Reader) -> Verdict:
    """LightGBM's text model as `Booster.save_model` writes it: `tree` on the first line, the
    trees, `end of trees`, feature importances, parameters, and last the Python package's
    `pandas_categorical:` line. A cut inside the trees (or inside a parameter line) makes
    LightGBM abort or crash the process; a cut anywhere loses at least the pandas categories."""
    first = r.read(0, 6).split(b"\n")[0]
    if first.rstrip(b"\r") != b"tree":
        return Verdict(WRONG, "not a LightGBM text model (the first line is not 'tree')")
    tail = r.tail(_TAIL)
    if tail.endswith(b"\n") and b"\npandas_categorical:" in tail:
        return Verdict(OK)
    if r.size > _TAIL and b"\n" not in tail[:-1]:
        return Verdict(OK)  # a pandas_categorical line longer than the window: not judged
    needle, carry, offset = b"\nend of trees", b"", 0
    while offset < min(r.size, MAX_SCAN_BYTES):
        chunk = r.read(offset, _CHUNK)
        if needle in carry + chunk:
            return Verdict(TRUNCATED, "it ends before its last line ('pandas_categorical:')")
        carry, offset = chunk[-len(needle):], offset + len(chunk)
    return Verdict(TRUNCATED, "the trees are cut off (no 'end of trees' line)")


# --- JSON (xgboost .json, catboost json) ------------------------------------------------------


def json_document(r: Reader) -> Verdict:
    head = r.read(0, 64).lstrip()
    if not head.startswith((b"{", b"[")):
        return Verdict(WRONG, "not a JSON document")
    if r.size > MAX_PARSE_BYTES:
        closing = r.tail(64).rstrip()
        if not closing.endswith((b"}", b"]")):
            return Verdict(TRUNCATED, "the JSON document does not end with '}'")
        return Verdict(OK)
    text = r.read(0, r.size)
    try:
        json.loads(text)
    except (ValueError, RecursionError) as exc:
        # Cut short when brackets stay open at the end (strings, which may hold brackets, are
        # dropped first); otherwise the text is malformed JSON.
        if _BINARY.search(text):
            return Verdict(WRONG, "not a JSON document (binary content)")
        bare = _JSON_STRING.sub(b"", text)
        if bare.count(b"{") + bare.count(b"[") > bare.count(b"}") + bare.count(b"]"):
            return Verdict(TRUNCATED, "the JSON document ends early")
        return Verdict(WRONG, f"not valid JSON ({getattr(exc, 'msg', '') or 'invalid'})")
    return Verdict(OK)


# --- UBJSON (xgboost .ubj) --------------------------------------------------------------------


_UBJ_INT = {b"i": (1, True), b"U": (1, False), b"I": (2, True), b"l": (4, True),
            b"L": (8, True)}
_UBJ_FIXED = {b"Z": 0, b"N": 0, b"T": 0, b"F": 0, b"C": 1, b"d": 4, b"D": 8,
              **{k: w for k, (w, _) in _UBJ_INT.items()}}


class _UbjCut(Exception):
    pass


def _ubj_walk(data: bytes) -> int:
    """Walk one UBJSON value from offset 0; returns where it ends (raises _UbjCut when the data
    ends inside it, ValueError when a byte is no UBJSON marker)."""

    def need(pos: int, count: int) -> None:
        if pos + count > len(data):
            raise _UbjCut()

    def integer(pos: int) -> tuple[int, int]:
        need(pos, 1)
        spec = _UBJ_INT.get(data[pos:pos + 1])
        if spec is None:
            raise ValueError(f"no integer marker at byte {pos}")
        need(pos + 1, spec[0])
        value = int.from_bytes(data[pos + 1:pos + 1 + spec[0]], "big", signed=spec[1])
        if value < 0:
            raise ValueError(f"negative length at byte {pos}")
        return value, pos + 1 + spec[0]

    # stack entries: [is_object, remaining count or -1, element type or None, expecting key]
    stack: list[list] = []
    pos = 0
    while True:
        if stack:
            top = stack[-1]
            if top[1] == 0:
                stack.pop()
                if not stack:
                    return pos
                continue
            if top[1] < 0:
                need(pos, 1)
                if data[pos:pos + 1] == (b"}" if top[0] else b"]"):
                    stack.pop()
                    pos += 1
                    if not stack:
                        return pos
                    continue
            if top[0] and top[3]:
                length, pos = integer(pos)
                need(pos, length)
                pos += length
                top[3] = False
                continue
            if top[1] > 0:
                top[1] -= 1
            if top[0]:
                top[3] = True
            marker = top[2]
            if marker is None:
                need(pos, 1)
                marker, pos = data[pos:pos + 1], pos + 1
        else:
            need(pos, 1)
            marker, pos = data[pos:pos + 1], pos + 1
        if marker in _UBJ_FIXED:
            need(pos, _UBJ_FIXED[marker])
            pos += _UBJ_FIXED[marker]
        elif marker in (b"S", b"H"):
            length, pos = integer(pos)
            need(pos, length)
            pos += length
        elif marker in (b"[", b"{"):
            element, count = None, -1
            need(pos, 1)
            if data[pos:pos + 1] == b"$":
                need(pos + 1, 1)
                element, pos = data[pos + 1:pos + 2], pos + 2
                need(pos, 1)
                if data[pos:pos + 1] != b"#":
                    raise ValueError(f"'$' without '#' at byte {pos}")
            if data[pos:pos + 1] == b"#":
                count, pos = integer(pos + 1)
                if element is not None and element in _UBJ_FIXED and element not in (b"[", b"{"):
                    width = _UBJ_FIXED[element]
                    if marker == b"[":  # a typed array of fixed-width values: skip it whole
                        need(pos, width * count)
                        pos += width * count
                        if not stack:
                            return pos
                        continue
            stack.append([marker == b"{", count, element, marker == b"{"])
            continue
        else:
            raise ValueError(f"no UBJSON marker at byte {pos - 1}")
        if not stack:
            return pos


def ubjson_object(r: Reader) -> Verdict:
    """xgboost's UBJSON model: one `{` object (xgboost checks the first byte), whole."""
    head = r.read(0, 2)
    if head[:1] != b"{" or head[1:2] in (b'"', b"\n", b" ", b"\r", b"\t", b"}"):
        return Verdict(WRONG, "not a UBJSON object (xgboost's .ubj format)")
    if r.size > MAX_PARSE_BYTES:
        return Verdict(OK) if r.tail(1) == b"}" else Verdict(
            TRUNCATED, "the UBJSON object does not end with '}'")
    try:
        _ubj_walk(r.read(0, r.size))
    except _UbjCut:
        return Verdict(TRUNCATED, "the UBJSON object ends early")
    except ValueError as exc:
        return Verdict(WRONG, f"not valid UBJSON ({exc})")
    return Verdict(OK)


# --- CatBoost binary (.cbm) -------------------------------------------------------------------


def catboost_binary(r: Reader) -> Verdict:
    """CatBoost's binary model: `CBM1`, a 4-byte core size, the core (then optional parts)."""
    head = r.read(0, 8)
    if head[:4] != b"CBM1":
        return Verdict(WRONG, "not a CatBoost binary model (no 'CBM1' magic)")
    if len(head) < 8 or 8 + struct.unpack_from("<I", head, 4)[0] > r.size:
        return Verdict(TRUNCATED, "the model core is longer than the file")
    return Verdict(OK)


# --- HDF5 (Keras .h5) -------------------------------------------------------------------------


def hdf5_file(r: Reader) -> Verdict:
    """An HDF5 file whose superblock's end-of-file address fits the file."""
    head = r.read(0, 96)
    if head[:8] != HDF5_MAGIC:
        return Verdict(WRONG, "not an HDF5 file")
    version = head[8] if len(head) > 8 else -1
    if version in (0, 1):
        size_offsets, base_at = head[13:14], 24 + (4 if version == 1 else 0)
        slot = 2  # base address, free-space address, end-of-file address
    elif version in (2, 3):
        size_offsets, base_at, slot = head[9:10], 12, 2
    else:
        return Verdict(OK)  # a superblock version this check does not know
    if not size_offsets or size_offsets[0] not in (2, 4, 8):
        return Verdict(TRUNCATED, "the HDF5 superblock is cut short")
    width = size_offsets[0]
    fields = head[base_at: base_at + width * (slot + 1)]
    if len(fields) < width * (slot + 1):
        return Verdict(TRUNCATED, "the HDF5 superblock is cut short")
    base = int.from_bytes(fields[:width], "little")
    eof = int.from_bytes(fields[width * slot: width * (slot + 1)], "little")
    if base + eof > r.size:
        return Verdict(TRUNCATED, f"the HDF5 superblock says the file is {base + eof:,} bytes")
    return Verdict(OK)


# --- ONNX (protobuf ModelProto) ---------------------------------------------------------------

_GRAPH, _OPSET_IMPORT, _INITIALIZER, _SPARSE_INITIALIZER = 7, 8, 5, 15
_EXTERNAL_DATA, _DATA_LOCATION = 13, 14


class _Cut(Exception):
    """The protobuf stream ends inside a field."""


class _Bad(Exception):
    """The bytes are not a protobuf message."""


def _varint(r: Reader, pos: int, end: int) -> tuple[int, int]:
    raw = r.read(pos, min(10, end - pos))
    value = 0
    for i, byte in enumerate(raw):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, pos + i + 1
    if len(raw) == 10:
        raise _Bad("a varint is longer than 10 bytes")
    raise _Cut()


def _fields(r: Reader, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or payload offset, payload length) of one message."""
    pos = start
    while pos < end:
        key, pos = _varint(r, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Bad("field number 0")
        if wire == 0:
            value, pos = _varint(r, pos, end)
            yield number, wire, value, 0
        elif wire == 2:
            length, pos = _varint(r, pos, end)
            if pos + length > end:
                raise _Cut()
            yield number, wire, pos, length
            pos += length
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > end:
                raise _Cut()
            yield number, wire, pos, width
            pos += width
        else:
            raise _Bad(f"wire type {wire}")


def _external(r: Reader, start: int, end: int) -> tuple[str, int] | None:
    """(location, offset + length) of a TensorProto stored as external data, else None."""
    entries: dict[str, str] = {}
    external = False
    for number, wire, at, length in _fields(r, start, end):
        if number == _DATA_LOCATION and wire == 0:
            external = at == 1
        elif number == _EXTERNAL_DATA and wire == 2:
            key = value = ""
            for inner, inner_wire, inner_at, inner_len in _fields(r, at, at + length):
                if inner_wire == 2 and inner in (1, 2):
                    text = r.read(inner_at, min(inner_len, 4096)).decode("utf-8", "replace")
                    key, value = (text, value) if inner == 1 else (key, text)
            entries[key] = value
    if not external or "location" not in entries:
        return None
    try:
        needed = int(entries.get("offset") or 0) + int(entries.get("length") or 0)
    except ValueError:
        needed = 0
    return entries["location"], needed


def onnx_model(r: Reader) -> Verdict:
    """An ONNX ModelProto whose fields all fit the file; collects the external data files its
    graph's initializers name (onnx.load reads them from the model file's folder)."""
    if r.size == 0:
        return Verdict(TRUNCATED, "empty")
    head = r.read(0, 4)
    if head.startswith((ZIP_LOCAL, b"\x80", b"{", HDF5_MAGIC[:4])) or head[:1] not in (
            b"\x08", b"\x12", b"\x1a", b"\x22", b"\x28", b"\x32", b"\x3a", b"\x42"):
        return Verdict(WRONG, "not an ONNX model (protobuf ModelProto)")
    needs: dict[str, int] = {}
    seen: set[int] = set()
    try:
        for number, wire, at, length in _fields(r, 0, r.size):
            seen.add(number)
            if number != _GRAPH or wire != 2:
                continue
            for g_number, g_wire, g_at, g_length in _fields(r, at, at + length):
                if g_wire != 2 or g_number not in (_INITIALIZER, _SPARSE_INITIALIZER):
                    continue
                tensors = [(g_at, g_length)] if g_number == _INITIALIZER else [
                    (s_at, s_len) for s_num, s_wire, s_at, s_len in _fields(r, g_at, g_at + g_length)
                    if s_wire == 2 and s_num in (1, 2)]
                for t_at, t_len in tensors:
                    found = _external(r, t_at, t_at + t_len)
                    if found:
                        needs[found[0]] = max(needs.get(found[0], 0), found[1])
    except _Cut:
        return Verdict(TRUNCATED, "a protobuf field runs past the end of the file")
    except _Bad as exc:
        return Verdict(WRONG, f"not a valid protobuf message ({exc})")
    # onnx writes the fields in number order, graph (7) then opset_import (8): a cut between
    # two fields leaves a valid but incomplete message.
    missing = [name for number, name in ((_GRAPH, "graph"), (_OPSET_IMPORT, "opset_import"))
               if number not in seen]
    if missing:
        return Verdict(TRUNCATED, f"the model has no {' and no '.join(missing)}")
    return Verdict(OK, needs=tuple(sorted(needs.items())))
