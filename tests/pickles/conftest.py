"""Make `mlint` importable from the source tree when the package is not installed."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

try:
    import mlint.pickles  # noqa: F401
except ImportError:
    _shim = Path(tempfile.mkdtemp(prefix="mlint-shim-"))
    os.symlink(Path(__file__).resolve().parents[2] / "validator", _shim / "mlint")
    sys.path.insert(0, str(_shim))
