"""Buffered forward-only byte reader with cheap skipping and a shared byte budget.

The opcode walker reads small arguments through a local buffer (one method call per opcode,
no per-byte file I/O) and *skips* large payloads: on a seekable file a skip is a seek, so a
400 MB array payload costs nothing; through a decompressor it is a discard loop in chunks.
"""

from __future__ import annotations

import time
from typing import BinaryIO, Protocol

CHUNK = 1 << 20


class CapReached(Exception):
    """A size/time/ops cap was hit; the message says which."""


class Budget:
    """Caps shared by every layer of one scan (decoded bytes, wall time)."""

    def __init__(self, max_bytes: int, max_seconds: float) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.deadline = time.monotonic() + max_seconds
        self.max_seconds = max_seconds

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.max_bytes:
            raise CapReached(f"size cap of {self.max_bytes} decoded bytes reached")

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise CapReached(f"time cap of {self.max_seconds:g} s reached")


class RawSource(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class Reader:
    """Forward reader over a binary file-like object (or bytes) tracking the stream offset.

    Errors raised by the underlying object (corrupt compressed data, early end of a
    compressed stream) are recorded in `error` and the stream then behaves as ended, so the
    walker reports a truncated stream instead of crashing.
    """

    def __init__(self, raw: RawSource | bytes, budget: Budget, *, seekable: bool = False) -> None:
        if isinstance(raw, (bytes, bytearray, memoryview)):
            self.buf = bytes(raw)
            self.raw: RawSource | None = None
            budget.spend(len(self.buf))
        else:
            self.buf = b""
            self.raw = raw
        self.i = 0
        self.base = 0  # stream offset of buf[0]
        self.budget = budget
        self.seekable = seekable and self.raw is not None
        self.eof = self.raw is None
        self.error: str | None = None

    @property
    def pos(self) -> int:
        return self.base + self.i

    def _fill(self, n: int) -> bool:
        """Make at least n bytes available from self.i; False if the stream ends first."""
        while len(self.buf) - self.i < n:
            if self.eof or self.raw is None:
                return False
            want = max(CHUNK, n - (len(self.buf) - self.i))
            try:
                more = self.raw.read(want)
            except Exception as exc:  # corrupt/truncated compressed data ends the stream
                self.error = f"{type(exc).__name__}: {exc}"
                more = b""
            if not more:
                self.eof = True
                return False
            self.budget.spend(len(more))
            self.base += self.i
            self.buf = self.buf[self.i :] + more
            self.i = 0
        return True

    def read(self, n: int) -> bytes:
        """Up to n bytes; fewer only at end of stream."""
        self._fill(n)
        out = self.buf[self.i : self.i + n]
        self.i += len(out)
        return out

    def byte(self) -> int:
        """Next byte, or -1 at end of stream."""
        if self.i >= len(self.buf) and not self._fill(1):
            return -1
        b = self.buf[self.i]
        self.i += 1
        return b

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return self.buf[self.i : self.i + n]

    def readline(self, maxlen: int) -> bytes | None:
        """Bytes up to and including b'\\n'; None if no newline within maxlen or at EOF."""
        start = self.i
        while True:
            j = self.buf.find(b"\n", start, self.i + maxlen)
            if j >= 0:
                out = self.buf[self.i : j + 1]
                self.i = j + 1
                return out
            have = len(self.buf) - self.i
            if have >= maxlen or not self._fill(have + 1):
                return None
            start = self.i + have

    def skip(self, n: int) -> int:
        """Skip n bytes without keeping them; returns how many were actually skipped."""
        have = len(self.buf) - self.i
        if n <= have:
            self.i += n
            return n
        skipped = have
        self.base += len(self.buf)
        self.buf, self.i = b"", 0
        rest = n - have
        raw = self.raw
        if raw is None or self.eof:
            return skipped
        if self.seekable:
            f: BinaryIO = raw  # type: ignore[assignment]
            here = f.tell()
            end = f.seek(0, 2)
            step = min(rest, max(0, end - here))
            f.seek(here + step)
            self.budget.spend(step)
            self.base += step
            if step < rest:
                self.eof = True
            return skipped + step
        while rest > 0:
            try:
                chunk = raw.read(min(rest, 4 * CHUNK))
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                chunk = b""
            if not chunk:
                self.eof = True
                break
            self.budget.spend(len(chunk))
            self.base += len(chunk)
            skipped += len(chunk)
            rest -= len(chunk)
            self.budget.check_time()
        return skipped

    def at_end(self) -> bool:
        return self.i >= len(self.buf) and not self._fill(1)
