"""`mlint.rulekit.leafread.leaf_texts` reads a params/tags/metrics folder in one loop: it must
report exactly what `Unit.text` on each file reported (texts, recorded failures, the files
counted and signed for the result cache), and open nothing the per-file guard would refuse."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from mlint.discovery.units import Context, Experiment, Run, Unit
from mlint.reading.deps import Tracker
from mlint.reading.filecache import FileCache
from mlint.rulekit.leafread import adopt_text, leaf_text, leaf_texts
from mlint.rulekit.tracking import leaf_sizes

MAX_BYTES = 64
OPENED: list[str] = []
WATCHING: list[str] = []  # the secret folder, while a test watches it


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and WATCHING and isinstance(args[0], str | bytes | os.PathLike):
        path = os.fsdecode(args[0])
        if path.startswith(WATCHING[0]):
            OPENED.append(path)


sys.addaudithook(_audit)


def _hostile_folder(folder: Path, outside: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "alpha").write_text("0.1")
    (folder / "newline").write_text("0.1\n")
    (folder / "empty").write_bytes(b"")
    (folder / "latin1").write_bytes(b"caf\xe9")
    (folder / "binary").write_bytes(b"\x00\x01")
    (folder / "huge").write_bytes(b"x" * (MAX_BYTES + 1))
    (folder / "at-cap").write_bytes(b"y" * MAX_BYTES)
    (folder / "nested").mkdir()
    (folder / "nested" / "key").write_text("v\r\n")
    (folder / "back\\slash").write_text("b")
    (folder / "..\\..\\climb").write_text("c")  # the guard reads a backslash as `/`: refused
    (folder / ".hidden").write_text("h")
    os.mkfifo(folder / "fifo")
    (folder / "link-out").symlink_to(outside / "secret")
    (folder / "dir-out").symlink_to(outside)
    (folder / "dangling").symlink_to(folder / "nowhere")
    (folder / "link-in").symlink_to(folder / "alpha")
    (folder / "loop").symlink_to(folder / "loop")


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "mlruns"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s3cret\n")
    run = root / "0" / "r1"
    _hostile_folder(run / "params", outside)
    _hostile_folder(run / "tags", outside)
    (run / "metrics").symlink_to(outside)  # the folder itself leads out
    (run / "meta.yaml").write_text("run_id: r1\n")
    return root, outside


def _unit(root: Path, kind: type[Unit] = Run) -> tuple[Unit, FileCache]:
    cache = FileCache(max_bytes=MAX_BYTES)
    cache.accessed, cache.tracker = set(), Tracker()
    path = root / "0" if kind is Experiment else root / "0" / "r1"
    return kind(path, Context(root, root, cache)), cache


def _per_file(unit: Unit, folder: str, empty: bool) -> dict[str, str | None]:
    """What the rules did before: `Unit.text` on every (non-empty) file of the listing."""
    texts: dict[str, str | None] = {}
    for key, size in leaf_sizes(unit, folder).items():
        if size or empty:
            doc = unit.text(f"{folder}/{key}")
            texts[key] = doc.text if doc is not None else None
    return texts


def _observed(cache: FileCache) -> tuple[Any, ...]:
    assert cache.tracker is not None
    return (cache.failures, cache.accessed, cache.tracker.files, cache.files_read)


@pytest.mark.parametrize("folder", ["params", "tags", "metrics"])
@pytest.mark.parametrize("empty", [False, True])
def test_batched_read_reports_what_per_file_reads_reported(tree: tuple[Path, Path], folder: str,
                                                           empty: bool) -> None:
    root, outside = tree
    batched, batched_cache = _unit(root)
    reference, reference_cache = _unit(root)
    WATCHING[:] = [str(outside)]
    try:
        texts = leaf_texts(batched, folder, empty=empty)
    finally:
        WATCHING.clear()
    assert OPENED == []  # nothing outside the checked folder was opened
    assert texts == _per_file(reference, folder, empty)
    assert _observed(batched_cache) == _observed(reference_cache)
    if folder != "metrics":
        assert texts["newline"] == "0.1\n" and texts["nested/key"] == "v\r\n"
        assert texts["latin1"] is None and texts["huge"] is None and texts["at-cap"] == "y" * MAX_BYTES
        # A link out is refused by the guard (MLM100's business, not recorded); dangling and
        # looping links, FIFOs and links to folders are not files of the listing at all.
        assert texts["link-in"] == "0.1" and texts["link-out"] is None
        assert texts["back\\slash"] == "b" and texts["..\\..\\climb"] is None
        assert not {"fifo", "dangling", "loop", "dir-out/secret"} & set(texts)
        assert ("empty" in texts) is empty
        codes = {p.name: f.code for p, f in batched_cache.failures.items()}
        assert codes == {"latin1": "MLT006", "binary": "MLT006", "huge": "MLT004"}
    else:
        assert texts == {"secret": None}  # refused by the guard, as Unit.text refuses it
        assert batched_cache.failures == {} and batched_cache.files_read == 0


def test_experiment_tags_and_a_second_call_read_nothing_again(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    exp_tags = root / "0" / "tags"
    _hostile_folder(exp_tags, outside)
    batched, cache = _unit(root, Experiment)
    reference, reference_cache = _unit(root, Experiment)
    assert leaf_texts(batched, "tags") == _per_file(reference, "tags", False)
    assert _observed(cache) == _observed(reference_cache)
    read = cache.files_read
    leaf_texts(batched, "tags")
    assert cache.files_read == read


def test_adopted_document_is_what_unit_text_would_have_cached(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    unit, cache = _unit(root)
    leaf_texts(unit, "params")
    path = unit.file("params/newline")
    assert cache.document(path) is None  # the loop keeps no Document per file ...
    adopt_text(unit, "params", "newline")  # ... until a rule reports on one
    doc = cache.document(path)
    assert doc is not None and (doc.path, doc.kind, doc.text) == (path, "text", "0.1\n")
    read = cache.files_read
    assert unit.text("params/newline") is doc and cache.files_read == read


def _per_file_one(unit: Unit, rel: str) -> str | None:
    """What RUN113 did before for one logged-model metric file."""
    if not unit.is_file(rel):
        return None
    doc = unit.text(rel)
    return doc.text if doc is not None else None


@pytest.mark.parametrize("folder", ["params", "metrics"])
def test_one_leaf_reads_what_is_file_then_text_read(tree: tuple[Path, Path], folder: str) -> None:
    root, outside = tree
    (outside / "sub").mkdir()
    (outside / "sub" / "deep").write_text("d")
    keys = ["alpha", "newline", "empty", "latin1", "huge", "nested/key", "back\\slash",
            "..\\..\\climb", "fifo", "link-out", "link-in", "dangling", "loop", "dir-out/secret",
            "nested", "missing", "secret", "sub/deep"]
    for key in keys:
        batched, cache = _unit(root)
        reference, reference_cache = _unit(root)
        WATCHING[:] = [str(outside)]
        try:
            text = leaf_text(batched, folder, key)
        finally:
            WATCHING.clear()
        assert OPENED == [], key
        assert text == _per_file_one(reference, f"{folder}/{key}"), key
        assert cache.failures == reference_cache.failures, key  # only the asked file's failure
        assert cache.accessed == reference_cache.accessed, key
        assert cache.tracker is not None and reference_cache.tracker is not None
        assert set(cache.tracker.files) == set(reference_cache.tracker.files), key
