"""Zip containers: PyTorch archives, skops files, .npz and generic zips.

Members are located through the central directory (like PyTorch's miniz reader) but their
data is read by this module, not by `zipfile`'s member API: `zipfile` refuses archives that
PyTorch loads (local header name differing from the central directory, bad CRCs, a stray
encryption bit), and a scanner that gives up where the loader does not is a bypass.
"""

from __future__ import annotations

import bz2
import json
import struct
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from .collect import Collector
from .containers import InflateFile, RegionFile
from .model import Container, Kind, Severity
from .stream import CapReached

MemberScan = Callable[[BinaryIO, bool, str, int], Container]
_LOCAL = struct.Struct("<4sHHHHHIIIHH")

# skops node loaders (skops.io._general / _numpy / _scipy / _sklearn); anything else is odd.
_SKOPS_LOADERS = frozenset(
    {"DictNode", "DefaultDictNode", "ListNode", "SetNode", "TupleNode", "FunctionNode",
     "PartialNode", "TypeNode", "SliceNode", "JsonNode", "ConstructorFromReduceNode",
     "ObjectNode", "MethodNode", "BytesNode", "BytearrayNode", "OperatorFuncNode",
     "NdArrayNode", "MaskedArrayNode", "RandomStateNode", "RandomGeneratorNode",
     "BitGeneratorNode", "UfuncNode", "DTypeNode", "SparseMatrixNode", "ReduceNode",
     "TreeNode", "SGDNode", "LossNode", "SplitterNode", "CachedNode", "NamedTupleNode",
     "StatsPartialNode", "SmallDtypeNode", "IntervalNode"}
)


def classify_zip(names: list[str]) -> Container:
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return Container.TORCH
    if any(n == "archive_format" or n.endswith("/archive_format") for n in names):
        return Container.TORCH  # torch.export's pt2 archive (default format of recent MLflow)
    return _other_zip(names)


def _other_zip(names: list[str]) -> Container:
    if "schema.json" in names:
        return Container.SKOPS
    if names and all(n.endswith(".npy") for n in names):
        return Container.NPZ
    return Container.ZIP


def _infos(f: BinaryIO, col: Collector) -> list[zipfile.ZipInfo] | None:
    try:
        with zipfile.ZipFile(f) as z:  # parses the central directory only
            return z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                       f"zip central directory unreadable ({exc}); members not scanned", 0)
        return None


def scan_zip(f: BinaryIO, col: Collector, depth: int, scan_member: MemberScan) -> Container:
    infos = _infos(f, col)
    if infos is None:
        return Container.ZIP
    names = [i.filename for i in infos]
    kind = classify_zip(names)
    outer = col.member
    raw_dirs, magic_dirs = _torch_storage_dirs(names) if kind is Container.TORCH else ((), ())
    if len(infos) > col.limits.max_members:
        col.incomplete(Kind.CAP_REACHED,
                       f"archive has {len(infos)} members; only {col.limits.max_members} scanned")
        infos = infos[: col.limits.max_members]
    try:
        for info in infos:
            if info.filename.endswith("/"):  # ZipInfo.is_dir() raises on an empty name
                continue
            label = info.filename if outer is None else f"{outer}!{info.filename}"
            col.member = label
            if _raw_storage(info.filename, raw_dirs):
                continue  # raw tensor storage: PyTorch reads these bytes, never unpickles them
            magic_only = info.filename.startswith(magic_dirs)
            try:
                stream = _open_member(f, info, col)
            except (ValueError, OSError, EOFError, struct.error) as exc:
                col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                               f"member cannot be located or opened: {exc}")
                continue
            if stream is None:
                continue
            col.members.append(label)
            if kind is Container.SKOPS and info.filename == "schema.json":
                _audit_skops(stream, col)
                continue
            col.persistent_ids_expected = kind is Container.TORCH
            if magic_only:
                if not _has_magic(stream.read(4)):
                    continue
                stream = _open_member(f, info, col)  # from the start again
                if stream is None:
                    continue
            scan_member(stream, info.compress_type == zipfile.ZIP_STORED, label, depth + 1)
    finally:
        col.member = outer
        col.persistent_ids_expected = False
    return kind


def _torch_storage_dirs(names: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(folders of raw tensor storages, folders scanned only when a member has a magic).

    torch.load reads `P/data.pkl` with its storages in `P/data/`; TorchScript does the same
    for every archive `P/X.pkl` (constants.pkl -> constants/, traced_inputs.pkl ->
    traced_inputs/, where an empty `0` is a zero-size storage). A pt2 archive
    (`P/archive_format`) keeps raw weights in `P/data/weights/`; its `P/data/constants/`
    holds raw tensors or serialized objects, so only members with a pickle/zip magic there
    are scanned (a raw weight whose first byte happens to be an opcode is no pickle)."""
    roots = {n[: -len("data.pkl")] for n in names if n == "data.pkl" or n.endswith("/data.pkl")}
    raw: list[str] = []
    magic: list[str] = []
    for n in names:
        head, _, base = n.rpartition("/")
        root = head + "/" if head else ""
        if base.endswith(".pkl") and root in roots:
            raw.append(n[: -len(".pkl")] + "/")
        elif base == "archive_format":
            raw.append(root + "data/weights/")
            magic.append(root + "data/constants/")
    return tuple(raw), tuple(magic)


def _raw_storage(name: str, raw_dirs: tuple[str, ...]) -> bool:
    """A storage is `<dir><key>`: one more path component, never itself a pickle (so an
    `a.pkl` next to `a/data.pkl` cannot hide the latter)."""
    for d in raw_dirs:
        if name.startswith(d):
            key = name[len(d):]
            return "/" not in key and not key.endswith(".pkl") and bool(key)
    return False


def _has_magic(head: bytes) -> bool:
    return (head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")) \
        or head[:2] == b"PK"


def _open_member(f: BinaryIO, info: zipfile.ZipInfo, col: Collector) -> BinaryIO | None:
    if info.header_offset < 0:
        raise ValueError(f"local header offset {info.header_offset} is outside the file")
    f.seek(info.header_offset)
    raw = f.read(_LOCAL.size)
    if len(raw) < _LOCAL.size or raw[:4] != b"PK\x03\x04":
        col.incomplete(Kind.UNSUPPORTED_CONTAINER, "member has no valid local header",
                       info.header_offset)
        return None
    fields = _LOCAL.unpack(raw)
    name_len, extra_len = fields[9], fields[10]
    local_name = f.read(name_len)
    enc = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if local_name.decode(enc, "replace") != info.orig_filename:
        col.add(Kind.CONTAINER, Severity.WARNING,
                "local header name differs from the central directory (zipfile rejects this; "
                "PyTorch loads it): possible scanner evasion", info.header_offset)
    if info.flag_bits & 0x1:
        col.add(Kind.CONTAINER, Severity.WARNING,
                "member is flagged as encrypted; reading it as plain data", info.header_offset)
    start = info.header_offset + _LOCAL.size + name_len + extra_len
    region = RegionFile(f, start, info.compress_size)
    if info.compress_type == zipfile.ZIP_STORED:
        return region  # type: ignore[return-value]
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return InflateFile(region, -15)  # type: ignore[return-value]
    if info.compress_type == zipfile.ZIP_BZIP2:
        return bz2.BZ2File(cast(Any, region), "rb")  # type: ignore[return-value]
    col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                   f"zip compression method {info.compress_type} is not supported", start)
    return None


def _audit_skops(stream: BinaryIO, col: Collector) -> None:
    limit = min(col.limits.max_bytes, 256 * 1024**2)
    data = stream.read(limit + 1)
    col.budget.spend(len(data))
    if len(data) > limit:
        raise CapReached("skops schema.json exceeds the size cap")
    try:
        schema = json.loads(data)
    except (ValueError, RecursionError) as exc:
        col.incomplete(Kind.UNSUPPORTED_CONTAINER, f"skops schema.json is not valid JSON: {exc}")
        return
    _walk_skops(schema, col, 0)


def _walk_skops(node: Any, col: Collector, depth: int) -> None:
    if depth > 200:
        col.incomplete(Kind.CAP_REACHED, "skops schema nesting deeper than 200 levels")
        return
    if isinstance(node, dict):
        mod, cls, loader = node.get("__module__"), node.get("__class__"), node.get("__loader__")
        if isinstance(mod, str) and isinstance(cls, str):
            col.on_global(mod, cls, 0)
            content = node.get("content")
            if loader == "MethodNode" and isinstance(content, dict) and isinstance(
                content.get("func"), str
            ):
                col.on_global(mod, f"{cls}.{content['func']}", 0)
        if isinstance(loader, str) and loader not in _SKOPS_LOADERS:
            col.add(Kind.CONTAINER, Severity.WARNING,
                    f"skops node with unknown loader {loader!r}", 0)
        for v in node.values():
            if isinstance(v, (dict, list)):
                _walk_skops(v, col, depth + 1)
    elif isinstance(node, list):
        for v in node:
            if isinstance(v, (dict, list)):
                _walk_skops(v, col, depth + 1)
