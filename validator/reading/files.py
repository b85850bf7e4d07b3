"""Reading and parsing artifact files: one loader per file kind, parse failures as values.

Every read goes through `read_file`, which never follows a symlink out of the checked root,
never opens FIFOs, sockets or devices, and refuses files over a size cap. A failure is a
`FileFailure` value carrying an MLT code; the engine reports it once, other rules see
"nothing to check".
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlint.core.codes import (
    NOT_TEXT,
    PARSE_ERROR,
    PATH_NOT_FOUND,
    TOO_LARGE,
    UNREADABLE,
    UNSAFE_SYMLINK,
    FailureCode,
)
from mlint.core.diagnostics import Severity
from mlint.reading import fetch
from mlint.reading.flatyaml import flat_mapping
from mlint.reading.quoting import clip
from mlint.reading.structure import MAX_EXPANDED_NODES, MAX_NESTING_DEPTH, structure_problem

try:  # The C loader is ~10x faster; fall back silently where libyaml is missing.
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _YamlLoader = yaml.SafeLoader

# Caps (every one documented with its default in docs/robustness.md; Config overrides them).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class FileFailure:
    """Why a file could not be read or parsed. `code` is an MLT rule code; `severity`
    overrides the rule's default for this one failure (config overrides still win)."""

    code: FailureCode
    message: str
    line: int = 0
    column: int = 0
    hint: str = ""
    severity: Severity | None = None


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
        from mlint.reading.linemap import locate_pointer

        if self.kind not in ("yaml", "json"):
            return (0, 0)
        return locate_pointer(self, pointer)


Loaded = Document | FileFailure


def stat_regular(path: Path, root: Path, lstat: os.stat_result | None = None) -> os.stat_result | FileFailure:
    """The stat of a regular file, following a symlink only inside `root`; opens nothing.
    `lstat`: `os.lstat(path)` if the caller has just taken it (the read guard does)."""
    try:
        info = lstat if lstat is not None else os.lstat(path)
    except (FileNotFoundError, ValueError):  # ValueError: a NUL byte, which no file name holds
        return FileFailure(PATH_NOT_FOUND, f"'{path.name}' does not exist")
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
        return special_file(path, info.st_mode)
    return info


def read_file(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES, *,
              lstat: os.stat_result | None = None) -> bytes | FileFailure:
    """Read a regular file's bytes (at most `max_bytes + 1`), refusing anything unsafe.
    `lstat`: see `stat_regular`."""
    info = stat_regular(path, root, lstat)
    if isinstance(info, FileFailure):
        return info
    return over_cap(path.name, info.st_size, max_bytes) or read_head(path, max_bytes + 1)


def over_cap(name: str, size: int, max_bytes: int) -> FileFailure | None:
    """The finding for a file of `size` bytes over the read cap (None when it is within)."""
    if size <= max_bytes:
        return None
    return FileFailure(
        TOO_LARGE,
        f"'{name}' is {size:,} bytes, over the {max_bytes:,}-byte cap; not read",
        hint="Raise the cap with the `max-file-bytes` option if this size is expected.",
    )


def read_head(path: Path | str, size: int) -> bytes | FileFailure:
    """The first `size` bytes of a file already vetted by `stat_regular` (or, for a plain
    path string, by the same lstat taken by a folder listing: `mlint.rulekit.leafread`)."""
    try:
        if fetch.stager is not None:  # a remote check: the bytes may not be here yet
            fetch.stager.ensure(os.fspath(path), size)
        # O_NONBLOCK: a file swapped for a FIFO between the stat and the open must not hang us;
        # fstat re-checks what was actually opened.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return _os_failure(exc, path)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return FileFailure(UNREADABLE, f"'{_name(path)}' changed while being read; not read")
        # Plain os.read on the descriptor: a buffered file object costs an isatty ioctl, an
        # lseek and an allocation per file, and `read(size)` would allocate the whole 64 MiB
        # cap up front. Ask for what fstat says is there (+1 to see EOF) and read on until EOF
        # or `size` if the file grew meanwhile: the same bytes as `read(size)`.
        parts: list[bytes] = []
        remaining = size
        ask = min(size, info.st_size + 1)
        while remaining > 0:
            chunk = os.read(fd, min(ask, remaining))
            if not chunk:
                break
            parts.append(chunk)
            remaining -= len(chunk)
            ask = 1 << 20
        return parts[0] if len(parts) == 1 else b"".join(parts)
    except OSError as exc:
        return _os_failure(exc, path)
    finally:
        os.close(fd)


def special_file(path: Path, mode: int) -> FileFailure:
    """The finding for a FIFO, socket or device (never opened: reading a FIFO blocks forever)."""
    return FileFailure(
        UNREADABLE,
        f"'{path.name}' is {_describe_mode(mode)}, not a regular file; not read",
        hint="MLflow writes only regular files and folders here; replace it with the real file.",
    )


def check_symlink(path: Path, root: Path) -> FileFailure | None:
    """A symlink is followed only when it resolves to an existing place inside `root`."""
    try:
        target = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError, ValueError):
        return FileFailure(
            UNSAFE_SYMLINK,
            f"'{path.name}' is a dangling or looping symlink ({_readlink(path)}); not followed",
            hint="Replace the link with the file it should point to.",
        )
    real_root = Path(os.path.realpath(root))
    if target != real_root and real_root not in target.parents:
        return FileFailure(
            UNSAFE_SYMLINK,
            f"'{path.name}' is a symlink to {_readlink(path)}, outside the checked folder; not followed",
            hint="Artifacts must be self-contained: copy the target into the folder.",
        )
    return None


def decode_text(raw: bytes, name: str) -> str | FileFailure:
    """UTF-8 text (a BOM is tolerated, as Python's readers do); binary is a failure."""
    if b"\x00" in raw[:8192]:
        return FileFailure(
            NOT_TEXT, f"'{name}' is binary data, expected a text file",
            hint="The file may be a pickle or another artifact saved under this name.",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return FileFailure(
            NOT_TEXT, f"'{name}' is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line, column,
            hint="MLflow writes UTF-8; re-save the file as UTF-8.",
        )


def parse_yaml(text: str, name: str, *, max_nodes: int = MAX_EXPANDED_NODES,
               max_depth: int = MAX_NESTING_DEPTH) -> Any | FileFailure:
    """Parse YAML with the safe (C) loader; errors carry the parser's line and column.
    Flat one-line-per-key mappings (MLflow's `meta.yaml`) are built without PyYAML's
    Python constructor when that is provably the same value (`mlint.reading.flatyaml`)."""
    flat = flat_mapping(text)
    if flat is not None:
        return check_structure(flat, name, max_nodes=max_nodes, max_depth=max_depth)
    try:
        data = yaml.load(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        return FileFailure(PARSE_ERROR, f"'{name}' is not valid YAML: {problem}", line, column)
    except yaml.YAMLError as exc:
        return FileFailure(PARSE_ERROR, f"'{name}' is not valid YAML: {exc}")
    except RecursionError:
        return FileFailure(PARSE_ERROR, f"'{name}' is nested too deeply to parse")
    except Exception as exc:
        # PyYAML's constructors raise plain ValueError/AttributeError on scalars that match a
        # resolver but are not values: `2001-13-01`, `!!float abc`, `!!timestamp x`, or an int
        # past Python's 4300-digit conversion limit. MLflow's yaml.safe_load fails the same way.
        return FileFailure(PARSE_ERROR, f"'{name}' is not valid YAML: a value cannot be built "
                                     f"({type(exc).__name__}: {_clip(str(exc))})")
    return check_structure(data, name, max_nodes=max_nodes, max_depth=max_depth)


def parse_json(text: str, name: str, *, max_nodes: int = MAX_EXPANDED_NODES,
               max_depth: int = MAX_NESTING_DEPTH) -> Any | FileFailure:
    """Parse JSON as Python's json module (MLflow's reader) does, NaN/Infinity included."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return FileFailure(PARSE_ERROR, f"'{name}' is not valid JSON: {exc.msg}", exc.lineno, exc.colno)
    except RecursionError:
        return FileFailure(PARSE_ERROR, f"'{name}' is nested too deeply to parse")
    except ValueError as exc:  # an int past Python's 4300-digit conversion limit
        return FileFailure(PARSE_ERROR, f"'{name}' is not valid JSON: {_clip(str(exc))}")
    return check_structure(data, name, max_nodes=max_nodes, max_depth=max_depth)


def check_structure(data: Any, name: str, *, max_nodes: int = MAX_EXPANDED_NODES,
                    max_depth: int = MAX_NESTING_DEPTH) -> Any | FileFailure:
    """`data` itself, or an MLT004 failure saying which structural cap it exceeds."""
    problem = structure_problem(data, max_nodes, max_depth)
    if problem:
        return FileFailure(
            TOO_LARGE, f"'{name}' {problem}; not checked",
            hint="MLflow never writes such a file: it was crafted or corrupted. Caps are "
                 "documented in docs/robustness.md.",
        )
    return data


def _clip(text: str) -> str:
    return clip(text)


def load(path: Path, root: Path, kind: str, max_bytes: int = DEFAULT_MAX_BYTES, *,
         max_nodes: int = MAX_EXPANDED_NODES, max_depth: int = MAX_NESTING_DEPTH,
         lstat: os.stat_result | None = None) -> Loaded:
    """Read and parse one file as `kind` ('yaml', 'json' or 'text'); `lstat`: see `stat_regular`."""
    raw = read_file(path, root, max_bytes, lstat=lstat)
    if isinstance(raw, FileFailure):
        return raw
    text = decode_text(raw, path.name)
    if isinstance(text, FileFailure):
        return text
    if kind == "text":
        return Document(path, kind, text)
    parse = parse_yaml if kind == "yaml" else parse_json
    data = parse(text, path.name, max_nodes=max_nodes, max_depth=max_depth)
    if isinstance(data, FileFailure):
        return data
    return Document(path, kind, text, data)


# The line breaks str.splitlines() knows, so that numbering matches it exactly.
_LINE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*"
                   "(?:\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])?")


_EAGER_LINES_CHARS = 1 << 20


def iter_lines(text: str) -> Iterator[str]:
    """`text.splitlines()`, lazily: a 10-million-line metric file must not become a list of
    10 million strings at once (that took ~1 GB; docs/robustness.md)."""
    if len(text) <= _EAGER_LINES_CHARS:  # the common case: splitlines is ~3x faster
        yield from text.splitlines()
        return
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:  # the empty match at the very end
            return
        yield line.rstrip("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def walk(top: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(top)` (top-down, symlinks not followed, errors skipped), but iterative.

    os.walk recurses once per level before Python 3.12: a model folder nested ~1000 deep
    made rules that walk it raise RecursionError. Like os.walk, sorting or pruning the
    yielded `dirs` list in place steers the walk.
    """
    pending = [os.fspath(top)]
    while pending:
        current = pending.pop()
        dirs: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(current) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir()  # as os.walk: a link to a folder is listed as one
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append(entry.name)
        except OSError:
            continue
        yield current, dirs, files
        children = (os.path.join(current, d) for d in reversed(dirs))
        pending.extend(c for c in children if not os.path.islink(c))  # ... but not entered


def _os_failure(exc: OSError, path: Path | str) -> FileFailure:
    name = _name(path)
    if isinstance(exc, PermissionError):
        return FileFailure(UNREADABLE, f"'{name}' cannot be read: permission denied")
    if exc.errno == 40:  # ELOOP
        return FileFailure(UNSAFE_SYMLINK, f"'{name}' is a symlink loop; not followed")
    return FileFailure(UNREADABLE, f"'{name}' cannot be read: {exc.strerror or exc}")


def _name(path: Path | str) -> str:
    return path.name if isinstance(path, Path) else os.path.basename(path)


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
