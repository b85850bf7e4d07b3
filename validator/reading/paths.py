"""Resolved paths and folder listings, cheaper than the standard library where that is exact.

`os.path.realpath` is pure Python and was a fifth of discovery's time; `real_path` resolves
each parent folder once (memoised; `discover` clears the memo at the start of a check) and
`real_child` resolves a name beside an already resolved folder. `listing` lists a folder for
rules and records the listing for the result cache.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path

from mlint.reading.deps import Tracker

_RESOLVED: dict[str, str] = {}
_RESOLVED_MAX = 65536


def _real_dir(folder: str) -> str:
    """`os.path.realpath(folder)`, from the nearest folder above it already resolved: a plain
    name that is not a symlink resolves to its resolved parent joined with the name, so a new
    folder costs one `lstat` instead of the pure-Python realpath's walk of every component
    (discovery resolves a fresh `artifacts/` per run for its model folders)."""
    hit = _RESOLVED.get(folder)
    if hit is not None:
        return hit
    names: list[str] = []
    current = folder
    while (hit := _RESOLVED.get(current)) is None:
        parent, name = os.path.split(current)
        if (not name or name in (".", "..") or parent == current or not _normal_absolute(current)
                or os.path.islink(current)):
            hit = os.path.realpath(current)
            break
        names.append(name)
        current = parent
    if len(_RESOLVED) + len(names) >= _RESOLVED_MAX:
        _RESOLVED.clear()
    _RESOLVED[current] = hit
    for name in reversed(names):
        current = os.path.join(current, name)
        hit = os.path.join(hit, name)
        _RESOLVED[current] = hit
    return hit


def forget_resolved() -> None:
    """Drop the folders `real_path` resolved (symlinks may change between checks; the memo
    is also bounded per batch so that it does not grow with the tree)."""
    _RESOLVED.clear()


def real_path(path: Path | str) -> str:
    """`os.path.realpath`, resolving each parent folder once (discovery asks for every unit;
    the pure-Python realpath was a fifth of discovery's time). Exact: a name that is not a
    symlink resolves to its resolved parent joined with the name. `discover` clears the memo.
    """
    text = os.fspath(path)
    if not _normal_absolute(text):
        text = os.path.abspath(text)
    if os.path.islink(text):
        return os.path.realpath(text)
    parent, name = os.path.split(text)
    return os.path.join(_real_dir(parent), name) if name else _real_dir(text)


def real_child(real_folder: str, path: Path, name: str) -> str:
    """`real_path(path)` for `path = folder / name`, given `real_folder == real_path(folder)`.

    A plain name (one component, not '.' or '..') that is not a symlink resolves to
    `real_folder / name`: that skips resolving the folder again, a pure-Python realpath per
    model folder (rules ask about the files beside MLmodel, never about the folder's parent).
    """
    text = os.fspath(path)
    if (name not in ("", ".", "..") and "/" not in name and _normal_absolute(text)
            and not os.path.islink(text)):
        return os.path.join(real_folder, name)
    return real_path(text)


def _normal_absolute(text: str) -> bool:
    """`os.path.abspath(text) == text` for sure: absolute POSIX text with no '.'/'..'
    component, doubled or trailing slash (abspath's pure-Python normpath is then a no-op;
    names starting with '.' just take the slow way)."""
    return (_POSIX and text.startswith("/") and "/." not in text and "//" not in text
            and not text.endswith("/"))


_POSIX = os.sep == "/" and os.altsep is None


def listing(folder: Path, tracker: Tracker | None = None) -> list[str]:
    """Sorted names in `folder` (empty when missing or unreadable), recorded for the cache."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    if tracker is not None:
        tracker.listing(folder, names)
    return names


def symlink_out(where: str) -> str:
    """`leaves`' reason for a path that a symlink takes outside `where`."""
    return f"resolves through a symlink to a place outside the {where}"


def leaves(folder: Path, bound: Path, rel: str, where: str, real_bound: str | None = None) -> str:
    """Why `folder / rel` leaves `bound` ('' when it stays inside): an absolute path (POSIX,
    Windows drive or UNC), a `..` climbing out, or a symlink of any component resolving
    outside. Lexical checks first; opens nothing (`Unit.outside` is the caller).
    `real_bound` is `real_path(bound)` when the caller already has it."""
    return leaves_stat(folder, bound, rel, where, real_bound)[0]


def leaves_stat(folder: Path, bound: Path, rel: str, where: str,
                real_bound: str | None = None) -> tuple[str, os.stat_result | None]:
    """`leaves`, plus the `lstat` of `folder / rel` when the answer is '' and that lstat was
    taken on the way (a normalised `rel`, an absolute folder): the read that follows then
    skips its own lstat of the same path (`mlint.reading.files.stat_regular`). Deciding
    whether the last component is a symlink needs that very lstat, so a checked read costs
    one lstat instead of two (three with the bound's, which callers now resolve once)."""
    if not rel:
        return "", None
    if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        return "is an absolute path", None
    norm = posixpath.normpath(rel.replace("\\", "/"))
    if norm == ".." or norm.startswith("../"):
        return f"climbs out of the {where} with '..'", None
    if "\x00" in rel:
        return "", None  # no such file can exist; the read reports it missing
    if real_bound is None:
        real_bound = real_path(bound)
    info: os.stat_result | None = None
    if ".." in norm.split("/") or ".." in rel.split("/"):
        # With a '..' the OS resolves symlinks before climbing; real_path would collapse lexically.
        real = os.path.realpath(folder / rel)
    else:
        text = os.fspath(folder)
        text = os.path.join(text, norm) if norm != "." else text
        if _normal_absolute(text):
            # real_path(text), inlined to keep the lstat its islink() would throw away.
            try:
                info = os.lstat(text)
            except (OSError, ValueError):
                info = None
            if info is not None and stat.S_ISLNK(info.st_mode):
                real = os.path.realpath(text)
            else:
                parent, name = os.path.split(text)
                real = os.path.join(_real_dir(parent), name) if name else _real_dir(text)
        else:
            real = real_path(text)
    if real != real_bound and not real.startswith(real_bound.rstrip(os.sep) + os.sep):
        return symlink_out(where), None
    return "", info if norm == rel else None
