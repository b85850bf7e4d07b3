"""Every rule's fixtures: `good/` yields no diagnostic at all; `bad/` yields exactly the golden
output of that rule (and at least one finding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlint import Config

from tests.rules.harness import Case, all_cases, check_in, render

CASES = all_cases()


@pytest.mark.parametrize("case", [c for c in CASES if c.good_source], ids=lambda c: c.code)
def test_good_fixture_is_clean(case: Case, tmp_path: Path) -> None:
    work = case.materialize(tmp_path)
    diagnostics = check_in(work, ["good"], Config())  # default settings: every default-on rule
    assert render(diagnostics) == ""


@pytest.mark.parametrize("case", [c for c in CASES if (c.folder / "expected.txt").exists()
                                  or (c.folder / "bad").exists() or "bad_from" in c.spec],
                         ids=lambda c: c.code)
def test_bad_fixture_matches_golden(case: Case, tmp_path: Path, update_goldens: bool) -> None:
    work = case.materialize(tmp_path)
    diagnostics = check_in(work, case.bad_args(), case.config(select=(case.code,)))
    output = render(diagnostics)
    golden = case.folder / "expected.txt"
    if update_goldens:
        golden.write_text(output)
    assert output, f"{case.code}: the bad fixture produced no finding"
    assert {d.code for d in diagnostics} == {case.code}
    assert output == golden.read_text()
