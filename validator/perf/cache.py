"""The result cache: reuse a unit's diagnostics when nothing they depend on has changed.

One SQLite file per "run fingerprint" — mlint's version, the resolved config, the working
directory (diagnostic paths are relative to it), the Python version and the size and mtime
of every module that defines a rule or the engine (so editing a rule, a plug-in or a
`rules-paths` file invalidates everything). Inside it, one row per unit (kind, path, the
context's roots) holding its diagnostics and its dependencies: the files its rules read, the
paths they tested and the folders they listed (recorded by `mlint.reading.deps.Tracker` through the
unit accessors, including values memoised on other units with `Unit.memo`). A row is reused
only if every dependency still has the signature it had *before* it was first observed.

The cache lives outside the checked tree (`$XDG_CACHE_HOME/mlint` or `~/.cache/mlint` by
default); a cache folder inside a checked path disables caching for that run. Any cache
error disables it too: the cache can make a check faster, never different or failing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlint import __version__
from mlint.core.diagnostics import Diagnostic, Severity
from mlint.core.suppressions import Suppression
from mlint.reading.deps import Tracker, current_digest, own_folder

FORMAT = 2  # 2: rows hold the unit's special-file candidates
# A suppression declared by a unit, with its MLT102 "unused" finding located in advance.
SuppressionRecord = tuple[Suppression, Diagnostic | None]
# A special-file finding with its path and folder chain (mlint.discovery.special_files.Candidate).
CandidateRecord = tuple[Diagnostic, str, tuple[int | None, ...]]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlint"


def inside_checked(cache_dir: Path, paths: Iterable[Path]) -> bool:
    """True when the cache folder would sit in (or contain) a checked path."""
    cache = os.path.realpath(cache_dir)
    for path in paths:
        real = os.path.realpath(path)
        if not os.path.isdir(real):
            real = os.path.dirname(real)
        if cache == real or cache.startswith(real + os.sep) or real.startswith(cache + os.sep):
            return True
    return False


def run_fingerprint(config: Any, registry: Any) -> str:
    """Everything outside the checked files that can change a unit's diagnostics."""
    modules = {sys.modules[r.func.__module__] for r in registry if r.func is not None
               and r.func.__module__ in sys.modules}
    files = {Path(f) for f in (getattr(m, "__file__", None) for m in modules) if f}
    package = Path(__file__).resolve().parent
    files.update(package.rglob("*.py"))
    schemas_file = getattr(sys.modules.get("mlint.schemas"), "__file__", None)
    if schemas_file:
        files.update(Path(schemas_file).resolve().parent.glob("*"))
    stamps = []
    for file in sorted(files):
        try:
            info = file.stat()
            stamps.append(f"{file}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            stamps.append(f"{file}:?")
    rules = [f"{r.code}:{r.name}:{r.origin}:{r.severity.value}" for r in registry]
    raw = "\n".join([__version__, str(FORMAT), sys.version, os.getcwd(), repr(config),
                     *rules, *stamps])
    return hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def unit_key(kind: str, path: str, root: str, key_root: str) -> str:
    return "\x00".join((kind, path, root, key_root))


# --- entries ------------------------------------------------------------------------------
def _split(unit_path: str, paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Dependencies below the unit stored relative to it (most of them: small rows)."""
    prefix = unit_path.rstrip(os.sep) + os.sep
    rel, other = [], []
    for path in paths:
        if path.startswith(prefix):
            rel.append(path[len(prefix):])
        else:
            other.append(path)
    return rel, other


def _join(unit_path: str, rel: list[str], other: list[str]) -> list[str]:
    return [os.path.join(unit_path, r) for r in rel] + other


@dataclass
class Hit:
    diagnostics: list[Diagnostic]
    files: int
    suppressions: list[SuppressionRecord]
    candidates: list[CandidateRecord] = dataclasses.field(default_factory=list)


def encode_entry(unit_path: str, diagnostics: Sequence[Diagnostic], files: int,
                 tracker: Tracker, suppressions: Sequence[SuppressionRecord] = (),
                 own: tuple[str, set[str]] = ("", set()),
                 candidates: Sequence[CandidateRecord] = ()) -> bytes:
    """`own` is `deps.own_folder` taken before the unit was checked; files it covers are
    not stored again."""
    deps = {}
    for name, paths in (("f", tracker.files), ("p", tracker.paths), ("l", tracker.listings)):
        rel, other = _split(unit_path, (p for p in paths if p not in own[1]))
        deps[name] = [rel, other]
    record = {
        "o": own[0],
        "n": files,
        "d": [_diag_to_list(d) for d in diagnostics],
        "s": [[_suppression_to_dict(s), _diag_to_list(u) if u is not None else None]
              for s, u in suppressions],
        # Filtered anew on every run: which folders are units depends on the arguments.
        "w": [[_diag_to_list(d), path, list(chain)] for d, path, chain in candidates],
        "deps": deps,
        # The digest over the dependencies in the same order as stored.
        "h": current_digest_from(tracker, unit_path, deps),
    }
    return zlib.compress(json.dumps(record, separators=(",", ":")).encode(), 1)


def current_digest_from(tracker: Tracker, unit_path: str, deps: dict[str, list[list[str]]]) -> str:
    from mlint.reading.deps import combined_digest

    order = {name: _join(unit_path, *deps[name]) for name in deps}
    return combined_digest((tracker.files[p] for p in order["f"]), (tracker.paths[p] for p in order["p"]),
                           (tracker.listings[p] for p in order["l"]))


def decode_valid_entry(unit_path: str, blob: bytes, kind: str) -> Hit | None:
    """The stored outcome, or None when any dependency changed."""
    try:
        record = json.loads(zlib.decompress(blob))
        if own_folder(kind, unit_path) != record["o"]:
            return None
        deps = record["deps"]
        now = current_digest(_join(unit_path, *deps["f"]), _join(unit_path, *deps["p"]),
                             _join(unit_path, *deps["l"]))
        if now != record["h"]:
            return None
        suppressions = [(_suppression_from_dict(s), _diag_from_list(u) if u is not None else None)
                        for s, u in record["s"]]
        candidates = [(_diag_from_list(d), str(path), tuple(chain)) for d, path, chain in record["w"]]
        return Hit([_diag_from_list(d) for d in record["d"]], int(record["n"]), suppressions, candidates)
    except (ValueError, KeyError, TypeError, zlib.error):
        return None


_FIELDS = ("path", "line", "column", "code", "name", "severity", "message", "pointer", "hint",
           "fingerprint", "related", "suppressed", "source")


def _suppression_to_dict(s: Suppression) -> dict[str, Any]:
    data = dataclasses.asdict(s)
    data["codes"], data["lines"] = sorted(s.codes), sorted(s.lines)
    data["used"] = False
    return data


def _suppression_from_dict(data: dict[str, Any]) -> Suppression:
    return Suppression(**{**data, "codes": frozenset(data["codes"]), "lines": frozenset(data["lines"])})


def _diag_to_list(d: Diagnostic) -> list[Any]:
    return [d.path, d.line, d.column, d.code, d.name, d.severity.value, d.message, d.pointer, d.hint,
            d.fingerprint, list(d.related), d.suppressed, d.source]


def _diag_from_list(values: list[Any]) -> Diagnostic:
    data = dict(zip(_FIELDS, values, strict=True))
    data["severity"] = Severity(data["severity"])
    data["related"] = tuple(data["related"])
    return Diagnostic(**data)


# --- storage ------------------------------------------------------------------------------
class ResultCache:
    """One SQLite database; the parent process writes, workers open it read-only."""

    def __init__(self, db: Path, *, readonly: bool = False) -> None:
        self.db = db
        if readonly:
            self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30,
                                        check_same_thread=False)
        else:
            db.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(db, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, entry BLOB)")
            self.conn.commit()
        self.pending: list[tuple[str, bytes]] = []

    @classmethod
    def open(cls, cache_dir: Path, fingerprint: str) -> ResultCache | None:
        try:
            return cls(cache_dir / f"results-{fingerprint}.sqlite")
        except (OSError, sqlite3.Error):
            return None

    def lookup(self, key: str, unit_path: str, kind: str) -> Hit | None:
        try:
            row = self.conn.execute("SELECT entry FROM units WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return decode_valid_entry(unit_path, row[0], kind) if row else None

    def empty(self) -> bool:
        """No row yet (a first, cold run): a hint for the scheduler, never for correctness."""
        try:
            return self.conn.execute("SELECT 1 FROM units LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return True

    def store(self, key: str, entry: bytes) -> None:
        self.pending.append((key, entry))
        if len(self.pending) >= 2000:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        try:
            with self.conn:
                self.conn.executemany("INSERT OR REPLACE INTO units VALUES (?, ?)", self.pending)
        except sqlite3.Error:
            pass  # a cache that cannot be written only makes the next run slower
        self.pending.clear()

    def close(self) -> None:
        self.flush()
        self.conn.close()
