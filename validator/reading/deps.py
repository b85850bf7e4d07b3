"""What a unit's rules looked at: the dependencies the result cache (mlint.perf.cache) checks.

A `Tracker` records, while one unit is checked, every file read, every path tested
(`exists`, `is_dir`…) and every folder listed, each with a signature taken *before* the
observation: a change made after it shows up as a different signature on the next run.
Replaying the observations later and comparing one digest tells whether anything the
unit's diagnostics depend on has changed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

Sig = tuple[object, ...]


def path_sig(path: str) -> Sig:
    """The state of `path` as far as a rule can observe it without reading a folder.

    Files: type, permissions, size, mtime, ctime (which no tool can set back) and inode.
    Folders: only "is a folder" — what is inside is covered by listings and file reads,
    so a new metric file does not invalidate rules that merely tested `is_dir("metrics")`.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ("-",)
    except OSError as exc:
        return ("!", exc.errno)
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        return ("d",)
    sig: Sig = (mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    if stat.S_ISLNK(mode):  # what the link resolves to matters as much as the link
        try:
            target = os.stat(path)
            sig += ("d",) if stat.S_ISDIR(target.st_mode) else (
                target.st_mode, target.st_size, target.st_mtime_ns, target.st_ctime_ns, target.st_ino)
        except OSError as exc:
            sig += ("!", exc.errno)
    return sig


def names_sig(names: Iterable[str]) -> str:
    return hashlib.blake2b("\x00".join(names).encode("utf-8", "surrogateescape"),
                           digest_size=8).hexdigest()


def list_names(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


class Tracker:
    """The observations of one unit, in first-observation order, with their signatures."""

    __slots__ = ("files", "listings", "paths", "volatile")

    def __init__(self) -> None:
        # Set by helpers that look outside the unit without the accessors (mlint.rulekit.tracking's
        # tree-wide indexes): the unit's result is then never cached.
        self.volatile = False
        self.files: dict[str, Sig] = {}
        self.paths: dict[str, Sig] = {}
        self.listings: dict[str, str] = {}

    def file(self, path: Path | str, sig: Sig | None = None) -> None:
        key = str(path)
        if key not in self.files:
            self.files[key] = sig if sig is not None else path_sig(key)

    def path(self, path: Path | str) -> None:
        key = str(path)
        if key not in self.paths:
            self.paths[key] = path_sig(key)

    def listing(self, folder: Path | str, names: list[str]) -> None:
        key = str(folder)
        if key not in self.listings:
            self.listings[key] = names_sig(names)

    def merge(self, other: Tracker) -> None:
        self.volatile |= other.volatile
        for key, sig in other.files.items():
            self.files.setdefault(key, sig)
        for key, sig in other.paths.items():
            self.paths.setdefault(key, sig)
        for key, digest in other.listings.items():
            self.listings.setdefault(key, digest)

    def digest(self) -> str:
        return combined_digest(self.files.values(), self.paths.values(), self.listings.values())


def combined_digest(files: Iterable[Sig], paths: Iterable[Sig], listings: Iterable[str]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for group in (files, paths):
        for sig in group:
            h.update(repr(sig).encode())
            h.update(b"\x00")
        h.update(b"\x01")
    for digest in listings:
        h.update(digest.encode())
    return h.hexdigest()


def current_digest(files: Iterable[str], paths: Iterable[str], listings: Iterable[str]) -> str:
    """The digest the same observations give now (to compare with a stored one)."""
    return combined_digest((path_sig(p) for p in files), (path_sig(p) for p in paths),
                           (names_sig(list_names(p)) for p in listings))


# --- a unit's own folder ------------------------------------------------------------------
# Rules may look at their own unit's folder with plain `os` calls (sizes of all files, an
# `os.path.exists` on a referenced file…), so a unit always depends on everything in its own
# folder, whatever its rules recorded. Folders that are units of their own (runs inside an
# experiment, model folders inside a run's artifacts…) are left to those units: only their
# names count here. This mirrors how discovery expands units (mlint.discovery.walk).
_EXPERIMENT_FOLDERS = frozenset({"tags", "datasets", "traces"})


def own_folder(kind: str, root: str, *, covered: set[str] | None = None) -> str:
    """A digest of everything in the unit's own folder; adds the file paths it covers to
    `covered` when given. One `scandir` per folder and one `lstat` per non-folder entry: on
    a warm re-run this walk is most of the cost, so it stays in C where it can."""
    parts: list[object] = []
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            parts.append((folder, "!", exc.errno))
            continue
        parts.append(folder)
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    parts.append((entry.name, "d"))
                    if _descend(kind, depth, entry.name, entry.path):
                        stack.append((entry.path, depth + 1))
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                parts.append((entry.name, "!", exc.errno))
                continue
            if stat.S_ISLNK(info.st_mode):
                parts.append((entry.name, path_sig(entry.path)))
            else:
                parts.append((entry.name, info.st_mode, info.st_size, info.st_mtime_ns,
                              info.st_ctime_ns, info.st_ino))
            if covered is not None:
                covered.add(entry.path)
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def _descend(kind: str, depth: int, name: str, path: str) -> bool:
    if kind == "tree":
        return False  # experiments and registry entries are units
    if kind == "experiment" and depth == 0:
        return name in _EXPERIMENT_FOLDERS or name.startswith(".")  # runs and models/<m-…>
    if kind in ("run", "logged_model"):
        return not os.path.isfile(os.path.join(path, "MLmodel"))  # model folders are units
    return True
