"""The run-wide cache of read and parsed files: each file is read once per check.

`FileCache.get` loads a file as YAML, JSON or text on first use (`mlint.reading.files.load`), keeps
the `Document` or the `FileFailure`, records the failure once for the engine to report, and
signs each path for the result cache's dependency tracker before reading it. The scheduler
prunes and evicts entries as it leaves units' folders, so memory stays flat on huge trees.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlint.core.codes import PATH_NOT_FOUND
from mlint.reading.deps import Sig, Tracker, path_sig
from mlint.reading.files import (
    DEFAULT_MAX_BYTES,
    Document,
    FileFailure,
    Loaded,
    load,
)
from mlint.reading.structure import MAX_EXPANDED_NODES, MAX_NESTING_DEPTH


@dataclass
class FileCache:
    """Every file is read at most once per check; failures are remembered until reported."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_nodes: int = MAX_EXPANDED_NODES
    max_depth: int = MAX_NESTING_DEPTH
    _loaded: dict[tuple[Path, str], Loaded] = field(default_factory=dict)
    _sigs: dict[Path, Sig] = field(default_factory=dict)
    failures: dict[Path, FileFailure] = field(default_factory=dict)
    files_read: int = 0
    _recorded: set[Path] = field(default_factory=set)
    # Set by the result cache (mlint.perf.cache) while a unit is checked: records every file,
    # path test and folder listing the unit's rules depend on. None costs nothing.
    tracker: Tracker | None = None
    # Set by the scheduler (mlint.perf.parallel): the files one unit asked for, whatever the
    # cache state, so that the "files" count is the same serial, parallel and cached.
    accessed: set[str] | None = None
    # Per-check indexes of a tracking tree (mlint.rulekit.tracking), by (index name, tree folder).
    indexes: dict[tuple[str, str], Any] = field(default_factory=dict)

    def record(self, path: Path, failure: FileFailure) -> None:
        """Queue `failure` for reporting, once per path (discovery and loading may both see it)."""
        if path not in self._recorded:
            self._recorded.add(path)
            self.failures[path] = failure

    def get(self, path: Path, root: Path, kind: str, *, lstat: os.stat_result | None = None) -> Loaded:
        """`path` read and parsed as `kind`, once per check. `lstat`: the caller's `os.lstat` of
        `path`, taken just before (the read guard's), which the first read then reuses."""
        key = (path, kind)
        if self.accessed is not None:
            self.accessed.add(str(path))
        if self.tracker is not None:
            # Signed before the first read: a change after it is seen on the next run.
            if path not in self._sigs:
                self._sigs[path] = path_sig(str(path))
            self.tracker.file(path, self._sigs[path])
        if key not in self._loaded:
            self.files_read += 1
            loaded = load(path, root, kind, self.max_bytes,
                          max_nodes=self.max_nodes, max_depth=self.max_depth, lstat=lstat)
            self._loaded[key] = loaded
            if isinstance(loaded, FileFailure) and loaded.code != PATH_NOT_FOUND:
                self.record(path, loaded)
        return self._loaded[key]

    def adopt(self, path: Path, document: Document) -> None:
        """Keep a document read outside `get` (`mlint.rulekit.leafread` reads a params or tags
        folder in one loop) as if `get` had read it, so that the engine can quote its lines."""
        self._loaded.setdefault((path, document.kind), document)

    def document(self, path: Path) -> Document | None:
        """The already-parsed document at `path`, whatever kind it was read as."""
        for kind in ("yaml", "json", "text"):
            loaded = self._loaded.get((path, kind))
            if isinstance(loaded, Document):
                return loaded
        return None

    def prune(self, keep_dirs: set[str], limit: int = 256) -> None:
        """Past `limit` entries, keep only the files directly inside `keep_dirs` (the meta files
        of the units still open). Rules may read files of units checked later (a run's metric
        rule reads its logged model's metric files): without this, the cache — and each
        `evict_under` scan — would grow with the tree."""
        if len(self._loaded) <= limit:
            return
        for key in [k for k in self._loaded if str(k[0].parent) not in keep_dirs]:
            del self._loaded[key]
            self._sigs.pop(key[0], None)

    def evict_under(self, folder: Path) -> None:
        """Forget parsed files below `folder` (memory stays flat on huge trees)."""
        # String prefixes: `Path.parents` membership was ~5% of a whole check on big trees.
        prefix = str(folder).rstrip(os.sep) + os.sep
        for key in [k for k in self._loaded if str(k[0]).startswith(prefix)]:
            del self._loaded[key]
            self._sigs.pop(key[0], None)
