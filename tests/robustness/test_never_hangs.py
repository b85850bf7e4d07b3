"""Never hangs: special files, symlink tricks, deep and long paths.

FIFOs, sockets and devices are reported (MLT003) and never opened, wherever they are in a
unit's folder, read by a rule or not. Symlinks that dangle, loop or leave the checked folder
are reported (MLT005) and not followed. Nesting 500 folders deep and names at the file-system
limits are walked without recursion errors. A watchdog turns a hang into a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlint.reading.files import walk
from tests.robustness.corpus import EXP, MODEL_ID, RUN, synthetic_files, write_tree
from tests.robustness.engine_helpers import assert_no_crash, run_all


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """Fail (instead of hanging CI) if one check takes more than 60 s."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("mlint hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "t", synthetic_files())


RUN_DIR = f"mlruns/{EXP}/{RUN}"
LOGGED = f"mlruns/{EXP}/models/{MODEL_ID}"
# Places no rule reads (only discovery sees them) and places rules do read.
UNREAD = ["mlruns/pipe", f"mlruns/{EXP}/pipe", f"mlruns/{EXP}/tags/pipe", f"{RUN_DIR}/pipe",
          f"{RUN_DIR}/artifacts/notes/pipe", f"{RUN_DIR}/metrics/deep/er/pipe",
          f"{LOGGED}/artifacts/pipe", "saved_pyfunc/code/pipe", "mlruns/models/iris-lr/pipe",
          "mlruns/models/iris-lr/version-1/tags/pipe"]
READ = ["saved_pyfunc/MLmodel", "saved_pyfunc/conda.yaml", "saved_pyfunc/python_model.pkl",
        "saved_pyfunc/requirements.txt", "saved_pyfunc/input_example.json",
        f"{RUN_DIR}/meta.yaml", f"{RUN_DIR}/metrics/loss", f"{RUN_DIR}/params/C",
        f"{RUN_DIR}/tags/mlflow.runName", f"mlruns/{EXP}/meta.yaml", f"{LOGGED}/meta.yaml",
        "mlruns/models/iris-lr/version-1/meta.yaml"]


def mlt003_paths(report_diags: list, root: Path) -> list[str]:  # type: ignore[type-arg]
    return [Path(os.path.abspath(d.path)).relative_to(root).as_posix()
            for d in report_diags if d.code == "MLT003"]


def test_fifos_are_reported_once_each_and_never_opened(tree: Path) -> None:
    """One FIFO in each place at once (a rule reads it or not): one MLT003 per FIFO."""
    for rel in UNREAD + READ:
        target = tree / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        os.mkfifo(target)
    report = run_all([tree])  # a single open() of a FIFO for reading would block here
    assert_no_crash(report)
    assert sorted(mlt003_paths(report.diagnostics, tree)) == sorted(UNREAD + READ)
    assert all("FIFO" in d.message for d in report.diagnostics if d.code == "MLT003")


@pytest.mark.parametrize("rel", ["saved_pyfunc/python_model.pkl", f"{RUN_DIR}/metrics/loss"])
def test_fifo_when_checking_the_file_itself(tree: Path, rel: str) -> None:
    (tree / rel).unlink()
    os.mkfifo(tree / rel)
    report = run_all([tree / rel])
    assert_no_crash(report)
    assert mlt003_paths(report.diagnostics, tree) == [rel]


def test_socket_in_a_model_folder_is_reported(tree: Path) -> None:
    folder = tree / "saved_pyfunc" / "code"
    cwd = os.getcwd()
    os.chdir(folder)  # AF_UNIX paths are limited to ~108 bytes: bind relative to the folder
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind("s.sock")
            os.chdir(cwd)
            report = run_all([tree])
    finally:
        os.chdir(cwd)
    assert mlt003_paths(report.diagnostics, tree) == ["saved_pyfunc/code/s.sock"]
    assert "socket" in next(d.message for d in report.diagnostics if d.code == "MLT003")


def test_device_file_is_reported(tree: Path) -> None:
    target = tree / "saved_pyfunc" / "conda.yaml"
    target.unlink()
    try:
        os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # a copy of /dev/zero
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node here ({exc})")
    report = run_all([tree])  # reading /dev/zero never ends
    assert mlt003_paths(report.diagnostics, tree) == ["saved_pyfunc/conda.yaml"]


@pytest.mark.parametrize("link_target", ["/dev/zero", "/dev/stdin", "/etc/passwd", "/proc/self/fd/0"])
def test_symlink_out_of_the_root_is_not_followed(tree: Path, link_target: str) -> None:
    target = tree / "saved_pyfunc" / "MLmodel"
    target.unlink()
    target.symlink_to(link_target)
    for paths in ([tree], [tree / "saved_pyfunc"], [target]):
        report = run_all(paths)
        assert_no_crash(report)
        assert any(d.code == "MLT005" for d in report.diagnostics), paths


def test_symlink_loops_are_reported_not_followed(tree: Path) -> None:
    model = tree / "saved_pyfunc"
    (model / "conda.yaml").unlink()
    (model / "conda.yaml").symlink_to("conda.yaml")  # itself
    (model / "a").symlink_to("b")
    (model / "b").symlink_to("a")
    (model / "code" / "up").symlink_to("..")  # back into the model: a cycle for a walker
    run_dir = tree / RUN_DIR / "artifacts" / "notes"
    (run_dir / "root").symlink_to(tree)  # to an ancestor of the unit
    report = run_all([tree])
    assert_no_crash(report)
    messages = [d.message for d in report.diagnostics if d.code == "MLT005"]
    assert any("conda.yaml" in m for m in messages), messages
    report = run_all([model / "conda.yaml"])
    assert any(d.code == "MLT005" for d in report.diagnostics)


def test_500_levels_of_nesting(tree: Path) -> None:
    deep = tree / RUN_DIR / "artifacts"
    generic = tree / "generic"
    for base in (deep, generic):
        folder = base.joinpath(*["d"] * 500)
        folder.mkdir(parents=True)
        write_tree(folder / "model", {k.split("/", 1)[1]: v for k, v in synthetic_files().items()
                                      if k.startswith("saved_pyfunc/")})
        os.mkfifo(folder / "pipe")
    try:
        report = run_all([tree])
        assert_no_crash(report)
        assert report.units["model"] == 5  # 3 synthetic + the two at the bottom
        assert sum(1 for d in report.diagnostics if d.code == "MLT003") == 2
        report = run_all([generic])
        assert_no_crash(report)
        assert report.units["model"] == 1
    finally:
        remove_deep(deep / "d")
        remove_deep(generic)


def test_1100_levels_inside_a_model_folder(tree: Path) -> None:
    """Deeper than Python's recursion limit, inside a folder that rules walk (`code/`):
    os.walk recursed per level before Python 3.12 (MLM102 crashed with RecursionError)."""
    fd = os.open(tree / "saved_pyfunc" / "code", os.O_RDONLY)
    try:
        for _ in range(1100):  # past the default recursion limit of 1000
            os.mkdir("d", dir_fd=fd)
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        os.mkfifo("pipe", dir_fd=fd)
    finally:
        os.close(fd)
    try:
        report = run_all([tree / "saved_pyfunc"])
    finally:
        remove_deep(tree / "saved_pyfunc" / "code" / "d")  # shutil.rmtree recurses per level too
    assert_no_crash(report)
    assert [d.code for d in report.diagnostics if d.code.startswith("MLT")] == ["MLT003"]


def remove_deep(top: Path) -> None:
    """Delete a folder tree bottom-up without recursion (pytest's cleanup would overflow)."""
    found = list(walk(top))
    for folder, _, files in reversed(found):
        for name in files:
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def test_names_at_the_file_system_limits(tree: Path) -> None:
    model = tree / "saved_pyfunc"
    (model / ("n" * 255)).write_text("x")  # longest name a file can have
    (model / "code" / ("é" * 127)).mkdir()  # 254 bytes of UTF-8
    # A path longer than PATH_MAX (4096): built relative to directory descriptors.
    fd = os.open(model / "code", os.O_RDONLY)
    try:
        for _ in range(30):
            os.mkdir("x" * 200, dir_fd=fd)
            new = os.open("x" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        os.mkfifo("pipe", dir_fd=fd)
    finally:
        os.close(fd)
    report = run_all([tree])
    assert_no_crash(report)
    assert report.units["model"] == 3
    report = run_all([tree / "generic-does-not-exist" / ("z" * 300)])
    assert [d.code for d in report.diagnostics] == ["MLT001"]
