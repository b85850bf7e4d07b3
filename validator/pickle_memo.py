"""Scan reports memoised by content: a project's model folders hold the same pickle bytes.

`scan_cached` answers for a small regular file from the bytes it read itself: the digest
that keys the memo and the scan behind a miss come from the same read, so no change to the
file between the two can put one content's verdict under another's key. Only complete
reports are kept (a scan stopped by a cap is not a verdict on the content); the time cap is
left out of the key, so a memo hit is the full answer where a fresh scan under load might
have stopped at it. Everything else the scan depends on — flavor, role, the other caps, the
built-in policy — is in the key or fixed for the process.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import replace
from pathlib import Path

from mlint.pickles import Limits, ScanReport, scan_bytes, scan_file
from mlint.reading.files import FileFailure, read_head

MAX_MEMO_FILE_BYTES = 1 << 20  # bigger files stream through scan_file, as before
MAX_REPORTS = 256
_REPORTS: dict[tuple[bytes, str | None, str | None, Limits], ScanReport] = {}


def _small_file(path: str) -> bytes | None:
    """The bytes of a regular file of at most MAX_MEMO_FILE_BYTES, or None (then scan_file
    decides, with its own error reports)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MEMO_FILE_BYTES:
        return None
    # read_head fetches a remote placeholder's bytes first (mlint.reading.fetch: scanning the
    # zeros would pass a malicious object), re-checks with fstat what it opened, and reads on
    # past a file that grew meanwhile, so the size is checked again below.
    data = read_head(path, MAX_MEMO_FILE_BYTES + 1)
    if isinstance(data, FileFailure) or len(data) > MAX_MEMO_FILE_BYTES:
        return None
    return data


def scan_cached(path: Path, *, flavor: str | None, role: str | None, limits: Limits) -> ScanReport:
    """`scan_file(path, flavor=…, role=…, limits=…)`, once per distinct small content."""
    spath = os.fspath(path)
    data = _small_file(spath)
    if data is None:
        return scan_file(path, flavor=flavor, role=role, limits=limits)
    key = (hashlib.blake2b(data, digest_size=32).digest(), flavor, role,
           replace(limits, max_seconds=0.0))
    found = _REPORTS.get(key)
    if found is not None:
        return replace(found, path=spath)
    report = scan_bytes(data, name=spath, flavor=flavor, role=role, limits=limits)
    if report.complete:
        if len(_REPORTS) >= MAX_REPORTS:
            _REPORTS.clear()
        _REPORTS[key] = report
    return report
