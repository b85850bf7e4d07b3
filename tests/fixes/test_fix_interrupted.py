"""An interrupted `--fix` leaves every file old or new, and the next run completes the job.

A forked child runs `mlint check --fix` with the file-system calls the fix engine makes
(creating the temporary file, chmod, fsync, rename, mkdir) counted, and SIGKILLs itself at the
Nth one — for N at the first calls, the last, and a fixed random sample in between (every N
takes half a minute of fsyncs). After each kill, every path
of the tree must hold either its original or its fixed content; the only extra files allowed
are the engine's own `.mlint-fix-*.tmp`, which the next `--fix` run removes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from mlint.cli import main
from tests.fixes.conftest import copy_tree, snapshot

ARGS = ["check", "--select", "@migration,RUN104", "--fix", "--no-cache", "--jobs", "1", "-q",
        "--format", "concise", "mlruns"]
CALLS = [(os, "replace"), (os, "mkdir"), (os, "fsync"), (os, "fchmod"), (tempfile, "mkstemp")]


def _run_child(tree: Path, kill_at: int | None, counter: Path) -> int:
    """Fork; the child fixes `tree`, dying at call number `kill_at`. Returns its wait status."""
    pid = os.fork()
    if pid:
        return os.waitpid(pid, 0)[1]
    try:  # the child: never returns into pytest
        seen = 0
        for module, name in CALLS:
            original = getattr(module, name)

            def counted(*args: object, _original: object = original, **kwargs: object) -> object:
                nonlocal seen
                seen += 1
                counter.write_text(str(seen))
                if seen == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return _original(*args, **kwargs)  # type: ignore[operator]

            setattr(module, name, counted)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.chdir(tree.parent)
        main(ARGS)
    finally:
        os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_killed_at_every_write_leaves_old_or_new_files(tmp_path: Path) -> None:
    pristine = copy_tree("3.17.2", tmp_path / "pristine", empty_dirs=False)
    before = snapshot(pristine)
    reference = tmp_path / "reference" / "mlruns"
    shutil.copytree(pristine, reference)
    counter = tmp_path / "count"
    assert os.waitstatus_to_exitcode(_run_child(reference, None, counter)) == 0
    after = snapshot(reference)
    assert after != before
    calls = int(counter.read_text())
    assert calls > 20  # 4 files rewritten (5 calls each) and 15 folders created (2 each)
    points = {1, 2, 3, calls - 1, calls, *random.Random(18).sample(range(4, calls - 1), 8)}
    for kill_at in sorted(points):
        tree = tmp_path / f"kill-{kill_at}" / "mlruns"
        shutil.copytree(pristine, tree)
        status = _run_child(tree, kill_at, counter)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, kill_at
        now = snapshot(tree)
        for rel, content in now.items():
            if Path(rel).name.startswith(".mlint-fix-") and rel.endswith(".tmp"):
                continue
            assert rel in before or rel in after, (kill_at, rel)
            assert content in (before.get(rel, content), after.get(rel, content)), (kill_at, rel)
        assert all(rel in now for rel in before.keys() & after.keys()), kill_at
        os.chdir(tree.parent)
        try:
            main(ARGS)  # the next run sweeps the temporaries and finishes the job
        finally:
            os.chdir(tmp_path)
        assert snapshot(tree) == after, kill_at
        shutil.rmtree(tree.parent)
