"""The mirror of a remote prefix (mlint.remote.stage) with an in-memory file system: retries,
failures as findings, bounded disk, and the URI/extra handling. No server needed."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path
from typing import Any

import pytest

from mlint.cli import main
from mlint.console import Progress
from mlint.core.config import Config
from mlint.core.registry import load_registry
from mlint.remote import stage as stage_module
from mlint.remote.check import Stages, check_remote
from mlint.remote.listing import Listing, Stats, bad_component
from mlint.remote.stage import Stage
from mlint.remote.uri import is_remote


class FakeFS:
    """`cat_file` over a dict; `flaky` objects raise a transient error that many times first."""

    def __init__(self, objects: dict[str, bytes], flaky: dict[str, int] | None = None) -> None:
        self.objects = objects
        self.flaky = dict(flaky or {})
        self.calls: list[tuple[str, int | None, int | None]] = []

    def cat_file(self, path: str, start: int | None = None, end: int | None = None) -> bytes:
        self.calls.append((path, start, end))
        if self.flaky.get(path, 0) > 0:
            self.flaky[path] -= 1
            raise ConnectionResetError(errno.ECONNRESET, "connection reset by peer")
        if path not in self.objects:
            raise FileNotFoundError(path)
        return self.objects[path][start or 0:end]


def make_stage(tmp_path: Path, objects: dict[str, bytes], **kw: Any) -> tuple[Stage, FakeFS]:
    fs = FakeFS({f"bkt/p/{k}": v for k, v in objects.items()}, **kw)
    listing = Listing(files={k: len(v) for k, v in objects.items()},
                      dirs={os.path.dirname(k) for k in objects if "/" in k})
    stage = Stage("fake://bkt/p", fs, "bkt/p", listing, base=str(tmp_path))
    stage.build()
    return stage, fs


def test_placeholders_have_the_real_size_and_no_data(tmp_path: Path) -> None:
    stage, fs = make_stage(tmp_path, {"a/meta.yaml": b"x: 1\n", "big.bin": b"\x01" * 100_000})
    big = Path(stage.local_root) / "big.bin"
    assert big.stat().st_size == 100_000 and big.stat().st_blocks == 0  # sparse
    assert fs.calls == []  # building the mirror sends nothing


def test_transient_errors_are_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_module, "BACKOFF", 0.0)
    stage, fs = make_stage(tmp_path, {"meta.yaml": b"x: 1\n"}, flaky={"bkt/p/meta.yaml": 2})
    path = os.path.join(stage.local_root, "meta.yaml")
    stage.ensure(path, None)
    assert Path(path).read_bytes() == b"x: 1\n"
    assert stage.stats.retries == 2 and len(fs.calls) == 3


def test_a_persistent_failure_is_a_finding_not_zeros(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_module, "BACKOFF", 0.0)
    stage, fs = make_stage(tmp_path, {"meta.yaml": b"x: 1\n"}, flaky={"bkt/p/meta.yaml": 99})
    path = os.path.join(stage.local_root, "meta.yaml")
    with pytest.raises(OSError, match=r"cannot fetch fake://bkt/p/meta\.yaml: ConnectionResetError"):
        stage.ensure(path, None)
    assert len(fs.calls) == stage_module.RETRIES
    with pytest.raises(OSError):  # remembered: not asked again
        stage.ensure(path, None)
    assert len(fs.calls) == stage_module.RETRIES
    # Through the reading layer, the failure is the usual "cannot be read" value (MLT003).
    from mlint.reading import fetch
    from mlint.reading.files import FileFailure, read_file

    fetch.stager = Stages([stage])
    try:
        failure = read_file(Path(path), Path(stage.local_root))
    finally:
        fetch.stager = None
    assert isinstance(failure, FileFailure) and failure.code == "MLT003"
    assert "cannot fetch fake://bkt/p/meta.yaml" in failure.message


def test_released_units_free_their_bytes(tmp_path: Path) -> None:
    stage, _ = make_stage(tmp_path, {"run/meta.yaml": b"a" * 5000, "run/metrics/loss": b"1 2 3\n",
                                     "other/meta.yaml": b"b" * 5000})
    run = os.path.join(stage.local_root, "run")
    stage.prefetch(run)
    meta = Path(run) / "meta.yaml"
    assert meta.read_bytes() == b"a" * 5000 and meta.stat().st_blocks > 0
    stage.release(run)
    assert meta.stat().st_size == 5000 and meta.stat().st_blocks == 0
    assert stage.kept_bytes == 0 and not stage.fetched
    stage.ensure(str(meta), None)  # asked again later: fetched again, correctly
    assert meta.read_bytes() == b"a" * 5000


def test_reads_outside_the_unit_stay_within_the_budget(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_module, "KEEP_BYTES", 10_000)
    objects = {f"m{i}/data": bytes([i]) * 4000 for i in range(6)}
    stage, _ = make_stage(tmp_path, objects)
    for i in range(6):
        path = os.path.join(stage.local_root, f"m{i}", "data")
        stage.ensure(path, None)
        assert Path(path).read_bytes() == bytes([i]) * 4000  # the file just asked for is kept
        assert stage.kept_bytes <= 10_000


def test_a_large_object_sniffed_is_read_by_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_module, "PREFETCH_MAX_BYTES", 1000)
    stage, fs = make_stage(tmp_path, {"w.bin": bytes(range(256)) * 1000})
    path = os.path.join(stage.local_root, "w.bin")
    stage.ensure(path, 16)
    assert fs.calls == [("bkt/p/w.bin", 0, 1 << 16)]
    assert Path(path).read_bytes()[:16] == bytes(range(16))
    stage.ensure(path, 100)  # within what is there: no request
    assert len(fs.calls) == 1
    stage.ensure(path, None)  # the whole object
    assert Path(path).read_bytes() == bytes(range(256)) * 1000


@pytest.mark.parametrize("key, why", [("a//b", "empty"), ("../x", "'..'"), ("./x", "'.'"),
                                      ("a\x00b", "NUL"), ("x" * 256, "255 bytes"), ("a/b.txt", "")])
def test_keys_that_are_no_local_path(key: str, why: str) -> None:
    assert (why in bad_component(key)) if why else bad_component(key) == ""


def test_which_uris_are_remote() -> None:
    assert is_remote("s3://b/p") and is_remote("gs://b/p") and is_remote("az://c/p")
    assert is_remote("abfss://c@acct.dfs.core.windows.net/p")
    for text in ("runs:/abc/model", "models:/m/1", "file:///x", "https://h/x", "mlflow-artifacts:/x",
                 "sqlite:///x.db", "postgresql://u@h/db", "memory://x", "C:/models", "mlruns"):
        assert not is_remote(text), text


@pytest.mark.parametrize("uri, extra", [("gs://bucket/mlruns", "mlint[gcs]"),
                                        ("az://container/mlruns", "mlint[azure]")])
def test_a_missing_protocol_package_names_its_extra(uri: str, extra: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    package = "gcsfs" if extra == "mlint[gcs]" else "adlfs"
    try:
        __import__(package)
        pytest.skip(f"{package} is installed")
    except ImportError:
        pass
    assert main(["check", "--isolated", uri]) == 2
    assert extra in capsys.readouterr().err


def test_missing_s3fs_names_the_extra(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    pytest.importorskip("fsspec")
    monkeypatch.setitem(sys.modules, "s3fs", None)  # `import s3fs` raises ImportError
    registry = sys.modules["fsspec.registry"]
    # fsspec keeps classes it imported before: forget s3's for this test.
    for name in ("s3", "s3a"):
        monkeypatch.delitem(registry._registry, name, raising=False)
    assert main(["check", "--isolated", "s3://bucket/mlruns"]) == 2
    err = capsys.readouterr().err
    assert "mlint[s3]" in err and "Traceback" not in err


def test_progress_shows_requests_and_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlint.remote.check as check_module

    objects = {"m/MLmodel": b"flavors: {}\n"}
    stage, _ = make_stage(tmp_path, objects)
    monkeypatch.setattr(check_module, "open_stage", lambda uri, *a, **k: stage)
    stream = io.StringIO()
    progress = Progress(stream)
    report = check_remote(["s3://bkt/p"], load_registry(), Config(), progress)
    assert report.units["model"] == 1
    assert "1/1 units, 1 requests, 12 B" in stream.getvalue()
    assert isinstance(report.remote["roots"][0]["get"], int)


def test_stats_merge() -> None:
    a, b = Stats(get=2, bytes=10), Stats(list=1, get=1, bytes=5)
    a.merge(b)
    assert a.as_dict() == {"list": 1, "get": 3, "head": 0, "other": 0, "bytes": 15, "retries": 0}


def test_a_local_check_imports_nothing_remote(tmp_path: Path) -> None:
    """The local path stays as it was: no fsspec, s3fs or Dask import, no read hook."""
    import subprocess
    import sys

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "MLmodel").write_text("flavors: {}\n")
    code = ("import sys\nfrom mlint.cli import main\nfrom mlint.reading import fetch\n"
            f"main(['check', '--isolated', '--no-cache', '-q', {str(tmp_path)!r}])\n"
            "assert fetch.stager is None\n"
            "names = ('fsspec', 's3fs', 'distributed', 'dask', 'mlint.remote.check')\n"
            "loaded = [m for m in names if m in sys.modules]\n"
            "print(loaded)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
