"""Entry points: `scan_file`, `scan_bytes`, `sniff`.

Dispatch is by content at every layer (file, decompressed stream, archive member), and every
exit path records why something was not read: no path returns "clean" for unread bytes.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
from typing import Any, BinaryIO

from mlint.reading import fetch

from . import opcodes as oc
from .collect import Collector
from .containers import (
    HEAD,
    open_decompressor,
    parse_lfs_pointer,
    sniff_head,
    sniff_tar,
)
from .joblibfmt import JoblibFrameError
from .layers import LayerOps
from .machine import Machine
from .model import COMPRESSED, Container, Finding, Kind, Limits, ScanReport, Severity
from .policy import Policy, default_policy
from .stackops import StackError
from .stream import Budget, CapReached, Reader
from .zipscan import scan_zip

TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_TRIAL = 4096


def looks_like_pickle(head: bytes) -> bool:
    """Protocol 0/1 pickles have no magic: accept a head the machine walks without error."""
    if not head or oc.ARGKIND[head[0]] < 0:
        return False
    col = Collector(default_policy(), None, None, Limits(), Budget(1 << 40, 60.0))
    try:
        Machine(Reader(head[:_TRIAL], col.budget), col).run()
    except oc.Truncated:
        return len(head) >= 16  # a long valid prefix that only ran out of sniffed bytes
    except Exception:
        return False
    return True


def sniff(path: str | os.PathLike[str]) -> Container:
    """Kind of serialized artifact at `path`, from its content only (never its name)."""
    fetch.ensure(path, _TRIAL)  # a remote check fetches the head first (mlint.reading.fetch)
    with open(path, "rb") as f:
        head = f.read(_TRIAL)
        kind = sniff_head(head[:HEAD])
        if kind is Container.UNKNOWN and sniff_tar(head):
            return Container.TAR
        if kind is Container.ZIP:
            from .zipscan import classify_zip
            try:
                import zipfile
                fetch.ensure(path)  # the central directory is at the end
                f.seek(0)
                with zipfile.ZipFile(f) as z:
                    return classify_zip(z.namelist())
            except Exception:
                return Container.ZIP
    if kind is Container.UNKNOWN and looks_like_pickle(head):
        return Container.PICKLE
    return kind


def sniff_bytes(data: bytes) -> Container:
    kind = sniff_head(data[:HEAD])
    if kind is Container.UNKNOWN and sniff_tar(data):
        return Container.TAR
    if kind is Container.UNKNOWN and looks_like_pickle(data[:_TRIAL]):
        return Container.PICKLE
    return kind


class _Scan(LayerOps):
    def __init__(self, col: Collector) -> None:
        self.col = col
        self.layers: list[Container] = []

    # `raw` is any object with read(n); seekable ones (files, stored members) also seek/tell.
    def dispatch(self, raw: Any, seekable: bool, depth: int, top: bool = False) -> Container:
        col = self.col
        if depth > col.limits.max_depth:
            col.incomplete(Kind.CAP_REACHED,
                           f"container nesting deeper than {col.limits.max_depth}")
            return Container.UNKNOWN
        r = Reader(raw, col.budget, seekable=seekable)
        head = r.peek(_TRIAL)
        kind = sniff_head(head[:HEAD])
        if kind is Container.UNKNOWN and sniff_tar(head):
            kind = Container.TAR
        elif kind is Container.UNKNOWN and looks_like_pickle(head):
            kind = Container.PICKLE
        self.layers.append(kind)
        if kind is Container.PICKLE:
            self.walk_streams(r, depth)
            return Container.JOBLIB if col.saw_joblib else kind
        if kind in COMPRESSED:
            return self.decompress(kind, raw, r, depth)
        if kind is Container.ZIP:
            f = raw if seekable else self.spool(r)
            return scan_zip(f, col, depth, self.member)
        if kind is Container.TAR:
            f = raw if seekable else self.spool(r)
            self.tar(f, depth)
        elif kind is Container.NPY:
            self.npy(r, depth)
        elif kind is Container.LFS_POINTER:
            info = parse_lfs_pointer(r.read(1024))
            col.incomplete(Kind.LFS_POINTER,
                           f"Git-LFS pointer, not the artifact (oid {info.get('oid', '?')}, "
                           f"size {info.get('size', '?')}): fetch it with `git lfs pull`", 0)
        elif kind is Container.EMPTY:
            col.incomplete(Kind.TRUNCATED, "empty file where a serialized artifact is expected", 0)
        elif top or _named_pickle(col.member):
            col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                           f"content not recognised as pickle, joblib, zip or npy "
                           f"(starts with {head[:8]!r})", 0)
        return kind

    def member(self, stream: BinaryIO, seekable: bool, label: str, depth: int) -> Container:
        return self.dispatch(stream, seekable, depth)

    def decompress(self, kind: Container, raw: BinaryIO, r: Reader, depth: int) -> Container:
        # Re-wrap: the Reader consumed a lookahead, so feed it back through a prefix stream.
        prefix = r.read(len(r.buf) - r.i)
        stream = open_decompressor(kind, _Prefixed(prefix, raw))
        if stream is None:
            self.col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                                f"{kind.value}-compressed content; the codec is not installed "
                                "(pip install lz4) so it cannot be scanned", 0)
            return kind
        saved = self.col.member
        self.col.member = f"{saved or ''}<{kind.value}>"
        try:
            inner = self.dispatch(stream, False, depth + 1)
        finally:
            self.col.member = saved
        if inner is Container.UNKNOWN:
            return kind
        return Container.JOBLIB if self.col.saw_joblib else kind

    def spool(self, r: Reader) -> BinaryIO:
        # Closed with the scan's garbage; a context manager would close it before use.
        tmp = tempfile.SpooledTemporaryFile(max_size=64 * 1024**2)  # noqa: SIM115
        while True:
            chunk = r.read(1 << 20)
            if not chunk:
                break
            tmp.write(chunk)
        tmp.seek(0)
        return tmp  # type: ignore[return-value]

    def walk_streams(self, r: Reader, depth: int, single: bool = False) -> None:
        col = self.col
        n = 0
        torch_legacy = False
        while True:
            start = r.pos
            m = Machine(r, col, depth)
            try:
                result = m.run()
            except oc.Truncated as e:
                if n and r.pos - start <= 1 and not torch_legacy:
                    col.add(Kind.TRAILING_DATA, Severity.WARNING,
                            "bytes after the last STOP opcode are not a pickle", start)
                    return
                col.incomplete(Kind.TRUNCATED, str(e), e.offset)
                return
            except oc.BadOpcode as e:
                if n and e.offset == start:
                    col.add(Kind.TRAILING_DATA, Severity.WARNING,
                            f"{_describe_tail(r)} after the last STOP opcode: pickle.load ignores "
                            "them, but a custom loader may not", start)
                    return
                col.incomplete(Kind.INVALID_OPCODE, str(e), e.offset)
                return
            except oc.BadArgument as e:
                col.incomplete(Kind.BAD_VALUE, str(e), e.offset)
                return
            except StackError as e:
                col.incomplete(Kind.STACK, f"{e}: the real unpickler fails here", e.offset)
                return
            except JoblibFrameError as e:
                col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                               f"joblib array framing not statically decodable: {e}", e.offset)
                return
            n += 1
            if n == 1 and result == TORCH_LEGACY_MAGIC:
                torch_legacy = col.persistent_ids_expected = True
            if torch_legacy and n == 5:
                return  # legacy torch.save: raw tensor storages follow the key list
            if n == 2 and not torch_legacy:
                col.add(Kind.TRAILING_DATA, Severity.INFO,
                        "several pickle streams in one file: pickle.load reads only the first; "
                        "all were scanned", start)
            if single or r.at_end():
                return


def _describe_tail(r: Reader) -> str:
    return f"non-pickle bytes ({r.peek(8)!r}...)"


def _named_pickle(member: str | None) -> bool:
    return bool(member) and member.rsplit("!", 1)[-1].endswith((".pkl", ".pickle", ".joblib"))  # type: ignore[union-attr]


class _Prefixed:
    """Stream that first returns `prefix`, then the rest of `raw`."""

    def __init__(self, prefix: bytes, raw: Any) -> None:
        self.prefix, self.raw = prefix, raw

    def read(self, n: int = -1) -> bytes:
        if self.prefix:
            if n is None or n < 0:
                out, self.prefix = self.prefix + bytes(self.raw.read()), b""
                return out
            out, self.prefix = self.prefix[:n], self.prefix[n:]
            return out
        return bytes(self.raw.read(n))

    def readable(self) -> bool:
        return True


def _run(raw: BinaryIO, seekable: bool, path: str | None, flavor: str | None, role: str | None,
         policy: Policy | None, limits: Limits | None) -> ScanReport:
    limits = limits or Limits()
    budget = Budget(limits.max_bytes, limits.max_seconds)
    col = Collector(policy or default_policy(), flavor, role, limits, budget)
    scan = _Scan(col)
    kind = Container.UNKNOWN
    try:
        kind = scan.dispatch(raw, seekable, 0, top=True)
    except CapReached as e:
        col.incomplete(Kind.CAP_REACHED, str(e))
    except (MemoryError, RecursionError) as e:
        col.incomplete(Kind.CAP_REACHED, f"{type(e).__name__} while scanning")
    except Exception as e:  # a scanner bug must still produce a report, never a crash
        col.incomplete(Kind.SCAN_ERROR, f"internal scanner error: {type(e).__name__}: {e}")
    col.finish()
    return ScanReport(
        path=path, container=kind, findings=tuple(col.findings), globals=col.global_refs(),
        modules=col.modules(), complete=col.complete, bytes_scanned=budget.used,
        versions=tuple(col.versions), members=tuple(col.members), layers=tuple(scan.layers),
    )


def scan_file(path: str | os.PathLike[str], *, flavor: str | None = None,
              role: str | None = None, policy: Policy | None = None,
              limits: Limits | None = None) -> ScanReport:
    """Scan one artifact file. Never unpickles, imports or executes anything; never raises
    for bad content (an unreadable path gives a `scan-error` report)."""
    spath = os.fspath(path)
    try:
        fetch.ensure(spath)  # a remote check fetches the object first (mlint.reading.fetch)
        # O_NONBLOCK + fstat: a FIFO (or a device) must not block or stream forever; plain
        # open() of a FIFO waits for a writer that never comes.
        fd = os.open(spath, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        f = os.fdopen(fd, "rb")
    except OSError as e:
        finding = Finding(Kind.SCAN_ERROR, Severity.ERROR, f"cannot open: {e}")
        return ScanReport(spath, Container.UNKNOWN, (finding,), (), frozenset(), False, 0)
    with f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            finding = Finding(Kind.SCAN_ERROR, Severity.ERROR, "not a regular file (FIFO, socket or device)")
            return ScanReport(spath, Container.UNKNOWN, (finding,), (), frozenset(), False, 0)
        return _run(f, True, spath, flavor, role, policy, limits)


def scan_bytes(data: bytes, *, name: str | None = None, flavor: str | None = None,
               role: str | None = None, policy: Policy | None = None,
               limits: Limits | None = None) -> ScanReport:
    """Scan an in-memory artifact (same semantics as `scan_file`)."""
    return _run(io.BytesIO(bytes(data)), True, name, flavor, role, policy, limits)
