"""`read_head` asks the OS for what fstat reports (not the whole cap) and still returns exactly
the bytes `read(size)` would: files that grow after the fstat, and files over `size`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import mlint.reading.files as files
from mlint.reading.files import read_file, read_head

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.mark.parametrize("size", [0, 1, 100, len(DATA) - 1, len(DATA), len(DATA) + 1, 1 << 26])
def test_same_bytes_as_a_plain_read(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(DATA)
    assert read_head(path, size) == DATA[:size]


GROWN = [(0, 1 << 20), (10, 1 << 20), (10, 5000), (len(DATA) - 1, len(DATA))]


@pytest.mark.parametrize(("reported", "size"), GROWN)
def test_a_file_that_grew_after_fstat_is_read_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 reported: int, size: int) -> None:
    """fstat reporting fewer bytes than the file holds (it grew): the rest is read too."""
    path = tmp_path / "f.bin"
    path.write_bytes(DATA)
    real_fstat = os.fstat

    class Shrunk:
        def __init__(self, info: os.stat_result) -> None:
            self.st_mode, self.st_size = info.st_mode, reported

    monkeypatch.setattr(files.os, "fstat", lambda fd: Shrunk(real_fstat(fd)))
    assert read_head(path, size) == DATA[:size]


def test_read_file_over_the_cap_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(DATA)
    assert read_file(path, tmp_path, max_bytes=len(DATA)) == DATA
    failure = read_file(path, tmp_path, max_bytes=len(DATA) - 1)
    assert not isinstance(failure, bytes) and failure.code == "MLT004"
