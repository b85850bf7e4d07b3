"""The command line as a user runs it: formats, exit codes, path handling, broken input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlint.cli import main
from tests.cli.trees import EXPERIMENT_ID, MLMODEL, RUN_ID, RUN_META, make_model, make_tree, write


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_tree(tmp_path, run_meta=RUN_META.replace(f"run_id: {RUN_ID}", "run_id: 0123abcd"))


def test_clean_tree_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path)
    code, out, _ = run_cli(capsys, "check", "mlruns", "--select", "RUN010,RUN011,RUN012,MLT")
    assert code == 0
    assert "Checked 3 units (1 experiment, 1 run, 1 tree)" in out
    assert "no findings" in out


def test_finding_exits_1_and_full_format_shows_source_line(
        broken_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "mlruns")
    assert code == 1
    path = f"mlruns/{EXPERIMENT_ID}/{RUN_ID}/meta.yaml"
    assert f"{path}:6:1: RUN010 [error] run_id '0123abcd' does not match the run folder" in out
    assert "6 | run_id: 0123abcd" in out  # the offending line, ruff-style
    assert "help: MLflow finds runs by folder name" in out


def test_concise_format(broken_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "mlruns", "--format", "concise", "--select", "RUN010")
    assert code == 1
    assert out == (f"mlruns/{EXPERIMENT_ID}/{RUN_ID}/meta.yaml:6:1: RUN010 [error] run_id '0123abcd' "
                   f"does not match the run folder '{RUN_ID}'\n")


def test_json_format_is_the_documented_contract(broken_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "mlruns", "--format", "json", "--select", "RUN010")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1
    assert doc["tool"]["name"] == "mlint"
    assert doc["summary"] == {"units": {"experiment": 1, "run": 1, "tree": 1}, "files": 2,
                              "errors": 1, "warnings": 0, "infos": 0, "suppressed": 0}
    [diag] = doc["diagnostics"]
    assert set(diag) == {"code", "name", "severity", "path", "line", "column", "pointer",
                         "message", "hint", "fingerprint", "help_uri"}
    assert diag["help_uri"].endswith("docs/rules.md#run010-run-id-mismatch")
    assert (diag["code"], diag["name"], diag["severity"]) == ("RUN010", "run-id-mismatch", "error")
    assert (diag["line"], diag["column"], diag["pointer"]) == (6, 1, "/run_id")


def test_fingerprint_is_independent_of_lines_and_working_directory(
        broken_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "mlruns", "--format", "json", "--select", "RUN010")
    first = json.loads(out)["diagnostics"][0]
    meta = broken_run / EXPERIMENT_ID / RUN_ID / "meta.yaml"
    meta.write_text("# a comment shifts every line\n" + meta.read_text())
    monkeypatch.chdir(broken_run)  # check the same tree from inside it
    code, out, _ = run_cli(capsys, "check", ".", "--format", "json", "--select", "RUN010")
    assert code == 1
    moved = json.loads(out)["diagnostics"][0]
    assert moved["line"] == first["line"] + 1
    assert moved["fingerprint"] == first["fingerprint"]


def test_fail_on_threshold_and_exit_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "notes" / "README.md", "no artifacts here")
    code, out, _ = run_cli(capsys, "check", "notes")  # MLT007 is a warning
    assert code == 0 and "MLT007" in out
    code, _, _ = run_cli(capsys, "check", "notes", "--fail-on", "warning")
    assert code == 1
    code, _, _ = run_cli(capsys, "check", "notes", "--fail-on", "info", "--exit-zero")
    assert code == 0


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", str(tmp_path), "--select", "NOPE999")
    assert code == 2 and "matches no rule" in err
    code, _, err = run_cli(capsys, "check", str(tmp_path), "--format", "yaml")
    assert code == 2 and "unknown format" in err
    with pytest.raises(SystemExit) as info:
        main(["check", "--format"])  # an option without its value
    assert info.value.code == 2


def test_rule_crash_exits_2_and_other_findings_are_still_printed(
        broken_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from mlint.rules import identity

    def explode(run, options):  # type: ignore[no-untyped-def]
        yield from ()
        raise KeyError("boom")

    meta = identity.run_experiment_matches_parent.__mlint_rule__  # type: ignore[attr-defined]
    monkeypatch.setattr(identity.run_experiment_matches_parent, "__mlint_rule__",
                        type(meta)(**{**meta.__dict__, "func": explode}))
    code, out, _ = run_cli(capsys, "check", "mlruns", "--format", "concise")
    assert code == 2
    assert "MLT900 [error] rule RUN012 (run-experiment-mismatch) crashed: KeyError: 'boom'" in out
    assert "RUN010 [error]" in out


def test_a_file_argument_maps_to_its_unit(broken_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = broken_run / EXPERIMENT_ID / RUN_ID / "params" / "C"
    write(params, "1.0")
    code, out, _ = run_cli(capsys, "check", str(params.relative_to(broken_run.parent)),
                           "--format", "json", "--select", "RUN010")
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"]["units"] == {"run": 1}
    assert [d["code"] for d in doc["diagnostics"]] == ["RUN010"]


def test_each_unit_is_checked_once(broken_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = f"mlruns/{EXPERIMENT_ID}/{RUN_ID}"
    code, out, _ = run_cli(capsys, "check", "mlruns", run_dir, f"{run_dir}/meta.yaml",
                           "--format", "json", "--select", "RUN010")
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"]["units"] == {"experiment": 1, "run": 1, "tree": 1}
    assert len(doc["diagnostics"]) == 1


def test_symlink_loop_is_reported_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    mlruns = make_tree(tmp_path)
    os.symlink("..", mlruns / EXPERIMENT_ID / RUN_ID / "artifacts" / "loop")
    os.symlink(mlruns, mlruns / EXPERIMENT_ID / "back")
    code, out, _ = run_cli(capsys, "check", "mlruns", "--format", "concise", "--select", "MLT")
    assert code == 0  # MLT005 is a warning
    assert f"mlruns/{EXPERIMENT_ID}/back:0:0: MLT005 [warning]" in out
    assert "loops back into the tree" in out
    assert f"mlruns/{EXPERIMENT_ID}/{RUN_ID}/artifacts/loop:0:0: MLT005" in out


def test_empty_meta_yaml_is_one_clear_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path, run_meta="")
    code, out, _ = run_cli(capsys, "check", "mlruns", "--format", "concise")
    assert code == 1
    lines = [line for line in out.splitlines() if f"{RUN_ID}/meta.yaml" in line]
    assert lines == [f"mlruns/{EXPERIMENT_ID}/{RUN_ID}/meta.yaml:0:0: RUN002 [error] 'meta.yaml' is empty"]


def test_binary_mlmodel_is_not_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "model" / "MLmodel", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.")
    code, out, _ = run_cli(capsys, "check", "model", "--format", "concise")
    assert code == 1
    assert out == "model/MLmodel:0:0: MLT006 [error] 'MLmodel' is binary data, expected a text file\n"


def test_invalid_yaml_reports_parser_position_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    make_model(tmp_path / "model", MLMODEL.replace("  sklearn:\n", "  sklearn: [\n"))
    code, out, _ = run_cli(capsys, "check", "model", "--format", "concise")
    assert code == 1
    assert out.count("\n") == 1 and "model/MLmodel:" in out and "MLT002 [error]" in out


def test_missing_path_and_two_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "check", "nowhere", "--format", "concise", "--format", "json:out.json")
    assert code == 1
    assert out == "nowhere:0:0: MLT001 [error] path does not exist\n"
    assert json.loads((tmp_path / "out.json").read_text())["diagnostics"][0]["code"] == "MLT001"


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "rules")
    assert code == 0 and "RUN010  run-id-mismatch" in out
    code, out, _ = run_cli(capsys, "explain", "run-id-mismatch")
    assert code == 0 and out.startswith("RUN010 run-id-mismatch\n") and "Why:" in out
    code, _, err = run_cli(capsys, "explain", "XYZ999")
    assert code == 2 and "no rule" in err


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    make_model(tmp_path / "model", with_pickle=False)
    result = subprocess.run([sys.executable, "-m", "mlint", "check", str(tmp_path / "model"),
                             "--select", "MLM011", "--format", "concise"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "MLM011 [error] 'model.pkl' does not exist" in result.stdout
