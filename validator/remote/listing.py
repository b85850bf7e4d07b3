"""One listing of a remote prefix, sorted into what can be mirrored and what cannot; and the
count of requests and bytes (`Stats`).

Object keys come from the bucket, i.e. from the attacker: a key that is no file name on a
local file system (an empty, `.` or `..` component, a NUL, a name over 255 bytes) or that
collides with a folder is never mirrored (mlint.remote.stage); it is reported as unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Requests and bytes, for `--statistics`, the JSON summary and the progress line."""

    list: int = 0
    get: int = 0
    head: int = 0
    other: int = 0  # any other request: never expected (a read-only check sends none)
    bytes: int = 0
    retries: int = 0

    @property
    def requests(self) -> int:
        return self.list + self.get + self.head + self.other

    def merge(self, other: Stats) -> None:
        for name in ("list", "get", "head", "other", "bytes", "retries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {"list": self.list, "get": self.get, "head": self.head, "other": self.other,
                "bytes": self.bytes, "retries": self.retries}


@dataclass
class Listing:
    """What one listing of the prefix found: objects (relative POSIX path → size), folders,
    and keys that cannot be mirrored (relative key → why)."""

    files: dict[str, int] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)


def bad_component(rel: str) -> str:
    """Why `rel` (a key below the prefix) is no local path, or ''."""
    if "\x00" in rel:
        return "contains a NUL byte"
    for part in rel.split("/"):
        if part in ("", ".", ".."):
            return f"has a {part!r} path component" if part else "has an empty path component"
        if len(part.encode("utf-8", "surrogateescape")) > 255:
            return "has a name longer than 255 bytes"
    return ""


def read_listing(fs: Any, root: str, stats: Stats, counted: bool = False) -> Listing:
    """List everything below `root` once and sort it into files, folders and refusals.
    `counted`: the client counts its own requests (else the pages are estimated)."""
    # Objects only: folders follow from their keys. (With `withdirs`, s3fs keys its answer by
    # name, so an object `a/b` beside `a/b/c` vanished behind the inferred folder `a/b`.)
    entries = fs.find(root, detail=True, withdirs=False)
    if not counted:
        stats.list += _list_requests(len(entries))
    listing = Listing()
    prefix = root + "/"
    for name, info in entries.items():
        if name in (root, prefix):
            if info.get("type") != "directory" and not name.endswith("/"):
                listing.refused[""] = "is an object, not a folder prefix"
            continue
        if not name.startswith(prefix):
            continue
        rel = name[len(prefix):]
        is_dir = info.get("type") == "directory" or rel.endswith("/")
        rel = rel.rstrip("/") if is_dir else rel
        why = bad_component(rel)
        if why:
            if not is_dir:  # a folder marker holds nothing to check
                listing.refused[rel] = f"object key {why}: no local file can stand for it; not read"
            continue
        if is_dir:
            listing.dirs.add(rel)
        else:
            listing.files[rel] = int(info.get("size") or 0)
    for rel in listing.files:
        parts = rel.split("/")
        listing.dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    for rel in sorted(set(listing.files) & listing.dirs):
        # S3 holds `a/b` and `a/b/c` side by side; a file system cannot. The folder wins.
        del listing.files[rel]
        listing.refused[rel] = "object key is also a folder prefix (both exist in the bucket); not read"
    invalidate = getattr(fs, "invalidate_cache", None)
    if invalidate is not None:
        invalidate()  # s3fs keeps every listed folder in memory otherwise
    return listing


def _list_requests(entries: int) -> int:
    # The listing is paged by the server (1000 keys per page on S3, GCS and Azure).
    return max(1, -(-entries // 1000))
