"""`--executor dask`: the report is the serial one, byte for byte, also when a worker dies
mid-run (its task is retried) and for remote inputs (each worker mirrors the prefix)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlint.cli import main
from tests.perf.test_parallel_cache import make_tree
from tests.remote.conftest import S3

# A local rule (loaded through `rules-paths`) that kills its worker process the first time it
# meets one run: the marker file, outside the checked tree, makes it deterministic. Every call
# for that run is logged, so the test sees that the unit was checked twice (lost, retried).
KILLER = '''
import os
from pathlib import Path
from mlint.core.diagnostics import INFO
from mlint.core.registry import rule
from mlint.discovery.units import Run

MARKER = Path({marker!r})


@rule("XKL001", "kills-its-worker-once", scope=Run, severity=INFO)
def kills_once(run, options):
    """Kills the process checking run 5 the first time. Why: tests worker loss. Fix: none."""
    yield from ()
    if run.path.name == "{victim}":
        with open(str(MARKER) + ".log", "a") as log:
            log.write(f"{{os.getpid()}}\\n")
        if not MARKER.exists():
            MARKER.write_text("killed")
            os._exit(1)
'''


def _need_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("dask[distributed] is not installed (pip install -e '.[test]')")


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--no-cache", "--include-suppressed", "--format", "json", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def cluster(s3: S3) -> Iterator[str]:
    """A LocalCluster with two worker processes, as the issue asks. Started after the S3
    fixture: workers take credentials from their own environment."""
    _need_dask()
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("dask"), runs=60)


def test_identical_to_serial(cluster: str, tree: Path) -> None:
    serial = run_cli("--isolated", "--jobs", "1", str(tree))
    on_dask = run_cli("--isolated", "--executor", cluster, str(tree))
    assert serial[0] == 1 and json.loads(serial[1])["diagnostics"], "the tree has findings to compare"
    assert on_dask == serial


def test_python_api_runs_on_the_cluster_too(cluster: str, tree: Path) -> None:
    import mlint
    from mlint.core.config import Config, ConfigError

    serial = mlint.check(tree, Config())
    assert serial, "the tree has findings to compare"
    assert mlint.check(tree, Config(), executor=cluster) == serial
    with pytest.raises(ConfigError, match="--executor"):
        mlint.check(tree, Config(), executor="ray://x")


def test_worker_killed_mid_run_still_gives_the_full_report(tree: Path, tmp_path: Path) -> None:
    _need_dask()
    marker = tmp_path / "killed"
    victim = f"{5:032x}"
    rule_file = tmp_path / "killer.py"
    rule_file.write_text(KILLER.format(marker=str(marker), victim=victim))
    config = tmp_path / "mlint.toml"
    config.write_text(f'rules-paths = ["{rule_file}"]\nextend-select = ["XKL"]\n')
    # mlint's own LocalCluster (`--executor dask`); its nanny restarts the dead worker.
    on_dask = run_cli("--config", str(config), "--executor", "dask", "--jobs", "2", str(tree))
    assert marker.exists(), "the worker was killed"
    pids = (tmp_path / "killed.log").read_text().split()
    assert len(pids) == 2 and pids[0] != pids[1], "the lost unit was checked again, in another process"
    serial = run_cli("--config", str(config), "--jobs", "1", str(tree))
    assert on_dask == serial
    assert json.loads(on_dask[1])["summary"]["units"]["run"] == 60


def test_remote_on_dask_same_findings(cluster: str, seeded_tree: str) -> None:
    mirrors = set(Path(tempfile.gettempdir()).glob("mlint-remote-*"))
    code, out, err = run_cli("--isolated", "--executor", cluster, seeded_tree)
    # Each worker's mirror is removed when the check ends (the cluster lives on).
    assert set(Path(tempfile.gettempdir()).glob("mlint-remote-*")) == mirrors
    serial = run_cli("--isolated", seeded_tree)
    on_dask, alone = json.loads(out), json.loads(serial[1])
    assert code == serial[0] == 1, err
    assert on_dask["diagnostics"] == alone["diagnostics"]
    assert on_dask["summary"]["units"] == alone["summary"]["units"]
    # The workers' requests are counted too (each fetched its own units' objects).
    remote = on_dask["summary"]["remote"]
    assert remote["get"] >= len(on_dask["diagnostics"]) and remote["other"] == 0


def test_missing_dask_names_the_extra(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, _, err = run_cli("--isolated", "--executor", "dask", str(tree))
    assert code == 2 and "mlint[dask]" in err


def test_bad_executor_is_a_usage_error(tree: Path) -> None:
    code, _, err = run_cli("--isolated", "--executor", "ray://x", str(tree))
    assert code == 2 and "--executor" in err

