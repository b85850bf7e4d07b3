"""Reading and parsing artifact files: one loader per file kind, parse failures as values.

Every read goes through `read_file`, which never follows a symlink out of the checked root,
never opens FIFOs, sockets or devices, and refuses files over a size cap. A failure is a
`FileFailure` value carrying an MLT code; the engine reports it once, other rules see
"nothing to check".
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # The C loader is ~10x faster; fall back silently where libyaml is missing.
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _YamlLoader = yaml.SafeLoader

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# A YAML alias bomb expands a few hundred bytes into billions of nodes when walked.
MAX_EXPANDED_NODES = 2_000_000


@dataclass(frozen=True)
class FileFailure:
    """Why a file could not be read or parsed. `code` is an MLT rule code."""

    code: str
    message: str
    line: int = 0
    column: int = 0
    hint: str = ""


@dataclass
class Document:
    """A successfully read file: its text and (for yaml/json) parsed data.

    Positions are computed lazily by `locate`, only for files that get a diagnostic.
    """

    path: Path
    kind: str
    text: str
    data: Any = None
    _marks: Any = field(default=None, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    def lines(self) -> list[str]:
        return self.text.splitlines()

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the node at `pointer`, or the deepest ancestor found."""
        from mlint.linemap import locate_pointer

        if self.kind not in ("yaml", "json"):
            return (0, 0)
        return locate_pointer(self, pointer)


Loaded = Document | FileFailure


def stat_regular(path: Path, root: Path) -> os.stat_result | FileFailure:
    """The stat of a regular file, following a symlink only inside `root`; opens nothing."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return FileFailure("MLT001", f"'{path.name}' does not exist")
    except OSError as exc:
        return _os_failure(exc, path)
    if stat.S_ISLNK(info.st_mode):
        failure = check_symlink(path, root)
        if failure:
            return failure
        try:
            info = os.stat(path)
        except OSError as exc:
            return _os_failure(exc, path)
    if not stat.S_ISREG(info.st_mode):
        return FileFailure(
            "MLT003",
            f"'{path.name}' is {_describe_mode(info.st_mode)}, not a regular file; not read",
            hint="MLflow writes only regular files and folders here; replace it with the real file.",
        )
    return info


def read_file(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | FileFailure:
    """Read a regular file's bytes (at most `max_bytes + 1`), refusing anything unsafe."""
    info = stat_regular(path, root)
    if isinstance(info, FileFailure):
        return info
    if info.st_size > max_bytes:
        return FileFailure(
            "MLT004",
            f"'{path.name}' is {info.st_size:,} bytes, over the {max_bytes:,}-byte cap; not read",
            hint="Raise the cap with the `max-file-bytes` option if this size is expected.",
        )
    return read_head(path, max_bytes + 1)


def read_head(path: Path, size: int) -> bytes | FileFailure:
    """The first `size` bytes of a file already vetted by `stat_regular`."""
    try:
        # O_NONBLOCK: a file swapped for a FIFO between the stat and the open must not hang us;
        # fstat re-checks what was actually opened.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return FileFailure("MLT003", f"'{path.name}' changed while being read; not read")
            return handle.read(size)
    except OSError as exc:
        return _os_failure(exc, path)


def check_symlink(path: Path, root: Path) -> FileFailure | None:
    """A symlink is followed only when it resolves to an existing place inside `root`."""
    try:
        target = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError):
        return FileFailure(
            "MLT005",
            f"'{path.name}' is a dangling or looping symlink ({_readlink(path)}); not followed",
            hint="Replace the link with the file it should point to.",
        )
    real_root = Path(os.path.realpath(root))
    if target != real_root and real_root not in target.parents:
        return FileFailure(
            "MLT005",
            f"'{path.name}' is a symlink to {_readlink(path)}, outside the checked folder; not followed",
            hint="Artifacts must be self-contained: copy the target into the folder.",
        )
    return None


def decode_text(raw: bytes, name: str) -> str | FileFailure:
    """UTF-8 text (a BOM is tolerated, as Python's readers do); binary is a failure."""
    if b"\x00" in raw[:8192]:
        return FileFailure(
            "MLT006", f"'{name}' is binary data, expected a text file",
            hint="The file may be a pickle or another artifact saved under this name.",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return FileFailure(
            "MLT006", f"'{name}' is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line, column,
            hint="MLflow writes UTF-8; re-save the file as UTF-8.",
        )


def parse_yaml(text: str, name: str) -> Any | FileFailure:
    """Parse YAML with the safe (C) loader; errors carry the parser's line and column."""
    try:
        data = yaml.load(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        return FileFailure("MLT002", f"'{name}' is not valid YAML: {problem}", line, column)
    except yaml.YAMLError as exc:
        return FileFailure("MLT002", f"'{name}' is not valid YAML: {exc}")
    except RecursionError:
        return FileFailure("MLT002", f"'{name}' is nested too deeply to parse")
    if "&" in text and _expanded_size(data) > MAX_EXPANDED_NODES:
        return FileFailure(
            "MLT004", f"'{name}' uses YAML aliases that expand to over {MAX_EXPANDED_NODES:,} nodes",
            hint="MLflow never writes anchors or aliases; this file was crafted or corrupted.",
        )
    return data


def parse_json(text: str, name: str) -> Any | FileFailure:
    """Parse JSON as Python's json module (MLflow's reader) does, NaN/Infinity included."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return FileFailure("MLT002", f"'{name}' is not valid JSON: {exc.msg}", exc.lineno, exc.colno)
    except RecursionError:
        return FileFailure("MLT002", f"'{name}' is nested too deeply to parse")


def load(path: Path, root: Path, kind: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Loaded:
    """Read and parse one file as `kind` ('yaml', 'json' or 'text')."""
    raw = read_file(path, root, max_bytes)
    if isinstance(raw, FileFailure):
        return raw
    text = decode_text(raw, path.name)
    if isinstance(text, FileFailure):
        return text
    if kind == "text":
        return Document(path, kind, text)
    data = parse_yaml(text, path.name) if kind == "yaml" else parse_json(text, path.name)
    if isinstance(data, FileFailure):
        return data
    return Document(path, kind, text, data)


def _expanded_size(data: Any) -> int:
    """Node count of `data` as a tree (aliases counted at every use), memoised by identity."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > 10_000:
            return MAX_EXPANDED_NODES + 1
        children = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_EXPANDED_NODES:
                break
        sizes[key] = total
        return total

    try:
        return size(data, 0)
    except RecursionError:
        return MAX_EXPANDED_NODES + 1


def _os_failure(exc: OSError, path: Path) -> FileFailure:
    if isinstance(exc, PermissionError):
        return FileFailure("MLT003", f"'{path.name}' cannot be read: permission denied")
    if exc.errno == 40:  # ELOOP
        return FileFailure("MLT005", f"'{path.name}' is a symlink loop; not followed")
    return FileFailure("MLT003", f"'{path.name}' cannot be read: {exc.strerror or exc}")


def _describe_mode(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"
