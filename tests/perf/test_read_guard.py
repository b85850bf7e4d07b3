"""The read guard hands its lstat to the read (`Unit.load`): one lstat per checked file, and
the same answer as the separate guard (`leaves`) and read (`FileCache.get`) it replaces, on
every kind of entry a hostile folder can hold (docs/performance.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlint.discovery.units import Context, ModelDir, Run
from mlint.reading import paths
from mlint.reading.filecache import FileCache
from mlint.reading.files import FileFailure

NAMES = ("plain.txt", "sub/nested.txt", "sub/./nested.txt", "sub//nested.txt", "sub/", "sub",
         "link_in", "link_out", "dangling", "loop", "fifo", "missing", "sub/../plain.txt",
         "../outside.txt", "/etc/hostname", "link_dir/x.txt", "via_out/x.txt", ".", "nul\x00")


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    folder = root / "unit"
    (folder / "sub").mkdir(parents=True)
    (folder / "plain.txt").write_text("plain")
    (folder / "sub" / "nested.txt").write_text("nested\n")
    (folder / "sub" / "other.txt").write_text("other")
    (root / "beside.txt").write_text("beside")
    (tmp_path / "outside.txt").write_text("outside")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.txt").write_text("out")
    os.symlink(folder / "plain.txt", folder / "link_in")
    os.symlink(tmp_path / "outside.txt", folder / "link_out")
    os.symlink(folder / "gone", folder / "dangling")
    os.symlink(folder / "loop", folder / "loop")
    os.symlink(folder / "sub", folder / "link_dir")
    os.symlink(tmp_path / "out", folder / "via_out")
    os.mkfifo(folder / "fifo")
    return root, folder


def _describe(loaded: object) -> object:
    if isinstance(loaded, FileFailure):
        return ("failure", loaded.code, loaded.message)
    return ("document", getattr(loaded, "text", None))


@pytest.mark.parametrize("kind", [Run, ModelDir])
def test_fused_guard_and_read_answer_as_the_separate_ones(tmp_path: Path, kind: type[Run]) -> None:
    root, folder = _tree(tmp_path)
    fused = kind(folder, Context(root, root, FileCache()))
    separate_cache = FileCache()
    bound = folder if kind is ModelDir else root
    where = "model folder" if kind is ModelDir else "checked folder"
    for name in NAMES:
        paths.forget_resolved()
        why = paths.leaves(folder, bound, name, where)
        expected = (("failure", "MLM100", f"'{name}' {why}; not read") if why else
                    _describe(separate_cache.get(folder / name, root, "text")))
        got = _describe(fused.load(name, "text"))
        if why:
            assert got[0] == "failure" and got[2] == expected[2], name
        else:
            assert got == expected, name
        assert fused.outside(name) == why, name


def test_a_checked_read_lstats_the_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, folder = _tree(tmp_path)
    unit = Run(folder, Context(root, root, FileCache()))
    unit.load("sub/other.txt", "text")  # resolves the bound and the folder once
    calls: list[str] = []
    real_lstat = os.lstat

    def counting(path: object, *args: object, **kwargs: object) -> os.stat_result:
        calls.append(os.fspath(path))  # type: ignore[arg-type]
        return real_lstat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "lstat", counting)
    loaded = unit.load("sub/nested.txt", "text")
    assert _describe(loaded) == ("document", "nested\n")
    assert calls == [str(folder / "sub" / "nested.txt")]


def test_a_file_swapped_for_a_symlink_after_the_guard_is_still_vetted(tmp_path: Path) -> None:
    # The lstat handed over is the guard's own: if the name is a link by then, the read sees
    # a link and applies the root check, as a fresh lstat would have.
    root, folder = _tree(tmp_path)
    info = os.lstat(folder / "link_out")
    loaded = FileCache().get(folder / "link_out", root, "text", lstat=info)
    assert isinstance(loaded, FileFailure) and loaded.code == "MLT005"


def test_folders_resolve_from_their_known_parents_as_realpath_does(tmp_path: Path) -> None:
    base = tmp_path / "b"
    (base / "d1" / "d2" / "d3").mkdir(parents=True)
    (base / "f").write_text("x")
    (tmp_path / "elsewhere" / "deep").mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere", base / "d1" / "link")
    os.symlink(base / "d1" / "link" / "deep", base / "d1" / "d2" / "chain")
    os.symlink(base / "nowhere", base / "dangling")
    os.symlink(base / "loop", base / "loop")
    os.symlink("../d1", base / "d1" / "d2" / "up")
    os.symlink(base, tmp_path / "via")
    rels = ["", "d1", "d1/d2", "d1/d2/d3", "d1/link", "d1/link/deep", "d1/link/deep/x/y",
            "d1/d2/chain", "d1/d2/chain/z", "dangling", "dangling/x", "loop", "loop/x",
            "d1/d2/up", "d1/d2/up/d2/up/link", "f", "f/x", "missing/a/b", ".hidden/a", "d1/../d1",
            "d1//d2", "d1/./d2"]
    folders = [str(base / r) if r else str(base) for r in rels]
    folders += [str(tmp_path / "via" / r) for r in rels]
    for order in (folders, list(reversed(folders))):  # parents known first, then children first
        paths.forget_resolved()
        for folder in order:
            assert paths._real_dir(folder) == os.path.realpath(folder), folder
            assert paths._real_dir(folder) == os.path.realpath(folder), folder  # memo hit


def test_the_folder_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths, "_RESOLVED_MAX", 8)
    paths.forget_resolved()
    for i in range(20):
        folder = tmp_path / f"r{i}" / "params"
        assert paths._real_dir(str(folder)) == os.path.realpath(folder)
        assert len(paths._RESOLVED) <= 8
