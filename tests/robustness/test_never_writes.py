"""Never writes: the checked tree is byte-for-byte, mode- and mtime-identical after a check.

Snapshots every file, folder, link and special file (type, mode, size, mtime in ns, content
digest, link target), the folders' own mtimes included (a created-then-deleted temp file
would change them), before and after: in-process with every rule and every reporter, and as
a CLI run with every output format written to a folder outside the tree.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from mlint.reporters import REPORTERS
from tests.robustness.canaries import canary_model
from tests.robustness.corpus import materialize_template
from tests.robustness.engine_helpers import assert_no_crash, run_all


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    state: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames, "."]:
            path = Path(dirpath) / name
            info = os.lstat(path)
            digest = ""
            if stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            link = os.readlink(path) if stat.S_ISLNK(info.st_mode) else ""
            state[os.path.relpath(path, root)] = (info.st_mode, info.st_size, info.st_mtime_ns,
                                                  info.st_ctime_ns, digest, link)
    return state


def hostile_tree(tmp_path: Path) -> Path:
    root = materialize_template(tmp_path / "tree")
    markers = tmp_path / "markers"
    markers.mkdir()
    canary_model(root / "canary_model", markers)
    os.mkfifo(root / "canary_model" / "pipe")
    (root / "canary_model" / "loop").symlink_to("loop")
    (root / "canary_model" / "out").symlink_to("/etc/passwd")
    (root / "synthetic" / "saved_pyfunc" / "MLmodel").write_text("flavors: [broken\n")
    return root


def test_in_process_check_writes_nothing(tmp_path: Path) -> None:
    root = hostile_tree(tmp_path)
    before = snapshot(root)
    report = run_all([root])
    assert_no_crash(report)
    for reporter in REPORTERS.values():
        reporter(report, io.StringIO())
    run_all([p for p in root.rglob("*") if p.is_file() and not p.is_symlink()][:200])
    assert snapshot(root) == before


def test_cli_writes_only_where_told(tmp_path: Path) -> None:
    root = hostile_tree(tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    before = snapshot(root)
    formats = [arg for name in REPORTERS for arg in ("--format", f"{name}:{out / name}")]
    result = subprocess.run([sys.executable, "-P", "-m", "mlint", "check", str(root), *formats],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert snapshot(root) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(REPORTERS)
