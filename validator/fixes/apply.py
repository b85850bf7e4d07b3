"""Applying a plan: every file replaced atomically, originals optionally backed up.

Each file is written to a temporary file in its own folder (so that the rename cannot cross
a file system), flushed to disk, given the original's mode, and renamed over the original:
a reader — or a process killed at any instruction — sees the old file or the new one, never
a mix. The only trace an interrupted run can leave is a temporary file named
`.mlint-fix-*.tmp`; the next `--fix` run removes those before planning (`sweep_temporaries`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlint.core.engine import display_path
from mlint.fixes.model import Edit

TEMP_PREFIX = ".mlint-fix-"
TEMP_SUFFIX = ".tmp"


@dataclass
class Outcome:
    written: list[Path] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # changed on disk since planning


def apply_edits(edits: Iterable[Edit], *, backup: Path | None = None, base: Path | None = None) -> Outcome:
    """Make every edit. With `backup`, each original file is first copied to `backup` under
    its path relative to `base` (an existing backup copy is kept: it is the older original)."""
    outcome = Outcome()
    for edit in sorted(edits, key=lambda e: (e.mkdir is False, str(e.path))):
        try:
            _apply_one(edit, outcome, backup, base)
        except OSError as exc:  # read-only file system, permissions, disk full: report, go on
            outcome.conflicts.append(f"cannot write {display_path(edit.path)}: "
                                     f"{exc.strerror or type(exc).__name__}")
    return outcome


def _apply_one(edit: Edit, outcome: Outcome, backup: Path | None, base: Path | None) -> None:
    if edit.mkdir:
        try:
            os.mkdir(edit.path)
        except FileExistsError:
            if not edit.path.is_dir():
                outcome.conflicts.append(f"{display_path(edit.path)} exists and is not a folder")
            return
        _fsync_dir(edit.path.parent)
        outcome.created.append(edit.path)
        return
    assert edit.new is not None
    if edit.old is None:  # a new file
        if create_atomically(edit.path, edit.new):
            outcome.written.append(edit.path)
        else:
            outcome.conflicts.append(f"{display_path(edit.path)} appeared since planning; left alone")
        return
    if edit.path.read_bytes() != edit.old:
        outcome.conflicts.append(f"{display_path(edit.path)} changed since it was read; left alone")
        return
    if backup is not None:
        _back_up(edit.path, backup, base)
    replace_atomically(edit.path, edit.new)
    outcome.written.append(edit.path)


def replace_atomically(path: Path, data: bytes) -> None:
    """Replace `path`'s contents with `data`: temp file in the same folder, fsync, rename."""
    mode = os.stat(path).st_mode & 0o7777
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def create_atomically(path: Path, data: bytes) -> bool:
    """Create `path` with `data`, complete or not at all; False if it exists (never replaced)."""
    umask = os.umask(0)
    os.umask(umask)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), 0o666 & ~umask)
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # unlike a rename, fails if the name exists
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    _fsync_dir(path.parent)
    return True


def _fsync_dir(folder: Path) -> None:
    # The rename (or mkdir) is durable only once the folder itself is flushed.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _back_up(path: Path, backup: Path, base: Path | None) -> None:
    absolute = Path(os.path.abspath(path))
    root = Path(os.path.abspath(base)) if base is not None else Path(absolute.anchor)
    target = backup / absolute.relative_to(root)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def common_base(paths: Sequence[Path]) -> Path:
    """The folder backups are relative to: the deepest folder holding every checked path."""
    absolute = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    base = Path(os.path.commonpath(absolute))
    return base if base.is_dir() else base.parent


def sweep_temporaries(paths: Sequence[Path]) -> list[Path]:
    """Remove the temporary files an interrupted `--fix` left behind (only ours, by name)."""
    removed = []
    for top in paths:
        if not os.path.isdir(top):
            continue
        for folder, _dirs, names in os.walk(top):  # os.walk does not follow links to folders
            for name in names:
                if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                    path = Path(folder) / name
                    if not path.is_symlink():
                        path.unlink()
                        removed.append(path)
    return removed
