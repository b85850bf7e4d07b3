"""In-artifact suppressions (MLmodel metadata, comments in text files) and the baseline round
trip; exit codes with --exit-zero and --fail-on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.integrations.conftest import REAL_MODEL, run_cli


def findings(out: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(out)["diagnostics"]  # type: ignore[no-any-return]


def add_metadata(model: Path, block: str) -> None:
    (model / "MLmodel").write_text((model / "MLmodel").read_text() + block)


def test_mlmodel_suppression_hides_and_include_suppressed_shows(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    add_metadata(workspace / "models" / "broken",
                 "metadata:\n  mlint:\n    ignore:\n    - {rule: MLM011, reason: pickle comes from LFS}\n")
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json")
    assert code == 0 and findings(out) == []
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json", "--include-suppressed")
    [hidden] = findings(out)
    assert code == 0 and hidden["code"] == "MLM011"
    assert hidden["suppressed"].startswith("pickle comes from LFS")
    # It applies to that model folder only.
    (workspace / "models" / "good" / "model.skops").unlink()
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json")
    assert code == 1 and {d["path"] for d in findings(out)} == {"models/good/MLmodel"}


def test_suppression_without_reason_is_not_applied(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    add_metadata(workspace / "models" / "broken", "metadata:\n  mlint:\n    ignore:\n    - {rule: MLM011}\n")
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json")
    assert code == 1 and sorted({d["code"] for d in findings(out)}) == ["MLM011", "MLT100"]


def test_comment_suppression_on_the_line_or_above(workspace: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A fake rule flags every requirement line, so the comment has something to silence.
    from mlint.core.diagnostics import INFO, Problem
    from mlint.core.registry import rule
    from mlint.discovery.units import ModelDir
    from mlint.rules import identity

    @rule("MLM998", "demo-requirement", scope=ModelDir, severity=INFO)
    def demo(model, options):  # type: ignore[no-untyped-def]
        """Demo: flags each requirement line. Why: test. Fix: test."""
        document = model.text("requirements.txt")
        for number, line in enumerate(document.text.splitlines() if document else [], 1):
            if line and not line.startswith("#"):
                yield Problem(f"requirement {line.split()[0]}", file="requirements.txt", line=number,
                              subject=line.split()[0])

    monkeypatch.setattr(identity, "demo_requirement", demo, raising=False)
    demo.__module__ = identity.__name__
    (workspace / "models" / "good" / "requirements.txt").write_text(
        "numpy==2.4.6  # mlint: ignore[MLM998] pinned by the platform\n"
        "# mlint: ignore[demo-requirement] reviewed\n"
        "pandas==3.1.1\n"
        "scipy==1.17.1\n"
        "# mlint: ignore[MLM998] nothing below\n")
    code, out, _ = run_cli(capsys, "check", "models/good", "--format", "json", "--fail-on", "info",
                           "--select", "MLM998,MLT102")
    rows = findings(out)
    assert [(d["code"], d["line"]) for d in rows] == [("MLM998", 4), ("MLT102", 5)]
    assert code == 1


def test_baseline_round_trip(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, "check", "models", "--write-baseline", "mlint-baseline.json")
    entries = json.loads((workspace / "mlint-baseline.json").read_text())["entries"]
    assert code == 0 and entries and "wrote" in err
    assert all(e["path"] == "models/broken/MLmodel" for e in entries)

    code, out, _ = run_cli(capsys, "check", "models", "--baseline", "mlint-baseline.json", "--format", "json")
    assert code == 0 and findings(out) == []
    # The same baseline matches when the paths are given differently (a file, from a subfolder).
    code, out, _ = run_cli(capsys, "check", "models/broken/MLmodel", "--baseline", "mlint-baseline.json",
                           "--format", "json")
    assert code == 0 and findings(out) == []

    # Lines shift above the finding: still baselined (fingerprints have no line numbers).
    mlmodel = workspace / "models" / "broken" / "MLmodel"
    mlmodel.write_text("# a comment\n\n" + mlmodel.read_text())
    code, out, _ = run_cli(capsys, "check", "models", "--baseline", "mlint-baseline.json", "--format", "json")
    assert code == 0 and findings(out) == []

    # A new finding is reported; the old one stays hidden.
    (workspace / "models" / "good" / "model.skops").unlink()
    code, out, _ = run_cli(capsys, "check", "models", "--baseline", "mlint-baseline.json", "--format", "json")
    assert code == 1 and {d["path"] for d in findings(out)} == {"models/good/MLmodel"}

    # The old finding is fixed: its entry is stale (MLT103), reported at its line in the baseline.
    shutil.copy(REAL_MODEL / "model.skops", workspace / "models" / "broken" / "model.skops")
    code, out, _ = run_cli(capsys, "check", "models/broken", "--baseline", "mlint-baseline.json",
                           "--format", "json")
    [stale] = [d for d in findings(out) if d["code"] == "MLT103"]
    assert "MLM011" not in {d["code"] for d in findings(out)}
    assert stale["code"] == "MLT103" and stale["path"] == "mlint-baseline.json" and stale["line"] >= 5
    assert code == 0, findings(out)  # a warning: under the default fail-on threshold
    # A check of another unit says nothing about that entry.
    code, out, _ = run_cli(capsys, "check", "models/good", "--baseline", "mlint-baseline.json",
                           "--format", "json")
    assert "MLT103" not in {d["code"] for d in findings(out)}


def test_bad_baseline_is_a_usage_error(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "b.json").write_text("[1, 2]")
    code, _, err = run_cli(capsys, "check", "models", "--baseline", "b.json")
    assert code == 2 and "not an mlint baseline" in err
    code, _, err = run_cli(capsys, "check", "models", "--baseline", "missing.json")
    assert code == 2 and "cannot be read" in err


@pytest.mark.parametrize(("args", "expected"), [
    ([], 1), (["--exit-zero"], 0), (["--fail-on", "error"], 1), (["--ignore", "MLM011"], 0),
])
def test_exit_codes(workspace: Path, capsys, args: list[str], expected: int) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(capsys, "check", "models", *args)[0] == expected


def test_exit_zero_still_exits_2_on_a_crash(workspace: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mlint.core import engine

    def boom(self, meta, unit, report):  # type: ignore[no-untyped-def]
        report.internal_error = True
        yield from ()

    monkeypatch.setattr(engine.Engine, "_apply", boom)
    assert run_cli(capsys, "check", "models", "--exit-zero")[0] == 2
