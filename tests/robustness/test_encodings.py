"""Encodings and platforms: non-UTF-8, BOMs, CRLF (line numbers stay right), Windows paths
inside MLmodel, and permission-denied files and folders."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.corpus import EXP, RUN, synthetic_files, write_tree
from tests.robustness.engine_helpers import assert_no_crash, run_all


@pytest.fixture
def model(tmp_path: Path) -> Path:
    tree = write_tree(tmp_path / "t", synthetic_files())
    return tree / "saved_pyfunc"


def located(model: Path, code: str) -> list[tuple[int, int]]:
    report = run_all([model])
    assert_no_crash(report)
    return [(d.line, d.column) for d in report.diagnostics if d.code == code]


def test_line_numbers_survive_bom_and_crlf(model: Path) -> None:
    mlmodel = model / "MLmodel"
    text = mlmodel.read_text().replace("python_model: python_model.pkl", "python_model: missing.pkl")
    expected_line = text.splitlines().index("    python_model: missing.pkl") + 1
    results = {}
    for name, data in {
        "lf": text.encode(),
        "crlf": text.replace("\n", "\r\n").encode(),
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "bom+crlf": b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
        "cr": text.replace("\n", "\r").encode(),  # old Mac line ends: YAML accepts them too
    }.items():
        mlmodel.write_bytes(data)
        results[name] = located(model, "MLM011")
    assert results["lf"] == [(expected_line, 5)]
    assert all(r == results["lf"] for r in results.values()), results


@pytest.mark.parametrize("data, line, column", [
    (b"flavors: {}\nname: caf\xe9\n", 2, 10),  # latin-1
    (b"flavors: {}\n\xff\xfen\x00a\x00", 0, 0),  # UTF-16 with BOM: binary (NULs)
    (b"a: 1\r\nb: \x80\r\n", 2, 4),  # CRLF + a stray continuation byte
])
def test_non_utf8_is_reported_with_its_position(model: Path, data: bytes, line: int, column: int) -> None:
    (model / "MLmodel").write_bytes(data)
    report = run_all([model])
    assert_no_crash(report)
    found = [(d.line, d.column) for d in report.diagnostics if d.code == "MLT006"]
    assert found == [(line, column)]


WINDOWS_AND_ESCAPING = ["model\\\\model.pkl", "C:\\\\models\\\\model.pkl", "\\\\\\\\server\\\\share\\\\m.pkl",
                        "../../../../etc/passwd", "/etc/passwd", "model/../../x.pkl", "nul", "CON"]


@pytest.mark.parametrize("value", WINDOWS_AND_ESCAPING)
def test_hostile_paths_inside_mlmodel(model: Path, value: str) -> None:
    mlmodel = model / "MLmodel"
    text = mlmodel.read_text()
    for key in ("python_model", "model_code_path"):
        text = text.replace(f"    {key}:", f"    {key}: \"{value}\"\n    x_{key}:")
    text = text.replace("conda: conda.yaml", f"conda: \"{value}\"")
    text = text.replace("code: code", f"code: \"{value}\"")
    mlmodel.write_text(text)
    report = run_all([model])
    assert_no_crash(report)
    # A path MLflow would resolve outside the folder (or not at all on POSIX) is a finding.
    assert any(d.path.endswith("MLmodel") and d.code != "MLT900" for d in report.diagnostics)


def _drop_dac_capabilities() -> None:
    """Root bypasses file permissions through CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH; removing
    them from the bounding set before exec makes root obey mode bits like anyone else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_permission_denied_files_and_folders(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "t", synthetic_files())
    locked = [tree / "saved_pyfunc" / "MLmodel", tree / "mlruns" / EXP / RUN / "meta.yaml",
              tree / "mlruns" / EXP / RUN / "metrics", tree / "mlruns" / "models" / "iris-lr"]
    for path in locked:
        path.chmod(0)
    try:
        if os.geteuid() == 0:
            runner = [sys.executable, "-P", "-m", "mlint", "check", str(tree), "--format", "concise"]
            try:
                result = subprocess.run(runner, capture_output=True, text=True, timeout=120,
                                        preexec_fn=_drop_dac_capabilities)
            except (OSError, subprocess.SubprocessError) as exc:
                pytest.skip(f"running as root and cannot drop CAP_DAC_*: {exc}")
            out, code = result.stdout, result.returncode
            if "Permission denied" in result.stderr and not out:
                pytest.skip("the interpreter itself is unreadable without CAP_DAC_*")
        else:
            from tests.robustness.engine_helpers import run_all as check
            report = check([tree])
            out = "".join(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}\n"
                          for d in report.diagnostics)
            code = 2 if report.internal_error else 1
    finally:
        for path in locked:
            path.chmod(0o755)
    assert code == 1, out
    assert "MLT900" not in out and "Traceback" not in out
    unreadable = [line for line in out.splitlines() if " MLT003 " in line]
    assert any("saved_pyfunc/MLmodel" in line and "permission denied" in line for line in unreadable), out
    assert any(f"{RUN}/meta.yaml" in line for line in unreadable), out
    assert any("iris-lr" in line for line in unreadable), out
