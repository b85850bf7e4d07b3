"""SIG120/SIG121's verdict memo (`mlint.rulekit.sigsupport.memoised_verdict`): the same
example against the same signature is enforced once per process, and a hit gives exactly
the findings a fresh enforcement gives (docs/performance.md)."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mlint
from mlint import Config
from mlint.rulekit import sigsupport

RULES = Path(__file__).resolve().parent.parent / "rules"
BAD = sorted(p for code in ("SIG120", "SIG121") for p in (RULES / code / "bad").iterdir())
CONFIG = dataclasses.replace(Config(), select=("SIG120", "SIG121"))


def _findings(folder: Path) -> list[tuple[str, str, str, int, str]]:
    return [(d.code, d.message, d.pointer, d.line, Path(d.path).name)
            for d in mlint.run([str(folder)], CONFIG).diagnostics]


@pytest.fixture(autouse=True)
def _fresh_memo() -> Iterator[None]:
    sigsupport._VERDICTS.clear()
    yield
    sigsupport._VERDICTS.clear()


@pytest.mark.parametrize("folder", BAD, ids=lambda p: f"{p.parent.parent.name}-{p.name}")
def test_a_hit_gives_the_fresh_findings(folder: Path, tmp_path: Path) -> None:
    fresh = _findings(folder)
    assert fresh  # a bad fixture: the comparison must be about real findings
    assert sigsupport._VERDICTS  # ... and it filled the memo
    copy = shutil.copytree(folder, tmp_path / "copy")
    assert _findings(copy) == fresh  # answered from the memo
    sigsupport._VERDICTS.clear()
    assert _findings(copy) == fresh


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from mlint.rules import input_examples

    calls: list[str] = []
    for name in ("_input_example_problems", "_serving_problems"):
        original = getattr(input_examples, name)

        def counting(*args: Any, _original: Any = original, _name: str = name) -> Any:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(input_examples, name, counting)
    return calls


def test_identical_folders_are_enforced_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_calls(monkeypatch)
    source = RULES / "SIG120" / "bad" / "missing_column"
    for i in range(3):
        shutil.copytree(source, tmp_path / f"m{i}")
    found = [d for d in mlint.run([str(tmp_path)], CONFIG).diagnostics if d.code == "SIG120"]
    assert len(found) == 3 and len({d.message for d in found}) == 1
    assert sorted(calls) == ["_input_example_problems", "_serving_problems"]


@pytest.mark.parametrize("edit", [
    # the example file
    ("input_example.json", '"petal_length"]', '"petal_length", "petal_width"]'),
    # the signature
    ("MLmodel", '"name": "sepal_length"', '"name": "sepal_len"'),
    # the example info (a different file, same text: a different verdict key)
    ("MLmodel", "artifact_path: input_example.json", "artifact_path: other.json"),
    # the type-hint flag: MLflow does not enforce inputs then
    ("MLmodel", "is_signature_from_type_hint: false", "is_signature_from_type_hint: true"),
])
def test_what_the_verdict_depends_on_is_in_the_key(edit: tuple[str, str, str], tmp_path: Path) -> None:
    source = RULES / "SIG120" / "bad" / "missing_column"
    before = _findings(source)
    assert any(code == "SIG120" for code, *_ in before)
    copy = shutil.copytree(source, tmp_path / "m")
    name, old, new = edit
    text = (copy / name).read_text()
    assert old in text
    (copy / name).write_text(text.replace(old, new))
    if new == "artifact_path: other.json":
        shutil.copy(copy / "input_example.json", copy / "other.json")
    after = _findings(copy)
    sigsupport._VERDICTS.clear()
    assert after == _findings(copy)  # the memo answered as a fresh enforcement would
    assert after != before


def test_options_are_in_the_key(tmp_path: Path) -> None:
    source = RULES / "SIG120" / "bad" / "missing_column"
    copy = shutil.copytree(source, tmp_path / "m")
    (copy / "input_example.json").write_text(
        '{"columns": ["sepal_length", "sepal_width", "petal_length", "petal_width"], "data": '
        '[[5.1, 3.5, 1.4, 0.2], [5.1, 3.5, 1.4, "x"]]}')
    capped = dataclasses.replace(CONFIG, rule_options={"SIG120": {"max-example-rows": 1}})
    first = [d.message for d in mlint.run([str(copy)], CONFIG).diagnostics if d.code == "SIG120"]
    second = [d.message for d in mlint.run([str(copy)], capped).diagnostics if d.code == "SIG120"]
    assert first and not second  # the bad second row is past the cap


def _pass_through(model: Any, code: str, rel: Any, options: Any, compute: Any) -> Any:
    return compute()


REPO = RULES.parent.parent
TREES = [REPO / "examples", REPO / "tests" / "data" / "sig", REPO / "tests" / "data" / "mlflow",
         *(RULES / code for code in ("SIG120", "SIG121", "SIG100", "SIG101", "SIG110", "SIG111"))]


@pytest.mark.parametrize("tree", [t for t in TREES if t.exists()], ids=lambda p: p.name)
def test_the_memo_reads_exactly_the_files_the_rules_read(tree: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The memo's key reads the example file: only where the rule itself would read it, or the
    # file count (and the result cache's dependencies) would change. Unloadable signatures and
    # unknown example types are what examples/ and the SIG fixtures hold.
    from mlint.rules import input_examples

    config = dataclasses.replace(Config(), select=("SIG",))
    memoised = mlint.run([str(tree)], config)
    monkeypatch.setattr(input_examples, "memoised_verdict", _pass_through)
    direct = mlint.run([str(tree)], config)
    assert memoised.files == direct.files
    assert memoised.diagnostics == direct.diagnostics
