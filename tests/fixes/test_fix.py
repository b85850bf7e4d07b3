"""`mlint check --fix` / `mlint fix`: what is fixed, what is refused, and the guarantees."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mlint.cli import main
from mlint.core.diagnostics import Diagnostic, Severity
from mlint.fixes import Edit, Fix, FixContext
from mlint.fixes.builtin import dedupe_lines
from mlint.fixes.plan import plan_fixes
from tests.fixes.conftest import copy_tree, snapshot

GATE = ["--select", "@migration", "--no-cache", "--format", "concise"]


def metric_files_with_duplicates(mlruns: Path) -> list[Path]:
    found = []
    for path in mlruns.rglob("*"):
        parts = path.relative_to(mlruns).parts
        if path.is_file() and "metrics" in parts and "artifacts" not in parts:
            lines = [line for line in path.read_bytes().splitlines() if line]
            if len(lines) != len(set(lines)):
                found.append(path)
    return found


def test_dedupe_keeps_first_occurrences_in_order() -> None:
    raw = b"3 1.0 0\n1 2.0 1\n3 1.0 0\n2 5.0 2\n1 2.0 1\n"
    assert dedupe_lines(raw) == b"3 1.0 0\n1 2.0 1\n2 5.0 2\n"


def test_dedupe_is_not_a_value_or_spelling_merge() -> None:
    # Same value at another step is real history; `nan`/`NaN` differ in text: both are kept.
    raw = b"1 0.5 0\n1 0.5 1\n5 nan 0\n5 NaN 0\n"
    assert dedupe_lines(raw) == raw


def test_dedupe_line_endings_and_blank_lines() -> None:
    assert dedupe_lines(b"1 2.0 0\r\n1 2.0 0\n\n\n1 2.0 0") == b"1 2.0 0\r\n\n\n"


def test_fix_makes_the_gate_pass_and_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert metric_files_with_duplicates(mlruns)
    assert main(["check", *GATE, "mlruns"]) == 1
    capsys.readouterr()
    assert main(["check", *GATE, "--fix", "mlruns"]) == 0
    err = capsys.readouterr().err
    assert "fixed 4 finding(s): 4 file(s) rewritten" in err and "0 remain" in err
    assert metric_files_with_duplicates(mlruns) == []
    fixed = snapshot(mlruns)
    assert main(["fix", *GATE, "mlruns"]) == 0  # `mlint fix` is `mlint check --fix`
    assert "nothing to fix" in capsys.readouterr().err
    assert snapshot(mlruns) == fixed


def test_diff_writes_nothing_and_shows_every_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    mlruns = copy_tree("3.17.2", tmp_path, empty_dirs=False)
    monkeypatch.chdir(tmp_path)
    before = snapshot(mlruns)
    assert main(["check", *GATE, "--extend-select", "RUN104", "--diff", "mlruns"]) == 1
    out = capsys.readouterr().out
    assert snapshot(mlruns) == before
    assert out.count("--- a/mlruns/") == len(metric_files_with_duplicates(mlruns)) == 4
    assert "mkdir mlruns/" in out
    assert "\n-1795718371957 1.0 0\n" in out  # the removed copy, as a reviewer sees it


def test_fix_keeps_mode_and_backs_up_originals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mlruns = copy_tree("3.17.2", tmp_path / "tree")
    monkeypatch.chdir(tmp_path)
    targets = metric_files_with_duplicates(mlruns)
    originals = {p: p.read_bytes() for p in targets}
    os.chmod(targets[0], 0o640)
    assert main(["check", *GATE, "--fix", "--backup", str(tmp_path / "bak"), str(mlruns)]) == 0
    assert stat.S_IMODE(os.stat(targets[0]).st_mode) == 0o640
    for path, data in originals.items():
        assert (tmp_path / "bak" / path.relative_to(mlruns)).read_bytes() == data
        assert path.read_bytes() != data
    assert list(mlruns.rglob(".mlint-fix-*")) == []


def test_backup_inside_the_tree_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    before = snapshot(mlruns)
    assert main(["check", *GATE, "--fix", "--backup", "mlruns/bak", "mlruns"]) == 2
    assert snapshot(mlruns) == before


def test_running_run_is_not_fixed_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    target = metric_files_with_duplicates(mlruns)[0]
    meta = target.parent.parent / "meta.yaml"
    meta.write_text(meta.read_text().replace("status: 3", "status: 1"))
    original = target.read_bytes()
    assert main(["check", *GATE, "--fix", "mlruns"]) == 1
    err = capsys.readouterr().err
    assert "is RUNNING (pass --fix-running" in err
    assert target.read_bytes() == original
    assert main(["check", *GATE, "--fix", "--fix-running", "mlruns"]) == 0
    assert target.read_bytes() == dedupe_lines(original)


def test_unsafe_fix_needs_the_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """An experiment moved to .trash/ by hand stays `active` (as MLflow 1.x left them)."""
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    experiment = next(e for e in mlruns.iterdir() if e.name.isdigit() and e.name != "0")
    (mlruns / ".trash").mkdir(exist_ok=True)
    experiment.rename(mlruns / ".trash" / experiment.name)
    args = ["check", "--select", "RUN101,RUN107", "--fail-on", "warning", "--no-cache", "mlruns"]
    assert main(args) == 1
    capsys.readouterr()
    assert main([*args, "--fix"]) == 1
    assert "more fixable with --unsafe-fixes" in capsys.readouterr().err
    assert main([*args, "--fix", "--unsafe-fixes"]) == 0
    meta = (mlruns / ".trash" / experiment.name / "meta.yaml").read_text()
    assert "lifecycle_stage: deleted" in meta
    runs = [m for m in (mlruns / ".trash" / experiment.name).glob("*/meta.yaml")]
    assert runs and all("lifecycle_stage: deleted" in r.read_text() for r in runs)
    assert all("deleted_time: null" not in r.read_text() for r in runs)


def _finding(path: Path, code: str = "XYZ100") -> Diagnostic:
    return Diagnostic(path=str(path), line=0, column=0, code=code, name="x", severity=Severity.ERROR,
                      message="m")


def test_engine_refuses_edits_a_fix_does_not_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A buggy (or hostile plug-in) fix cannot write a pickle, a file it does not own, or
    outside the checked paths."""
    from mlint.fixes import model

    pickle = tmp_path / "model" / "model.pkl"
    pickle.parent.mkdir()
    pickle.write_bytes(b"\x80\x04K\x01.")
    outside = tmp_path.parent / "elsewhere.txt"

    def greedy(finding: Diagnostic, files: FixContext) -> list[Edit]:
        return [Edit(Path(finding.path), b"x", files.read(Path(finding.path)))]

    monkeypatch.setitem(model.FIXES, "XYZ100", Fix("XYZ100", True, ("*",), "s", greedy))
    monkeypatch.setitem(model.FIXES, "XYZ101", Fix("XYZ101", True, ("*/metrics/*",), "s", greedy))
    (tmp_path / "MLmodel").write_text("flavors: {}\n")
    plan = plan_fixes([_finding(pickle), _finding(outside), _finding(tmp_path / "MLmodel", "XYZ101")],
                      [tmp_path])
    assert plan.edits == {} and plan.fixed == []
    reasons = [why for _, why in plan.skipped]
    assert "serialized object" in reasons[0]
    assert "outside the checked paths" in reasons[1]
    assert "does not own" in reasons[2]


def test_run_folders_are_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mlruns = copy_tree("3.17.2", tmp_path, empty_dirs=False)
    monkeypatch.chdir(tmp_path)
    args = ["check", "--select", "RUN104", "--no-cache", "mlruns"]
    assert main(args) == 1
    assert main([*args, "--fix"]) == 0
    runs = [m.parent for m in mlruns.glob("*/*/meta.yaml") if "run_id" in m.read_text()]
    assert runs and all((r / d).is_dir() for r in runs for d in ("metrics", "params", "tags", "artifacts"))


def test_rules_and_explain_show_fixability(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "RUN200"]) == 0
    assert "Fix: safe" in capsys.readouterr().out
    assert main(["explain", "RUN101"]) == 0
    assert "Fix: unsafe" in capsys.readouterr().out
    assert main(["explain", "RUN202"]) == 0
    assert "Fix:" not in capsys.readouterr().out.split("\n\n")[-1]
    assert main(["rules", "--format", "json"]) == 0
    import json

    rules = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    assert rules["RUN200"]["fix"] == "safe" and rules["RUN107"]["fix"] == "unsafe"
    assert rules["RUN202"]["fix"] is None


@pytest.mark.parametrize("code", ["ENV111", "MLM124"])
def test_unsafe_model_fixes_resolve_their_rule(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from tests.conftest import TESTS

    model = tmp_path / "model"
    shutil.copytree(TESTS / "rules" / code / "bad" / "model", model)
    monkeypatch.chdir(tmp_path)
    before = snapshot(model)
    args = ["check", "--select", code, "--fail-on", "warning", "--no-cache", "--format", "concise", "model"]
    assert main([*args, "--fix"]) == 1  # unsafe: not applied by --fix alone
    assert snapshot(model) == before
    capsys.readouterr()
    assert main([*args, "--fix", "--unsafe-fixes"]) == 0
    assert "0 remain" in capsys.readouterr().err
    changed = [rel for rel, data in snapshot(model).items() if data != before[rel]]
    assert changed == (["requirements.txt"] if code == "ENV111" else ["MLmodel"])


def test_requirements_fix_copies_the_conda_pip_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from mlint.fixes.model_fixes import conda_pip_list
    from tests.conftest import TESTS

    model = tmp_path / "model"
    shutil.copytree(TESTS / "rules" / "ENV111" / "bad" / "model", model)
    pip = conda_pip_list(FixContext(), model / "conda.yaml")
    assert pip and "skops==0.16.0" in pip
    monkeypatch.chdir(tmp_path)
    main(["check", "--select", "ENV111", "--fix", "--unsafe-fixes", "--no-cache", "-q", "model"])
    assert (model / "requirements.txt").read_text().splitlines() == pip


def test_python_env_is_written_from_conda_as_mlflow_derives_it(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from mlflow.utils.environment import _PythonEnv  # the real derivation, for comparison

    from tests.conftest import DATA

    source = next((DATA / "mlflow" / "3.17.2").rglob("python_env.yaml")).parent
    model = tmp_path / "model"
    shutil.copytree(source, model)
    (model / "python_env.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    args = ["check", "--select", "MLM011", "--no-cache", "-q", "model"]
    assert main([*args, "--fix"]) == 1
    assert not (model / "python_env.yaml").exists()
    assert main([*args, "--fix", "--unsafe-fixes"]) == 0
    import yaml

    written = yaml.safe_load((model / "python_env.yaml").read_text())
    expected = {k: v for k, v in _PythonEnv.from_conda_yaml(model / "conda.yaml").to_dict().items() if v}
    assert written == expected
    assert stat.S_IMODE(os.stat(model / "python_env.yaml").st_mode) & 0o044 == 0o044 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_diff_escapes_artifact_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    target = metric_files_with_duplicates(mlruns)[0]
    target.write_bytes(b"5 1.0 0\n5 1.0 0\n" + b"1 2.0 0\x1b[2J\n" * 2)
    main(["check", *GATE, "--diff", "mlruns"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "-1 2.0 0\\x1b[2J\n" in out


def test_a_crashing_fix_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from mlint.fixes import model

    def broken(finding: Diagnostic, files: FixContext) -> list[Edit]:
        raise KeyError("boom")

    monkeypatch.setitem(model.FIXES, "RUN200", Fix("RUN200", True, ("*/metrics/*",), "s", broken))
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    before = snapshot(mlruns)
    assert main(["check", *GATE, "--fix", "mlruns"]) == 1
    assert "fix RUN200 crashed (a bug in the fix" in capsys.readouterr().err
    assert snapshot(mlruns) == before


def test_a_failing_write_is_reported_and_the_rest_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from mlint.fixes import apply

    real = apply.replace_atomically
    calls: list[Path] = []

    def flaky(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise PermissionError(13, "Permission denied")
        real(path, data)

    monkeypatch.setattr(apply, "replace_atomically", flaky)
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", *GATE, "--fix", "mlruns"]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "Permission denied" in err
    assert "3 file(s) rewritten" in err and "1 remain" in err
    assert metric_files_with_duplicates(mlruns) == [tmp_path / calls[0]]


def test_blank_metric_lines_are_deleted_and_other_bad_lines_kept(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", *GATE, "--fix", "mlruns"]) == 0
    blank, garbled = metric_files_with_duplicates(copy_tree("3.17.2", tmp_path / "orig"))[:2]
    blank = mlruns / blank.relative_to(tmp_path / "orig" / "mlruns")
    garbled = mlruns / garbled.relative_to(tmp_path / "orig" / "mlruns")
    clean = blank.read_bytes()
    blank.write_bytes(clean + b"\n  \r\n")
    garbled_clean = garbled.read_bytes()
    garbled.write_bytes(garbled_clean + b"\n17958 0.5 x\n")
    assert main(["check", *GATE, "--fix", "mlruns"]) == 1
    assert blank.read_bytes() == clean
    # A damaged point is the user's to judge; the blank line before it went.
    assert garbled.read_bytes() == garbled_clean + b"17958 0.5 x\n"


def test_fixes_read_no_fifo_no_link_and_nothing_over_the_cap(tmp_path: Path) -> None:
    fifo = tmp_path / "loss"
    os.mkfifo(fifo)
    (tmp_path / "big").write_bytes(b"1 2.0 0\n" * 10)
    (tmp_path / "link").symlink_to(tmp_path / "big")
    files = FixContext(max_bytes=40)
    assert files.read(fifo) is None  # would block forever if opened
    assert files.read(tmp_path / "big") is None
    assert files.read(tmp_path / "link") is None
    assert FixContext().read(tmp_path / "big") == b"1 2.0 0\n" * 10


def test_a_metric_file_given_explicitly_is_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pre-commit passes files: the fix may write the file it was given."""
    mlruns = copy_tree("3.17.2", tmp_path)
    monkeypatch.chdir(tmp_path)
    target = metric_files_with_duplicates(mlruns)[0]
    assert main(["check", *GATE, "--fix", str(target.relative_to(tmp_path))]) == 0
    assert target not in metric_files_with_duplicates(mlruns)
