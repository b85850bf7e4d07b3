"""`mlint.pickle_memo.scan_cached`: a project's model folders hold the same pickle bytes, so a
content is scanned once per process. Its report must equal `scan_file`'s on every malicious
case and every real pickle in the fixtures, and nothing but complete reports of small
regular files may be memoised (docs/performance.md)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from malicious import cases

from mlint import pickle_memo
from mlint.pickle_budget import FILE_LIMITS
from mlint.pickles import Limits, scan_file

DATA = Path(__file__).resolve().parent.parent / "data" / "pickles"
REAL = sorted(p for p in DATA.rglob("*") if p.is_file() and p.suffix in (".pkl", ".pth", ".pt", ".joblib"))


@pytest.fixture(autouse=True)
def _fresh_memo() -> Iterator[None]:
    pickle_memo._REPORTS.clear()
    yield
    pickle_memo._REPORTS.clear()


def _both(path: Path, copy: Path, flavor: str | None, role: str | None) -> None:
    expected = scan_file(path, flavor=flavor, role=role, limits=FILE_LIMITS)
    assert pickle_memo.scan_cached(path, flavor=flavor, role=role, limits=FILE_LIMITS) == expected
    copy.write_bytes(path.read_bytes())
    hit = pickle_memo.scan_cached(copy, flavor=flavor, role=role, limits=FILE_LIMITS)
    assert hit == scan_file(copy, flavor=flavor, role=role, limits=FILE_LIMITS)
    assert hit.path == str(copy)


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_malicious_cases_answer_as_scan_file(case: object, tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(case.data)  # type: ignore[attr-defined]
    _both(path, tmp_path / "other.pkl", case.flavor, case.role)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", REAL, ids=lambda p: str(p.relative_to(DATA)))
def test_real_pickles_answer_as_scan_file(path: Path, tmp_path: Path) -> None:
    _both(path, tmp_path / path.name, "sklearn", "pickled_model")
    _both(path, tmp_path / ("2" + path.name), None, None)


def test_same_bytes_are_scanned_once_per_flavor_and_role(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = pickle_memo.scan_bytes

    def counting(data: bytes, **kw: object) -> object:
        calls.append(str(kw.get("flavor")))
        return real(data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pickle_memo, "scan_bytes", counting)
    data = next(c.data for c in cases() if c.name == "control-os-system")
    for i in range(3):
        (tmp_path / f"m{i}.pkl").write_bytes(data)
        pickle_memo.scan_cached(tmp_path / f"m{i}.pkl", flavor="sklearn", role="pickled_model",
                                limits=FILE_LIMITS)
    pickle_memo.scan_cached(tmp_path / "m0.pkl", flavor="pytorch", role="pickled_model",
                            limits=FILE_LIMITS)
    assert calls == ["sklearn", "pytorch"]


def test_incomplete_reports_are_not_memoised(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(next(c.data for c in cases() if c.name == "control-os-system"))
    tiny = Limits(max_bytes=10)
    report = pickle_memo.scan_cached(path, flavor=None, role=None, limits=tiny)
    assert not report.complete and report == scan_file(path, limits=tiny)
    assert not pickle_memo._REPORTS


def test_big_files_and_fifos_stream_through_scan_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pickle_memo, "MAX_MEMO_FILE_BYTES", 16)
    path = tmp_path / "model.pkl"
    path.write_bytes(next(c.data for c in cases() if c.name == "control-os-system"))
    assert os.path.getsize(path) > 16
    assert pickle_memo.scan_cached(path, flavor=None, role=None, limits=FILE_LIMITS) == scan_file(path)
    fifo = tmp_path / "fifo.pkl"
    os.mkfifo(fifo)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(
        pickle_memo.scan_cached(fifo, flavor=None, role=None, limits=FILE_LIMITS)), daemon=True)
    worker.start()
    worker.join(30)
    assert result and result[0] == scan_file(fifo)
    assert not pickle_memo._REPORTS


def test_a_remote_placeholder_is_fetched_before_the_memo_reads_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A remote check mirrors objects as zero-filled placeholders and fetches bytes on demand
    (mlint.reading.fetch): the memo reads small files itself, so it must ask for the bytes
    first — scanning the zeros would pass a malicious object unseen."""
    from mlint.reading import fetch

    evil = next(c for c in cases() if c.name == "control-os-system")
    real = tmp_path / "object.pkl"
    real.write_bytes(evil.data)
    placeholder = tmp_path / "placeholder.pkl"
    placeholder.write_bytes(bytes(len(evil.data)))
    asked: list[tuple[str, int | None]] = []

    class Stager:
        def ensure(self, path: str, head: int | None) -> None:
            asked.append((path, head))
            if path == str(placeholder):
                placeholder.write_bytes(real.read_bytes())

    monkeypatch.setattr(fetch, "stager", Stager())
    report = pickle_memo.scan_cached(placeholder, flavor=None, role=None, limits=FILE_LIMITS)
    # The whole object (head None, or a head past its end) before the memo reads it.
    assert any(p == str(placeholder) and (h is None or h > len(evil.data)) for p, h in asked)
    assert report.findings == scan_file(real, flavor=None, role=None, limits=FILE_LIMITS).findings
    assert report.findings
