"""A remote prefix as a local tree of placeholders, filled on demand.

`Stage.build` lists the prefix once (`fs.find`: paged ListObjectsV2 on S3, no request per
object) and mirrors it below a private temporary folder: every folder, and every object as a
sparse file of its real size (no data blocks). Discovery and every rule then run unchanged on
the mirror; listings, sizes and layout answers cost no request. Content arrives through the
read hook (`mlint.reading.fetch`): before a unit is checked its own small files are fetched in
one concurrent batch (`prefetch`), and any other read fetches the missing object — with the
small unfetched objects of its folder, in the same batch — right before it is opened. Files
of a unit go back to placeholders when the check leaves the unit (`release`), and files fetched
for other units' reads are evicted past a byte budget, so the disk holds about one unit's
bytes, never the tree's.

Object keys come from the bucket, i.e. from the attacker: a key that is no file name on a
local file system (an empty, `.` or `..` component, a NUL, a name over 255 bytes) or that
collides with a folder is never mirrored; it is reported as unreadable instead.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from mlint.reading.quoting import clip
from mlint.remote.listing import Listing, Stats

# Objects up to this size are fetched ahead, in batches; larger ones only when a rule opens them.
PREFETCH_MAX_BYTES = 4 << 20
# How many objects one batch asks for (fsspec runs them concurrently).
BATCH = 64
# Bytes of fetched files kept for reads outside the unit being checked.
KEEP_BYTES = 64 << 20
RETRIES = 3  # on top of the client's own retries: attempts per object for transient errors
BACKOFF = 0.25  # seconds, doubled per attempt


class Stage:
    """One remote prefix mirrored below a private temporary folder."""

    def __init__(self, uri: str, fs: Any, root: str, listing: Listing, base: str | None = None) -> None:
        self.uri = uri.rstrip("/")
        self.fs = fs
        self.remote_root = root
        self.listing = listing
        self.stats = Stats()
        self.counted = False  # True when the client's own request events feed `stats`
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="mlint-remote-", dir=base))
        # The mirror's top folder has the prefix's own name: layout recognition reads names
        # (`mlruns`).
        name = root.rstrip("/").rsplit("/", 1)[-1] or "root"
        self.local_root = os.path.join(self.tmp, name)
        # Placeholders not (fully) fetched yet: local path → (remote path, size); and how many
        # leading bytes of a placeholder are real (partial heads).
        self.pending: dict[str, tuple[str, int]] = {}
        self.partial: dict[str, int] = {}
        # Fetched files (local path → size), oldest first, for eviction.
        self.fetched: OrderedDict[str, int] = OrderedDict()
        self.kept_bytes = 0
        # Folders of the units being checked or about to be: never evicted by the budget.
        self.pinned: set[str] = set()
        # The mirror's files and sub-folders per folder: a unit's objects without a scan of all.
        self.files_in: dict[str, list[str]] = {}
        self.dirs_in: dict[str, list[str]] = {}
        self.failed: dict[str, str] = {}

    # --- building the mirror ---------------------------------------------------------------
    def build(self) -> None:
        os.makedirs(self.local_root)
        for rel in sorted(self.listing.dirs):
            local = os.path.join(self.local_root, rel)
            os.makedirs(local, exist_ok=True)
            self.dirs_in.setdefault(os.path.dirname(local), []).append(local)
        for rel, size in self.listing.files.items():
            local = os.path.join(self.local_root, rel)
            self.files_in.setdefault(os.path.dirname(local), []).append(local)
            fd = os.open(local, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                if size:
                    os.ftruncate(fd, size)  # sparse: no data blocks until fetched
            finally:
                os.close(fd)
            self.pending[local] = (f"{self.remote_root}/{rel}", size)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.pending.clear()
        self.fetched.clear()

    # --- paths ----------------------------------------------------------------------------
    def to_uri(self, text: str) -> str:
        """Every mention of the mirror's root in `text` replaced by the URI."""
        return text.replace(self.local_root, self.uri) if self.local_root in text else text

    def owns(self, path: str) -> bool:
        return path == self.local_root or path.startswith(self.local_root + os.sep)

    # --- the read hook (mlint.reading.fetch) ------------------------------------------------
    def ensure(self, path: str, head: int | None) -> None:
        if path in self.fetched:
            return  # the common case: fetched with its unit
        entry = self.pending.get(path)
        if entry is None:
            if not self.owns(path):
                normal = os.path.normpath(os.path.abspath(path))
                if normal == path or not self.owns(normal):
                    return
                path = normal
            entry = self.pending.get(path)
            if entry is None:
                return
        why = self.failed.get(path)
        if why is not None:
            raise OSError(errno.EIO, why)
        remote, size = entry
        have = self.partial.get(path, 0)
        if head is not None and head < size:
            if head <= have:
                return
            if size > PREFETCH_MAX_BYTES:
                self._fetch_head(path, remote, have, head)
                return
        self.fetch([path, *self._neighbours(path)])
        why = self.failed.get(path)
        if why is not None:
            raise OSError(errno.EIO, why)

    def _neighbours(self, path: str) -> list[str]:
        """Small unfetched objects in the same folder: fetched in the same batch (a rule that
        reads one metric file of a logged model reads them all)."""
        out: list[str] = []
        for other in self.files_in.get(os.path.dirname(path), ()):
            entry = self.pending.get(other)
            if other != path and entry is not None and entry[1] <= PREFETCH_MAX_BYTES \
                    and other not in self.fetched and other not in self.failed:
                out.append(other)
                if len(out) >= BATCH - 1:
                    break
        return out

    def wanted(self, folder: str, skip: Iterable[str] = (), *, shallow: bool = False) -> list[str]:
        """The small unfetched objects below `folder` (only those directly in it when
        `shallow`; none below the `skip` sub-folders)."""
        skipped = {os.path.join(folder, s) for s in skip}
        out: list[str] = []
        pending = [folder]
        while pending:
            current = pending.pop()
            for path in self.files_in.get(current, ()):
                entry = self.pending.get(path)
                if entry is not None and entry[1] <= PREFETCH_MAX_BYTES and path not in self.fetched \
                        and path not in self.failed:
                    out.append(path)
            if not shallow:
                pending.extend(d for d in self.dirs_in.get(current, ()) if d not in skipped)
        return out

    def prefetch(self, folder: str, skip: Iterable[str] = (), *, shallow: bool = False) -> None:
        """Fetch `wanted(...)` in concurrent batches and pin the folder until `release`."""
        self.pinned.add(folder)
        self.fetch(self.wanted(folder, skip, shallow=shallow))

    def release(self, folder: str) -> None:
        """The check left the unit at `folder`: its files become placeholders again."""
        prefix = folder + os.sep
        for path in [p for p in self.fetched if p.startswith(prefix)]:
            self._evict(path)
        self.pinned.discard(folder)

    # --- fetching ---------------------------------------------------------------------------
    def fetch(self, paths: list[str]) -> None:
        """Fetch whole objects for these placeholders, concurrently, with retries."""
        if len(paths) > BATCH * 8:  # bounded: a huge unit goes in several rounds
            for start in range(0, len(paths), BATCH * 8):
                self.fetch(paths[start:start + BATCH * 8])
            return
        todo = [p for p in paths if p in self.pending and p not in self.fetched and p not in self.failed]
        attempt = 0
        while todo:
            remote = {self.pending[p][0]: p for p in todo}
            results = self._cat(list(remote))
            again = []
            for name, local in remote.items():
                data = results.get(name, FileNotFoundError(name))
                if isinstance(data, bytes):
                    self._store(local, data)
                elif _transient(data) and attempt + 1 < RETRIES:
                    again.append(local)
                else:
                    self.failed[local] = f"cannot fetch {self.to_uri(local)}: {_reason(data)}"
            if again:
                self.stats.retries += len(again)
                time.sleep(BACKOFF * (2 ** attempt))
            attempt += 1
            todo = again
        self._trim(keep=set(paths))

    def _cat(self, names: list[str]) -> dict[str, Any]:
        """Whole objects, concurrently: one GET each. (`fs.cat(list)` would first expand the
        list with a HEAD per object, doubling the requests.)"""
        if not self.counted:
            self.stats.get += len(names)
        if len(names) == 1:
            return {names[0]: _attempt(self.fs.cat_file, names[0])}
        if getattr(self.fs, "async_impl", False):
            from fsspec.asyn import sync

            async def gather() -> list[Any]:
                import asyncio

                limit = asyncio.Semaphore(BATCH)

                async def one(name: str) -> Any:
                    async with limit:
                        try:
                            return await self.fs._cat_file(name)
                        except Exception as exc:
                            return exc

                return await asyncio.gather(*(one(n) for n in names))

            try:
                return dict(zip(names, sync(self.fs.loop, gather), strict=True))
            except Exception as exc:  # the loop itself failed
                return {n: exc for n in names}
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(len(names), 16)) as pool:
            return dict(zip(names, pool.map(lambda n: _attempt(self.fs.cat_file, n), names), strict=True))

    def _fetch_head(self, local: str, remote: str, have: int, head: int) -> None:
        """The first `head` bytes of a large object (a sniff of a multi-GB weights file)."""
        if not self.counted:
            self.stats.get += 1
        want = max(head, 1 << 16)
        for attempt in range(RETRIES):
            try:
                data = self.fs.cat_file(remote, start=have, end=want)
                break
            except Exception as exc:
                if not _transient(exc) or attempt + 1 == RETRIES:
                    self.failed[local] = f"cannot fetch {self.to_uri(local)}: {_reason(exc)}"
                    raise OSError(errno.EIO, self.failed[local]) from None
                self.stats.retries += 1
                time.sleep(BACKOFF * (2 ** attempt))
        if not self.counted:
            self.stats.bytes += len(data)
        fd = os.open(local, os.O_WRONLY)
        try:
            os.pwrite(fd, data, have)
        finally:
            os.close(fd)
        self.partial[local] = have + len(data)

    def _store(self, local: str, data: bytes) -> None:
        if not self.counted:
            self.stats.bytes += len(data)
        fd = os.open(local, os.O_WRONLY)
        try:
            os.pwrite(fd, data, 0)
            # The listing's size stays (every stat-based answer was already given with it),
            # unless the object changed since: then the bytes win.
            if len(data) != self.pending[local][1]:
                os.ftruncate(fd, len(data))
        finally:
            os.close(fd)
        self.partial.pop(local, None)
        self.fetched[local] = len(data)
        self.kept_bytes += len(data)

    def _evict(self, local: str) -> None:
        size = self.fetched.pop(local)
        self.kept_bytes -= size
        # Back to a placeholder: truncating drops the data blocks, the size stays.
        fd = os.open(local, os.O_WRONLY)
        try:
            os.ftruncate(fd, 0)
            os.ftruncate(fd, self.pending[local][1])
        finally:
            os.close(fd)

    def _trim(self, keep: set[str]) -> None:
        """Evict the oldest fetched files past the budget, except the pinned unit's and the
        batch just fetched (its caller is about to open one of them)."""
        if self.kept_bytes <= KEEP_BYTES:
            return
        pinned = tuple(folder + os.sep for folder in self.pinned)
        for path in list(self.fetched):
            if self.kept_bytes <= KEEP_BYTES:
                break
            if path not in keep and not (pinned and path.startswith(pinned)):
                self._evict(path)


def _attempt(call: Any, *args: Any) -> Any:
    """`call(*args)`, or the exception it raised."""
    try:
        return call(*args)
    except Exception as exc:
        return exc


def _transient(exc: object) -> bool:
    """Worth another attempt: not a missing object or a refusal (those stay as they are)."""
    if not isinstance(exc, BaseException):
        return False
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        return False
    return isinstance(exc, (OSError, TimeoutError, ConnectionError)) or "Timeout" in type(exc).__name__ \
        or "Throttl" in str(exc) or "SlowDown" in str(exc)


def _reason(exc: object) -> str:
    if isinstance(exc, FileNotFoundError):
        return "the object disappeared after it was listed"
    if isinstance(exc, PermissionError):
        return "access denied"
    if isinstance(exc, BaseException):
        return clip(f"{type(exc).__name__}: {exc}")
    return "no data"
