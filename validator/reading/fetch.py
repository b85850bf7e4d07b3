"""Bytes that are not on the local disk yet: the one hook remote checks install.

A remote check (`mlint.remote`) lists an object-store prefix once and mirrors it as a local
tree of *placeholders*: folders as they are, every object as a sparse file of its real size.
Discovery, listings, sizes and every `stat`-based check therefore see the remote tree exactly,
without a request per file. Only the bytes are missing: every place that reads a file's
content calls `ensure(path, head)` right before opening it, and the installed stager fetches
what is missing (the first `head` bytes, or the whole object). A failed fetch raises OSError,
which the read sites already turn into their "cannot be read" finding.

For local checks `stager` is None and `ensure` costs one global look-up per opened file.
"""

from __future__ import annotations

import os
from typing import Protocol


class Stager(Protocol):
    def ensure(self, path: str, head: int | None) -> None:
        """Make the first `head` bytes (None: all) of the placeholder at `path` real."""


stager: Stager | None = None


def ensure(path: str | os.PathLike[str], head: int | None = None) -> None:
    """Called before a file's content is read (its first `head` bytes, or all of it)."""
    if stager is not None:
        stager.ensure(os.fspath(path), head)
