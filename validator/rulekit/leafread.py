"""The files below a unit's `metrics/`, `params/` or `tags/` folder: listed once, read in one loop.

Params and tags are ~70 % of the files of a tracking tree and each is a few bytes, so the
per-file layers (`Unit.load`'s guard, `FileCache.get`, a `Path` per file) cost more than the
read itself. `leaf_texts` reads a folder's files in one loop over its listing, with the same
answers and the same recorded failures as `Unit.text` on each file:

* the read guard is not skipped but decided once per folder: `Unit.outside(folder)` resolves
  the folder itself (a `params` symlink leading out is refused exactly as before); below it,
  only entries the listing shows to be plain folders and regular files — never symlinks —
  take the loop, and for them the per-file guard's answer is known to be '' (one name
  component each, no `..`, no link). Anything else (a symlink, a FIFO, a name with a
  backslash) goes through `Unit.load` as before.
* the lstat the guard would take is the listing's own (`DirEntry.stat(follow_symlinks=False)`);
  the size cap, the non-blocking open, the `fstat` re-check and UTF-8 decoding are
  `mlint.reading.files`' own functions.
* failures are recorded once in the check's `FileCache` for the engine to report (MLT003/4/6),
  every file read counts in the unit's "files" and is signed for the result cache.
"""

from __future__ import annotations

import os
import stat
from typing import NamedTuple

from mlint.discovery.units import Unit
from mlint.reading.deps import path_sig
from mlint.reading.files import Document, FileFailure, decode_text, over_cap, read_head

MAX_KEY_DEPTH = 32  # keys are short paths; deeper means a loop or junk, not MLflow data


class Leaf(NamedTuple):
    """One file below a leaf folder: its key, its path, its size (the target's for a link
    inside the folder) and `plain`: a regular file reached through plain folders only.
    (A tuple: one is built per params/tags file, and a dataclass cost twice as much.)"""

    key: str
    path: str
    size: int
    plain: bool
    info: os.stat_result | None  # the lstat of a plain leaf


def leaf_entries(unit: Unit, folder: str) -> list[Leaf]:
    """Every file below `folder`, sorted by key (scandir: one stat per file). Listed once per
    unit and folder; a symlink to a folder is not entered (as before)."""
    memo: dict[str, list[Leaf]] = unit.__dict__.setdefault("_mlint_leaf_entries", {})
    if folder not in memo:
        found: list[Leaf] = []
        _scan(str(unit.file(folder)), "", found, 0)
        found.sort(key=lambda leaf: leaf.key)
        memo[folder] = found
    return memo[folder]


def _scan(path: str, prefix: str, found: list[Leaf], depth: int) -> None:
    if depth > MAX_KEY_DEPTH:
        return
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        _scan(entry.path, f"{prefix}{entry.name}/", found, depth + 1)
                    elif entry.is_file():  # follows a link (sized by its target, as before)
                        if entry.is_symlink():
                            found.append(Leaf(prefix + entry.name, entry.path, entry.stat().st_size,
                                              False, None))
                        else:
                            info = entry.stat(follow_symlinks=False)  # the guard's lstat
                            found.append(Leaf(prefix + entry.name, entry.path, info.st_size,
                                              stat.S_ISREG(info.st_mode), info))
                except OSError:
                    continue
    except OSError:
        return


def leaf_texts(unit: Unit, folder: str, *, empty: bool = False) -> dict[str, str | None]:
    """key → decoded text of every file below `folder`, None when it cannot be read: its
    failure is recorded for the engine, as `Unit.text` would. Read once per unit and folder.
    Empty files (size 0 in the listing) are neither read nor listed unless `empty` is set
    (RUN114 never read them; the metric rules read every file)."""
    memo: dict[tuple[str, bool], dict[str, str | None]] = unit.__dict__.setdefault("_mlint_leaf_texts", {})
    if (folder, empty) in memo:
        return memo[folder, empty]
    texts: dict[str, str | None] = {}
    leaves = leaf_entries(unit, folder)
    # The guard, once for the folder: below a folder that stays inside, a plain name that is
    # neither a link nor under one stays inside too (what `leaves_stat` would find per file).
    fast = bool(leaves) and not unit.outside(folder)
    for leaf in leaves:
        if leaf.size == 0 and not empty:
            continue
        rel = f"{folder}/{leaf.key}"
        if not (fast and leaf.plain and "\\" not in leaf.key):
            doc = unit.text(rel)
            texts[leaf.key] = doc.text if doc is not None else None
            continue
        texts[leaf.key] = _read_leaf(unit, rel, leaf)
    memo[folder, empty] = texts
    return texts


def leaf_text(unit: Unit, folder: str, key: str) -> str | None:
    """`unit.text(f"{folder}/{key}")`'s text if `unit.is_file` of it, else None: one file of
    a leaf folder, read like `leaf_texts` reads it when the folder's listing shows it plain
    (RUN113 reads one metric file of a logged model per repeated metric of a run)."""
    rel = f"{folder}/{key}"
    by_key: dict[str, dict[str, Leaf]] = unit.__dict__.setdefault("_mlint_leaf_keys", {})
    if folder not in by_key:
        by_key[folder] = {leaf.key: leaf for leaf in leaf_entries(unit, folder)}
    leaf = by_key[folder].get(key)
    if leaf is None or not leaf.plain or "\\" in key or unit.outside(folder):
        if not unit.is_file(rel):
            return None
        doc = unit.text(rel)
        return doc.text if doc is not None else None
    return _read_leaf(unit, rel, leaf)


def _read_leaf(unit: Unit, rel: str, leaf: Leaf) -> str | None:
    """What `FileCache.get` does around a read, for one plain leaf: count it in the unit's
    files, sign it for the result cache, record a failure once for the engine."""
    cache = unit.context.cache
    if cache.accessed is not None:
        cache.accessed.add(leaf.path)
    if cache.tracker is not None:
        cache.tracker.file(leaf.path, path_sig(leaf.path))
    cache.files_read += 1
    loaded = _read_text(leaf, cache.max_bytes)
    if isinstance(loaded, FileFailure):
        cache.record(unit.file(rel), loaded)
        return None
    return loaded


def _read_text(leaf: Leaf, max_bytes: int) -> str | FileFailure:
    """`mlint.reading.files.load(path, root, "text")` for a plain regular file whose lstat
    is `leaf.info`: the size cap before opening, then `read_head` and `decode_text`."""
    name = leaf.path.rpartition(os.sep)[2]
    assert leaf.info is not None  # plain leaves carry their lstat
    raw = over_cap(name, leaf.info.st_size, max_bytes) or read_head(leaf.path, max_bytes + 1)
    if isinstance(raw, FileFailure):
        return raw
    return decode_text(raw, name)


def adopt_text(unit: Unit, folder: str, key: str) -> None:
    """Put the text `leaf_texts` read for `folder/key` in the check's file cache, as the
    `Document` `Unit.text` would have left there: the engine quotes the line a finding
    points at from it. Call it for the files a rule reports on only."""
    memo: dict[tuple[str, bool], dict[str, str | None]] = unit.__dict__.get("_mlint_leaf_texts", {})
    for texts in (memo.get((folder, True)), memo.get((folder, False))):
        text = texts.get(key) if texts is not None else None
        if text is not None:
            path = unit.file(f"{folder}/{key}")
            unit.context.cache.adopt(path, Document(path, "text", text))
            return
