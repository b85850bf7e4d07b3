"""The one diagnostic record, and the smaller `Problem` that rules yield.

Rules speak in (file, JSON pointer); the engine turns a `Problem` into a located
`Diagnostic` (see `mlint.core.engine`).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any

from mlint.reading.quoting import MESSAGE_LIMIT, clip


class Severity(str, enum.Enum):
    """How bad a finding is. Ordered: ERROR > WARNING > INFO."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    # A `str` enum compares as text ("error" < "warning"); severities compare by rank, and a
    # plain string is taken as the severity it names ("error" > Severity.WARNING).
    def _other_rank(self, other: object) -> int | None:
        if isinstance(other, Severity):
            return other.rank
        if isinstance(other, str):
            try:
                return Severity(other.lower()).rank
            except ValueError:  # not a severity: no silent text comparison either
                raise TypeError(f"cannot compare a severity with {other!r}") from None
        return None

    def __lt__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank < rank

    def __le__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank <= rank

    def __gt__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank > rank

    def __ge__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank >= rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO


@dataclass(frozen=True)
class Problem:
    """What a rule yields: a message about one place in one file of its unit.

    `file` is relative to the unit folder (POSIX); `None` means the unit folder itself.
    `pointer` is a JSON pointer into the file's parsed document; the engine finds the
    line and column for it. Rules that know the line themselves (text files such as
    metric files or requirements.txt) set `line`/`column` directly.
    `subject` disambiguates findings for the line-free fingerprint (e.g. a requirement name)
    when the pointer alone does not.
    `severity` overrides the rule's default for this one finding (e.g. patch vs minor).
    """

    message: str
    file: str | None = None
    pointer: str = ""
    hint: str = ""
    line: int | None = None
    column: int | None = None
    subject: str = ""
    severity: Severity | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One located finding. Field order defines the output sort order."""

    path: str
    line: int
    column: int
    code: str
    name: str = field(compare=False)
    severity: Severity = field(compare=False)
    message: str
    pointer: str = ""
    hint: str = field(default="", compare=False)
    fingerprint: str = field(default="", compare=False)
    related: tuple[str, ...] = field(default=(), compare=False)
    suppressed: str | None = field(default=None, compare=False)
    # The offending line's text, captured while the file is loaded (for the `full` format).
    source: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        # Last-resort cap on what a finding can carry from the artifact (rules quote values
        # with mlint.reading.quoting.quote, 120 characters); a long source line is cut likewise.
        for name, limit in (("message", MESSAGE_LIMIT), ("hint", MESSAGE_LIMIT), ("source", 400)):
            value = getattr(self, name)
            if len(value) > limit:
                object.__setattr__(self, name, clip(value, limit))

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (docs/json-format.md)."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "message": self.message,
            "hint": self.hint,
            "fingerprint": self.fingerprint,
        }


def fingerprint(code: str, key_path: str, pointer: str, subject: str) -> str:
    """A stable id for a finding that survives line shifts.

    Built from the rule code, the file's path relative to the checked root (so the same tree
    checked from another directory keeps its fingerprints), the JSON pointer and the subject.
    """
    raw = "\x00".join((code, key_path, pointer, subject))
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:20]
