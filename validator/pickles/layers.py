"""Container layers of a scan that are not pickles themselves: `.npy` arrays and tar archives.

Split from scanner.py. Both decide, the way their loaders do, which bytes are raw data and
which are pickles (np.load unpickles object arrays; torch's legacy tar members are pickles).
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from typing import Any

from .collect import Collector
from .containers import descr_info, parse_npy_header
from .model import Container, Kind, Severity
from .stream import Reader


class LayerOps:
    col: Collector
    # provided by scanner._Scan (annotations only: never shadow the real methods)
    dispatch: Callable[..., Container]
    walk_streams: Callable[..., None]

    def tar(self, f: Any, depth: int) -> None:
        """torch.load's legacy tar layout (`storages`, `tensors`, `pickle` members, all read
        with pickle). Every regular member is dispatched by content; in that layout a member
        that is not a pickle is an error (mlint does not decode the legacy storage framing).
        In other tar archives, members that are not serialized containers are data."""
        col = self.col
        outer = col.member
        try:
            f.seek(0)
            with tarfile.open(fileobj=f, mode="r:") as tar:
                legacy = None
                for n, info in enumerate(tar):
                    if n >= col.limits.max_members:
                        col.incomplete(Kind.CAP_REACHED,
                                       f"tar archive has more than {col.limits.max_members} members")
                        return
                    if not info.isreg():
                        continue
                    if legacy is None:
                        legacy = info.name in ("storages", "tensors", "pickle", "sys_info")
                    col.member = info.name if outer is None else f"{outer}!{info.name}"
                    col.members.append(col.member)
                    stream = tar.extractfile(info)
                    if stream is None:
                        continue
                    col.persistent_ids_expected = True
                    kind = self.dispatch(stream, True, depth + 1)
                    if kind is Container.UNKNOWN and legacy:
                        col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                                       "tar member is not a pickle: legacy torch.save storages "
                                       "are not decoded by mlint", 0)
        except (tarfile.TarError, OSError, EOFError) as exc:
            col.incomplete(Kind.UNSUPPORTED_CONTAINER, f"unreadable tar archive: {exc}", 0)
        finally:
            col.member = outer
            col.persistent_ids_expected = False

    def npy(self, r: Reader, depth: int) -> None:
        col = self.col
        head = r.peek(65536 + 12)
        parsed = parse_npy_header(head)
        if parsed is None:
            col.incomplete(Kind.UNSUPPORTED_CONTAINER, "malformed .npy header", 0)
            return
        hdr, hlen = parsed
        r.skip(hlen)
        size, has_object = descr_info(hdr["descr"])
        if has_object:
            # np.save pickles object arrays right after the header.
            self.walk_streams(r, depth, single=True)
            return
        if size is None:
            # Not guessed: np.load may well read it as an object array (= unpickle it).
            col.incomplete(Kind.UNSUPPORTED_CONTAINER,
                           f".npy dtype {str(hdr['descr'])[:80]!r} is not understood, so the "
                           "data after the header cannot be shown to be raw numbers", 0)
            return
        count = 1
        for d in hdr["shape"] if isinstance(hdr["shape"], tuple) else ():
            count *= d if isinstance(d, int) else 0
        want = size * count
        got = r.skip(want)
        if got < want:
            col.incomplete(Kind.TRUNCATED, f".npy data ends after {got} of {want} bytes", r.pos)
        elif not r.at_end():
            col.add(Kind.TRAILING_DATA, Severity.WARNING, "bytes after the .npy array data", r.pos)

