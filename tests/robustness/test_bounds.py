"""Bounded memory and time: bombs and giants each give a finding, not an exhausted machine.

Bounds are deliberately generous (a hostile input must not cost more than 500 MB or 60 s);
they catch unbounded behaviour, not performance regressions. Memory is the peak RSS of a
`mlint check` subprocess (its own VmHWM) or tracemalloc's peak for in-process calls.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path

import pytest

from mlint import pickles
from mlint.reading.files import Document, FileFailure, load
from tests.robustness.corpus import EXP, MODEL_ID, RUN, synthetic_files, write_tree
from tests.robustness.engine_helpers import assert_no_crash, run_all

MB = 1024 * 1024
MEMORY_BOUND = 500 * MB
# Not a timing assertion (timings belong in benchmarks/): a check still running after this
# long is taken to hang, killed, and the test fails on that.
HANG_LIMIT = 600.0


# The child reports its own peak RSS (VmHWM) on exit. ru_maxrss from wait4 is no good here: Linux
# carries the pre-exec high-water mark into it, i.e. the size of the (large, late in a full test
# session) pytest process that spawned the child.
_REPORT_PEAK = """
import atexit, sys
def _peak():
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    sys.stderr.write('\\nMLINT_PEAK_KB ' + line.split()[1] + '\\n')
    except OSError:
        pass
atexit.register(_peak)
from mlint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def measured_check(args: list[str], cwd: Path) -> tuple[int, str, int]:
    """Run `mlint check ARGS` in a subprocess: (exit code, stdout, peak RSS bytes)."""
    with tempfile.TemporaryFile() as err:  # outside the checked tree
        proc = subprocess.Popen([sys.executable, "-c", _REPORT_PEAK, "check", "--format", "concise",
                                 *args], cwd=cwd, stdout=subprocess.PIPE, stderr=err)
        killer = threading.Timer(HANG_LIMIT, proc.kill)
        killer.start()
        try:
            assert proc.stdout is not None
            out = proc.stdout.read().decode()
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        assert proc.returncode != -signal.SIGKILL, f"mlint check {args} hung (killed after {HANG_LIMIT} s)"
        err.seek(0)
        reported = [line.split()[1] for line in err.read().decode(errors="replace").splitlines()
                    if line.startswith("MLINT_PEAK_KB ")]
    peak_kb = int(reported[-1]) if reported else usage.ru_maxrss
    return proc.returncode, out, peak_kb * 1024


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "t", synthetic_files())


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\nflavors: *a" + str(levels) + "\n"


BOMBED = ["saved_pyfunc/MLmodel", "saved_pyfunc/conda.yaml", f"mlruns/{EXP}/{RUN}/meta.yaml",
          f"mlruns/{EXP}/meta.yaml"]


def test_yaml_alias_bombs(tree: Path) -> None:
    for rel in BOMBED:
        (tree / rel).write_text(billion_laughs())  # 10**9 nodes when expanded
    _, out, rss = measured_check(["."], tree)
    for rel in BOMBED:
        assert f"{rel}:0:0: MLT004" in out, out
    assert "expands to over" in out
    assert rss < MEMORY_BOUND


def test_alias_cap_is_configurable(tree: Path) -> None:
    (tree / "saved_pyfunc" / "MLmodel").write_text(billion_laughs(levels=3))  # 1,111 nodes
    assert not mlt(run_all([tree]).diagnostics, "MLT004")
    report = run_all([tree], max_yaml_nodes=1000)
    assert [Path(d.path).name for d in mlt(report.diagnostics, "MLT004")] == ["MLmodel"]


def test_recursive_alias(tree: Path) -> None:
    (tree / "saved_pyfunc" / "MLmodel").write_text("flavors: &a {python_function: {env: *a}}\n")
    report = run_all([tree])
    assert_no_crash(report)
    assert any(d.code == "MLT004" and "refers to itself" in d.message for d in report.diagnostics)


# saved_pyfunc/MLmodel stays readable, so the rules that follow it read the giants it names.
ALWAYS_READ = [f"mlruns/{EXP}/{RUN}/meta.yaml", f"mlruns/{EXP}/models/{MODEL_ID}/artifacts/MLmodel"]


GIANTS = [*ALWAYS_READ, "saved_pyfunc/input_example.json", f"mlruns/{EXP}/{RUN}/metrics/loss",
          "saved_pyfunc/python_model.pkl", "saved_pyfunc/requirements.txt", "saved_pyfunc/conda.yaml"]


def test_one_gigabyte_files_are_not_read(tree: Path) -> None:
    for rel in GIANTS:
        with open(tree / rel, "r+b") as handle:
            handle.truncate(1024 * MB)  # sparse: costs no disk
    _, out, rss = measured_check(["."], tree)
    assert rss < MEMORY_BOUND
    for rel in GIANTS:
        mentioned = [line for line in out.splitlines() if line.startswith(rel + ":")]
        if rel in ALWAYS_READ or mentioned:  # others only when a rule of this checkout reads them
            assert mentioned and all(": MLT004 " in line for line in mentioned), out


def mlt(report_diags: list, code: str) -> list:  # type: ignore[type-arg]
    return [d for d in report_diags if d.code == code]


def test_max_file_bytes_is_configurable(tree: Path) -> None:
    assert not mlt(run_all([tree], max_file_bytes=20_000).diagnostics, "MLT004")
    report = run_all([tree], max_file_bytes=100)
    assert {Path(d.path).name for d in mlt(report.diagnostics, "MLT004")} >= {"MLmodel", "meta.yaml"}


def test_ten_million_metric_lines(tree: Path) -> None:
    metrics = tree / "mlruns" / EXP / RUN / "metrics"
    # Written in chunks: a forked child's ru_maxrss starts at the parent's RSS, so the test
    # process itself must stay small for the measurement to mean anything.
    for name, line in (("short", b"0 0 0\n"), ("real", b"1795715002397 0.3333333333333333 2\n")):
        with open(metrics / name, "wb") as handle:  # 60 MB (under the size cap) and 350 MB
            for _ in range(10):
                handle.write(line * 1_000_000)
    code, out, rss = measured_check([str(metrics / "short")], tree)
    assert code != 2 and "MLT900" not in out, out
    # The 60 MB file may be parsed: allow its text plus bounded per-line work, never per-line objects.
    assert rss < MEMORY_BOUND, rss


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [70, 900, 10_000, 200_000])
def test_deeply_nested_signature(tree: Path, depth: int) -> None:
    mlmodel = tree / "saved_pyfunc" / "MLmodel"
    text = mlmodel.read_text()
    start = text.index("  inputs: ")
    end = text.index("  outputs: ")
    nested = json.dumps(json.dumps([{"type": "string", "name": "x", "deep": json.loads("[]")}]))
    nested = nested.replace("[]", nested_json(depth))
    mlmodel.write_text(text[:start] + f"  inputs: {nested}\n" + text[end:])
    report = run_all([tree / "saved_pyfunc"])
    assert_no_crash(report)
    assert any("signature.inputs" in d.message and "nested" in d.message for d in report.diagnostics), \
        [d.message for d in report.diagnostics]


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deeply_nested_documents(tree: Path, depth: int) -> None:
    target = tree / "saved_pyfunc" / "conda.yaml"
    target.write_text("dependencies: " + nested_json(depth))
    report = run_all([tree / "saved_pyfunc"])
    assert_no_crash(report)
    assert [d.code for d in report.diagnostics if d.path.endswith("conda.yaml")] in (["MLT002"], ["MLT004"])
    json_file = tree / "saved_pyfunc" / "input_example.json"
    json_file.write_text(nested_json(depth))
    result = load(json_file, tree, "json")  # no rule of this checkout may read it: the loader
    assert isinstance(result, FileFailure) and result.code in ("MLT002", "MLT004")
    assert isinstance(load(json_file, tree, "json", max_depth=depth + 1), Document) or depth > 900


def test_huge_integers(tree: Path) -> None:
    (tree / "saved_pyfunc" / "MLmodel").write_text("flavors: {}\nmodel_size_bytes: 0x" + "f" * 5000 + "\n")
    report = run_all([tree / "saved_pyfunc"])
    assert_no_crash(report)
    assert any(d.code == "MLT004" for d in report.diagnostics)


def _frame(length: int, body: bytes = b"") -> bytes:
    return b"\x80\x04\x95" + length.to_bytes(8, "little") + body


@pytest.mark.parametrize("payload", [
    _frame(2**62, b"N."),  # FRAME declaring 4 EiB
    _frame(2**64 - 1),
    b"\x80\x05\x8e" + (2**63).to_bytes(8, "little"),  # BINBYTES8 of 8 EiB
    b"\x80\x04\x8d" + (2**62).to_bytes(8, "little") + b"x",  # BINUNICODE8
    b"\x80\x02B" + (2**31 - 1).to_bytes(4, "little"),  # BINBYTES of 2 GiB, then nothing
    b"\x80\x02(" * 20_000 + b".",  # MARK bomb
    b"\x80\x02" + b"]" * 1_100_000 + b".",  # over the stack cap of empty lists
], ids=["frame-4EiB", "frame-max", "binbytes8", "binunicode8", "binbytes-2GiB", "marks", "lists"])
def test_pickle_declared_lengths_do_not_allocate(payload: bytes) -> None:
    before = _rss()
    report = pickles.scan_bytes(payload, name="model.pkl")
    assert report.findings, "a truncated or capped pickle must give a finding, never a clean pass"
    # ru_maxrss is the process's peak so far: growth past it is what this scan allocated.
    assert _rss() - before < MEMORY_BOUND, _rss() - before
    if len(payload) < 100_000:  # tracemalloc is slow: only on the short declared-length payloads
        tracemalloc.start()
        try:
            pickles.scan_bytes(payload, name="model.pkl")
            assert tracemalloc.get_traced_memory()[1] < 16 * MB
        finally:
            tracemalloc.stop()


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def test_pickle_scanner_caps_are_documented() -> None:
    """docs/robustness.md lists the pickle scanner's caps with their current defaults."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "robustness.md").read_text()
    for field in pickles.Limits.__dataclass_fields__.values():
        assert f"`{field.name}`" in doc, f"pickle cap {field.name} is not documented"


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_pickle_scanner_never_opens_special_files_for_reading(tmp_path: Path, kind: str) -> None:
    """`scan_file` on a FIFO used to block in open() until a writer came (forever)."""
    path = tmp_path / "model.pkl"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")  # endless: must not be streamed to the 8 GiB byte cap
    done = threading.Event()
    result: list[pickles.ScanReport] = []
    worker = threading.Thread(target=lambda: (result.append(pickles.scan_file(path)), done.set()),
                              daemon=True)
    worker.start()
    assert done.wait(30), "scan_file hung"
    assert result[0].findings and not result[0].complete


@pytest.mark.parametrize("setting, value, file", [
    ("max-file-bytes", 200, "MLmodel"),
    ("max-yaml-nodes", 20, "MLmodel"),
    ("max-nesting-depth", 2, "MLmodel"),
])
def test_caps_are_config_keys(tree: Path, setting: str, value: int, file: str) -> None:
    code, out, _ = measured_check(["saved_pyfunc"], tree)
    assert "MLT004" not in out
    # The project's config, above the artifact (one inside it is never read: see
    # test_never_executes.py::test_config_shipped_inside_the_artifact_is_not_trusted).
    (tree / "mlint.toml").write_text(f"[tool.mlint]\n{setting} = {value}\n")
    code, out, _ = measured_check(["saved_pyfunc"], tree)
    assert f"saved_pyfunc/{file}:0:0: MLT004" in out and code == 1, out
