"""Value types of the scanner's public API: findings, reports, limits.

Everything here is a frozen dataclass so reports can be cached, hashed and shared between
rules without defensive copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    """Default severity of a finding; the rules layer may remap it."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Verdict(str, Enum):
    """Policy tier of one imported global."""

    ALLOWED = "allowed"
    UNKNOWN = "unknown"
    CODE = "code"
    DANGEROUS = "dangerous"


class Kind:
    """Stable finding kind codes. Rules key on these strings: never rename one.

    The meaning of each code is documented in docs/pickles.md.
    """

    DANGEROUS_GLOBAL = "dangerous-global"
    UNKNOWN_GLOBAL = "unknown-global"
    UNRESOLVED_GLOBAL = "unresolved-global"
    CODE_OBJECT = "code-object"
    EXPECTED_CODE = "expected-code"
    CODE_CALLED = "code-called"
    TRUNCATED = "truncated"
    UNSUPPORTED_CONTAINER = "unsupported-container"
    NOT_SERIALIZED = "not-serialized"
    LFS_POINTER = "lfs-pointer"
    CAP_REACHED = "cap-reached"
    SCAN_ERROR = "scan-error"
    INVALID_OPCODE = "anomaly-invalid-opcode"
    PROTO = "anomaly-proto"
    MEMO = "anomaly-memo"
    STACK = "anomaly-stack"
    DISCARDED_CALL = "anomaly-discarded-call"
    GLOBAL_MUTATION = "anomaly-global-mutation"
    TRAILING_DATA = "anomaly-trailing-data"
    OUT_OF_BAND = "anomaly-out-of-band-buffer"
    PERSISTENT_ID = "anomaly-persistent-id"
    BAD_VALUE = "anomaly-bad-value"
    CONTAINER = "anomaly-container"


ALL_KINDS: frozenset[str] = frozenset(
    v for k, v in vars(Kind).items() if not k.startswith("_") and isinstance(v, str)
)


class Container(str, Enum):
    """What `sniff` recognised in the bytes (never derived from the file name)."""

    PICKLE = "pickle"
    JOBLIB = "joblib"  # reported once a NumpyArrayWrapper frame was seen
    ZLIB = "zlib"
    GZIP = "gzip"
    BZ2 = "bz2"
    XZ = "xz"
    LZMA = "lzma"
    LZ4 = "lz4"
    JOBLIB_ZF = "joblib-zfile"
    ZIP = "zip"
    TORCH = "torch-zip"
    SKOPS = "skops"
    NPZ = "npz"
    NPY = "npy"
    TAR = "tar"  # torch.save's legacy (< 0.4) tar layout: members storages/tensors/pickle
    LFS_POINTER = "lfs-pointer"
    EMPTY = "empty"
    UNKNOWN = "unknown"


COMPRESSED: frozenset[Container] = frozenset(
    {Container.ZLIB, Container.GZIP, Container.BZ2, Container.XZ, Container.LZMA, Container.LZ4,
     Container.JOBLIB_ZF}
)


@dataclass(frozen=True)
class Finding:
    """One observation about an artifact.

    `offset` is the byte offset of the opcode (or header) in the decoded stream it was found
    in; `member` names the archive member (``"archive/data.pkl"``) or the decompression layer
    (``"<gzip>"``) when that stream is not the file itself.
    """

    kind: str
    severity: Severity
    message: str
    offset: int | None = None
    member: str | None = None
    module: str | None = None
    name: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class GlobalRef:
    """A distinct global imported by the artifact, with its policy verdict."""

    module: str
    name: str
    verdict: Verdict
    reason: str
    offset: int
    member: str | None = None
    count: int = 1

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True)
class VersionFact:
    """A version string read from plain data inside the artifact (never by importing it)."""

    distribution: str
    version: str
    source: str  # e.g. "state key _sklearn_version"
    offset: int
    member: str | None = None


@dataclass(frozen=True)
class Limits:
    """Caps that bound time and memory. Hitting one yields `cap-reached`, complete=False."""

    max_bytes: int = 8 * 1024**3  # decoded bytes walked or skipped, across all layers
    max_seconds: float = 120.0
    max_ops: int = 50_000_000
    max_memo: int = 2_000_000
    max_stack: int = 1_000_000
    max_members: int = 10_000  # archive members examined
    max_depth: int = 4  # container nesting (zip in zip, pickle in npy in zip...)
    keep_string: int = 4096  # longer str/bytes values are skipped, not kept in memory
    keep_items: int = 64  # container items kept per list/dict (counts are always exact)
    max_line: int = 1 << 20  # protocol-0 text line length


@dataclass(frozen=True)
class ScanReport:
    """Result of scanning one artifact. `complete` is False whenever any part was not read."""

    path: str | None
    container: Container
    findings: tuple[Finding, ...]
    globals: tuple[GlobalRef, ...]
    modules: frozenset[str]
    complete: bool
    bytes_scanned: int
    versions: tuple[VersionFact, ...] = ()
    members: tuple[str, ...] = ()
    layers: tuple[Container, ...] = field(default=())

    @property
    def max_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    @property
    def clean(self) -> bool:
        """True only for a completely read artifact with nothing above info level."""
        worst = self.max_severity
        return self.complete and (worst is None or worst is Severity.INFO)

    def by_kind(self, kind: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == kind)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(f.kind for f in self.findings)
