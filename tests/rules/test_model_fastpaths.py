"""Fast paths of the model-folder unit next to the slow code they replace: each test builds an
input where a wrong fast path would give a different answer (docs/performance.md)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

import mlint
import mlint.pickle_targets as targets_module
from mlint import Config
from mlint.reading.filecache import FileCache
from mlint.discovery.units import Context, ModelDir
from tests.rules import pkl_fixtures as fx


def _model_unit(folder: Path, root: Path) -> ModelDir:
    return ModelDir(folder, Context(root, root, FileCache()))


def _dotdot_model(tmp_path: Path) -> Path:
    """A model whose MLmodel names its pickle as 'link/../model.pkl', `link` pointing outside.

    MLflow (and `os.path.realpath`) resolve the link first: the path lands outside the model
    folder, beside the link's target. A lexical `abspath` would collapse it to 'model.pkl'.
    """
    outside = tmp_path / "elsewhere" / "deep"
    outside.mkdir(parents=True)
    # What the reference really leads to: must never be read.
    (outside.parent / "model.pkl").write_bytes(fx.system_call("echo outside"))
    folder = fx.copy(fx.SK_PICKLE, tmp_path / "root" / "model")
    (folder / "model.pkl").write_bytes(fx.system_call("echo hi"))
    os.symlink(outside, folder / "link")
    mlmodel = folder / "MLmodel"
    mlmodel.write_text(mlmodel.read_text().replace(" model.pkl", " link/../model.pkl"))
    return folder


def test_inside_resolves_symlinks_before_dotdot(tmp_path: Path) -> None:
    folder = _dotdot_model(tmp_path)
    unit = _model_unit(folder, tmp_path / "root")
    assert os.path.realpath(folder / "link/../model.pkl") == str(tmp_path / "elsewhere" / "model.pkl")
    assert not targets_module._inside(unit, "link/../model.pkl")
    assert targets_module._inside(unit, "model.pkl")


def test_a_reference_through_link_and_dotdot_does_not_claim_the_pickle(tmp_path: Path) -> None:
    folder = _dotdot_model(tmp_path)
    config = dataclasses.replace(Config(), select=("PKL100",))
    found = mlint.run([str(folder)], config).diagnostics
    # Unclaimed, the pickle is still found by content, but reported on the file itself.
    assert [(Path(d.path).name, d.pointer) for d in found] == [("model.pkl", "")]


def test_plain_dir_is_isdir_and_not_islink(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("x")
    os.symlink(tmp_path / "d", tmp_path / "to-d")
    os.symlink(tmp_path / "gone", tmp_path / "dangling")
    unit = _model_unit(tmp_path, tmp_path)
    for name in ("d", "f", "to-d", "dangling", "missing", "f/x", "bad\x00name"):
        expected = os.path.isdir(tmp_path / name) and not os.path.islink(tmp_path / name)
        assert targets_module._plain_dir(unit, name) is expected, name


def test_unit_file_is_memoised_and_equal_to_the_join(tmp_path: Path) -> None:
    unit = _model_unit(tmp_path, tmp_path)
    assert unit.file("a/b.txt") == tmp_path / "a" / "b.txt"
    assert unit.file("a/b.txt") is unit.file("a/b.txt")
    assert unit.file("") == tmp_path
    del unit._files  # what the scheduler does when it leaves a unit: recomputed on demand
    assert unit.file("a/b.txt") == tmp_path / "a" / "b.txt"


def test_real_path_skips_abspath_only_when_it_is_a_no_op(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlint.reading import paths as units

    samples = ["/a/b", "/a/./b", "/a/../b", "//a/b", "///a", "/a//b", "/a/b/", "/", "a/b",
               "/a/.hidden", "/a/b.", "/a/.", "."]
    for text in samples:
        if units._normal_absolute(text):
            assert os.path.abspath(text) == text, text
    assert units._normal_absolute("/a/b") and not units._normal_absolute("/a/../b")
    # Same answers as os.path.realpath through links, '.' and '..' (the slow way for those).
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    for text in [str(tmp_path / "link" / "x"), str(tmp_path / "link"), f"{tmp_path}/./link/x",
                 f"{tmp_path}/real/../link/x", "link/x", f"{tmp_path}//real/x"]:
        units.forget_resolved()
        assert units.real_path(text) == os.path.realpath(text), text


REQUIREMENT_LINES = [
    "mlflow==3.17.2", "  scikit-learn==1.9.1  ", "numpy>=1,<3; python_version>'3.8'", "pkg[extra]==1",
    "name @ https://x/y.whl", "bad==", "==1.0", "a b c", "-r requirements.txt", "-r", "--pre",
    "--index-url", "--bogus", "-e .", "./local/pkg", "git+https://github.com/a/b", "x.tar.gz",
    "pkg==1 --hash=sha256:abc", "pkg @", "pkg>=1 ; bad marker",
]


def test_parse_memo_gives_parse_line_at_every_position(tmp_path: Path) -> None:
    from mlint.rulekit.envfiles import _parse
    from mlint.reading.requirements import parse_line

    unit = _model_unit(tmp_path, tmp_path)
    for line, column in [(1, 1), (7, 1), (3, 5), (1, 9), (1, 1)]:  # first call fills the memo
        for text in REQUIREMENT_LINES:
            assert _parse(unit, text, line, column) == parse_line(text, line, column), (text, line, column)
    errors = [parse_line(t, 1, 3) for t in REQUIREMENT_LINES if parse_line(t).kind == "error"]
    assert any(e.column != 3 for e in errors)  # an offset that the memo must shift, not reset


def test_real_child_equals_real_path(tmp_path: Path) -> None:
    from mlint.reading import paths as units

    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "f.pkl").write_text("x")
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path / "out", folder / "link")
    os.symlink(tmp_path / "out" / "gone", folder / "dangling")
    os.symlink(folder, tmp_path / "via")
    for base in (folder, tmp_path / "via"):  # a folder reached through a symlink too
        real_folder = units.real_path(base)
        for name in ("f.pkl", "sub", "link", "dangling", "missing", ".", "..", "", "sub/x",
                     "link/x", ".hidden"):
            units.forget_resolved()
            expected = units.real_path(base / name)
            assert units.real_child(real_folder, base / name, name) == expected, (base, name)
            if ".." not in name:
                assert expected == os.path.realpath(base / name), (base, name)


def test_real_dir_from_a_resolved_ancestor_equals_realpath(tmp_path: Path) -> None:
    """`_real_dir` extends the nearest folder already resolved by plain names; through a
    symlinked folder, a dangling link, missing folders and a deep chain it stays realpath."""
    from mlint.reading import paths as units

    deep = tmp_path / "real" / "a" / "b" / "c"
    deep.mkdir(parents=True)
    os.symlink(tmp_path / "real" / "a", tmp_path / "real" / "alias")
    os.symlink(tmp_path / "nowhere", tmp_path / "real" / "dangling")
    chain = tmp_path / "real" / "chain"
    chain.mkdir()
    long = chain / "/".join(f"d{i}" for i in range(300))
    long.mkdir(parents=True)
    cases = [deep, tmp_path / "real" / "alias" / "b" / "c", tmp_path / "real" / "alias" / "b",
             tmp_path / "real" / "dangling" / "x", tmp_path / "real" / "missing" / "y", long,
             Path("/")]
    for prime in (False, True):
        units.forget_resolved()
        if prime:  # resolved ancestors first, as discovery does
            for case in cases:
                units._real_dir(str(case.parent))
        for case in cases:
            assert units._real_dir(str(case)) == os.path.realpath(case), (prime, case)
    # A folder replaced by a symlink after being resolved is seen once the memo is dropped.
    units.forget_resolved()
    os.rename(deep, tmp_path / "moved")
    os.symlink(tmp_path / "moved", deep)
    assert units._real_dir(str(deep)) == str(tmp_path / "moved")


def test_requirement_lines_are_parsed_once_per_process(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # A project's model folders pin the same packages: the second folder parses nothing.
    from mlint.rulekit import envfiles
    from mlint.reading.requirements import parse_line

    calls: list[str] = []

    def counting(text: str, line: int = 1, column: int = 1) -> object:
        calls.append(text)
        return parse_line(text, line, column)

    monkeypatch.setattr(envfiles, "parse_line", counting)
    monkeypatch.setattr(envfiles, "_PARSED", {})
    first, second = (_model_unit(tmp_path / n, tmp_path) for n in ("a", "b"))
    for unit in (first, second):
        for column, text in enumerate(REQUIREMENT_LINES, start=1):
            assert envfiles._parse(unit, text, 2, column) == parse_line(text, 2, column), text
    assert sorted(calls) == sorted({t.strip() for t in REQUIREMENT_LINES})
    monkeypatch.setattr(envfiles, "MAX_PARSED", 3)
    monkeypatch.setattr(envfiles, "_PARSED", {})
    for text in REQUIREMENT_LINES:
        envfiles._parse(first, text)
        assert len(envfiles._PARSED) <= 3
