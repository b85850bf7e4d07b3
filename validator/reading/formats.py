"""Cheap structure checks of model file formats that MLflow flavors hand to their libraries
(the two that need a walk of their framing, UBJSON and protobuf, are in `mlint.reading.wireformats`).

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mlint.core.codes import UNREADABLE
from mlint.reading import fetch
from mlint.reading.files import FileFailure, stat_regular

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
        if offset < 0 or offset >= self.size or count <= 0:
            return b""
        return os.pread(self.fd, min(count, self.size - offset), offset)

    def tail(self, count: int) -> bytes:
        return self.read(max(0, self.size - count), count)


def open_reader(path: Path, root: Path) -> Reader | FileFailure:
    info = stat_regular(path, root)
    if isinstance(info, FileFailure):
        return info
    try:
        fetch.ensure(path)  # a remote check fetches the object first (mlint.reading.fetch)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return FileFailure(UNREADABLE, f"'{path.name}' cannot be read: {exc.strerror}")
    real = os.fstat(fd)
    if not stat.S_ISREG(real.st_mode):
        os.close(fd)
        return FileFailure(UNREADABLE, f"'{path.name}' changed while being read; not read")
    return Reader(fd, real.st_size)


def check_file(path: Path, root: Path, check: Callable[[Reader], Verdict]) -> Verdict | FileFailure:
    reader = open_reader(path, root)
    if isinstance(reader, FileFailure):
        return reader
    try:
        return check(reader)
    except OSError as exc:
        return FileFailure(UNREADABLE, f"'{path.name}' cannot be read: {exc.strerror}")
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


MAX_ZIP_ENTRIES = 100_000


def zip_names(r: Reader) -> list[str] | None:
    """Member names from the central directory of an archive `zip_archive` found whole (None
    when the directory cannot be walked or is longer than MAX_ZIP_ENTRIES)."""
    tail = r.tail(65536 + 22)
    at = tail.rfind(ZIP_END)
    if at < 0 or len(tail) - at < 22:
        return None
    entries, cd_size, cd_offset = struct.unpack_from("<HII", tail, at + 10)
    if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset) or entries > MAX_ZIP_ENTRIES:
        return None
    directory = r.read(cd_offset, cd_size)
    names, pos = [], 0
    for _ in range(entries):
        if directory[pos:pos + 4] != ZIP_CENTRAL or pos + 46 > len(directory):
            return None
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", directory, pos + 28)
        names.append(directory[pos + 46:pos + 46 + name_len].decode("utf-8", "replace"))
        pos += 46 + name_len + extra_len + comment_len
    return names


def keras_archive(r: Reader) -> Verdict:
    """A Keras 3 `.keras` file: a whole zip archive with the `config.json` that
    `keras.saving.load_model` reads first (KeyError without it)."""
    verdict = zip_archive(r)
    if verdict.state != OK:
        return verdict
    names = zip_names(r)
    if names is not None and "config.json" not in names:
        return Verdict(WRONG, "a zip archive without config.json")
    return verdict


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
