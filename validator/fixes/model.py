"""What a fix is: metadata registered for a rule code, and the edits a fix function returns."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mlint.core.diagnostics import Diagnostic
from mlint.reading.files import DEFAULT_MAX_BYTES, read_file


@dataclass(frozen=True)
class Edit:
    """One change a fix wants: `new` is a file's complete new contents, or None for "create the
    folder `path`". `old` is the content the fix computed from (the engine re-reads the file
    just before replacing it and skips the edit if it changed meanwhile)."""

    path: Path
    new: bytes | None
    old: bytes | None = None

    @property
    def mkdir(self) -> bool:
        return self.new is None


class FixContext:
    """The read-only view a fix function gets: file bytes as they will be once the edits
    planned so far are applied (two findings in one file compose), and folder existence."""

    def __init__(self, planned: dict[Path, Edit] | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.planned: dict[Path, Edit] = planned if planned is not None else {}
        self.max_bytes = max_bytes

    def read(self, path: Path) -> bytes | None:
        """The file's bytes; None for a missing file, a link, a FIFO or device, or a file over
        the check's size cap (`max-file-bytes`): what the check did not read is not fixed."""
        edit = self.planned.get(path)
        if edit is not None and not edit.mkdir:
            return edit.new
        if path.is_symlink():
            return None  # a fix never writes through a link, so it does not read through one
        raw = read_file(path, path.parent, self.max_bytes)
        return raw if isinstance(raw, bytes) else None

    def is_dir(self, path: Path) -> bool:
        edit = self.planned.get(path)
        return (edit is not None and edit.mkdir) or path.is_dir()

    def exists(self, path: Path) -> bool:
        return path in self.planned or path.exists() or path.is_symlink()


FixFunc = Callable[[Diagnostic, FixContext], Iterable[Edit]]


@dataclass(frozen=True)
class Fix:
    """A rule's fix. `safe`: applying it cannot lose information (applied by `--fix`); unsafe
    fixes change what a file says and need `--unsafe-fixes`. `owns`: glob patterns (matched
    against the edited path, POSIX) of the only files or folders this fix may write — the
    engine refuses any other edit, so a buggy fix cannot touch a pickle or a model file."""

    code: str
    safe: bool
    owns: tuple[str, ...]
    summary: str
    func: FixFunc

    def may_write(self, path: Path) -> bool:
        text = path.as_posix()
        return any(fnmatch.fnmatchcase(text, pattern) for pattern in self.owns)


FIXES: dict[str, Fix] = {}


def fixer(code: str, *, safe: bool, owns: Iterable[str], summary: str) -> Callable[[FixFunc], FixFunc]:
    """Register `func` as the fix of rule `code` (one fix per rule)."""

    def register(func: FixFunc) -> FixFunc:
        if code in FIXES:
            raise ValueError(f"rule {code} already has a fix ({FIXES[code].func.__qualname__})")
        FIXES[code] = Fix(code=code, safe=safe, owns=tuple(owns), summary=summary, func=func)
        return func

    return register


def fix_for(code: str) -> Fix | None:
    """The fix registered for a rule, if any (built-in fixes are loaded on first use)."""
    # Importing them registers the built-in fixes.
    import mlint.fixes.builtin
    import mlint.fixes.model_fixes  # noqa: F401

    return FIXES.get(code)
