"""Workers and the result cache are performance only: the diagnostics never change.

Each test compares against a plain serial, uncached check of the same tree, after edits
that must invalidate exactly the right cache rows (a file changed, added, deleted; a file
another unit reads; a folder listing). Nothing here measures time.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from mlint import Config, run
from mlint.cli import main
from mlint.core import engine as engine_module
from mlint.discovery.units import Context, Run
from mlint.perf import parallel
from mlint.reading.deps import Tracker
from mlint.reading.filecache import FileCache

EXP = "123456789012345678"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _run(root: Path, run_id: str, model_id: str, *, exp: str = EXP) -> None:
    folder = root / exp / run_id
    _write(folder / "meta.yaml",
           f"artifact_uri: file:///x/{run_id}/artifacts\nexperiment_id: '{exp}'\nlifecycle_stage: active\n"
           f"run_id: {run_id}\nrun_name: r\nstart_time: 1\nend_time: 2\nstatus: 3\nuser_id: u\n"
           "source_type: 4\nsource_name: ''\nentry_point_name: ''\nsource_version: ''\ntags: []\n")
    for sub in ("metrics", "params", "artifacts"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    _write(folder / "metrics" / "loss", "1 0.5 0\n")
    _write(folder / "params" / "C", "1.0")
    model = root / exp / "models" / model_id
    _write(model / "meta.yaml",
           f"artifact_location: file:///x/{model_id}/artifacts\ncreation_timestamp: 1\n"
           f"experiment_id: '{exp}'\nlast_updated_timestamp: 2\nmodel_id: {model_id}\nmodel_type: null\n"
           f"name: model\nsource_run_id: {run_id}\nstatus: 2\nstatus_message: null\n")
    _write(model / "artifacts" / "MLmodel",
           f"artifact_path: file:///x/{model_id}/artifacts\nflavors:\n  python_function:\n"
           "    loader_module: mlflow.sklearn\n    model_path: model.pkl\n    python_version: 3.11.7\n"
           "    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n"
           "  sklearn:\n    pickled_model: model.pkl\n    serialization_format: cloudpickle\n"
           f"    sklearn_version: 1.9.1\nmlflow_version: 3.17.2\nmodel_id: {model_id}\nmodel_size_bytes: 5\n"
           f"run_id: {run_id}\nutc_time_created: '2026-01-01 00:00:00.000000'\n")
    for name in ("model.pkl", "conda.yaml", "python_env.yaml"):
        _write(model / "artifacts" / name, "dependencies: []\n" if name == "conda.yaml" else "x: 1\n")


def make_tree(base: Path, runs: int = 24) -> Path:
    root = base / "mlruns"
    _write(root / "0" / "meta.yaml", "artifact_location: file:///x/0\nexperiment_id: '0'\n"
           "lifecycle_stage: active\nname: Default\ncreation_time: 1\nlast_update_time: 1\n")
    _write(root / EXP / "meta.yaml", f"artifact_location: file:///x/{EXP}\nexperiment_id: '{EXP}'\n"
           "lifecycle_stage: active\nname: demo\ncreation_time: 1\nlast_update_time: 1\n")
    for i in range(runs):
        _run(root, f"{i:032x}", f"m-{i:032x}")
    # A few defects so that there is something to keep identical.
    meta = root / EXP / f"{3:032x}" / "meta.yaml"
    meta.write_text(meta.read_text().replace(f"run_id: {3:032x}", "run_id: " + "f" * 32))
    (root / EXP / "models" / f"m-{5:032x}" / "artifacts" / "model.pkl").unlink()
    _write(root / EXP / f"{7:032x}" / "meta.yaml", "run_id: [unclosed\n")
    # Suppressions travel from workers and through the cache: one used, one unused (MLT102).
    for i, code in ((5, "MLM011"), (6, "MLM010")):
        mlmodel = root / EXP / "models" / f"m-{i:032x}" / "artifacts" / "MLmodel"
        mlmodel.write_text(mlmodel.read_text() + f"metadata:\n  mlint:\n    ignore:\n"
                           f"    - rule: {code}\n      reason: reviewed\n")
    return root


def _key(report: engine_module.Report) -> tuple[object, ...]:
    full = [(d, d.name, d.severity, d.hint, d.fingerprint, d.related, d.source) for d in report.diagnostics]
    hidden = [(d, d.suppressed) for d in report.suppressed]
    return (full, hidden, sorted(report.units.items()), report.files, report.internal_error)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_UNITS", 1)  # workers even on a small tree
    return make_tree(tmp_path / "work")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The units whose rules actually ran (in this process: tests use jobs=1 for counting)."""
    seen: list[str] = []
    original = engine_module.Engine.check_unit

    def counting(self: engine_module.Engine, unit, report):  # type: ignore[no-untyped-def]
        seen.append(f"{unit.kind}:{unit.path.name}")
        return original(self, unit, report)

    monkeypatch.setattr(engine_module.Engine, "check_unit", counting)
    return seen


def test_parallel_equals_serial(tree: Path) -> None:
    serial = run([tree])
    assert serial.diagnostics, "the tree has defects; an empty result would prove nothing"
    assert serial.suppressed and any(d.code == "MLT102" for d in serial.diagnostics)
    for jobs in (2, 3):
        assert _key(run([tree], jobs=jobs)) == _key(serial)


def test_warm_cache_reruns_nothing_and_changes_nothing(tree: Path, tmp_path: Path, calls: list[str]) -> None:
    cache = tmp_path / "cache"
    cold = run([tree], cache_dir=cache)
    assert calls, "the cold run checks every unit"
    calls.clear()
    warm = run([tree], cache_dir=cache)
    assert calls == []
    assert _key(warm) == _key(cold) == _key(run([tree]))


def _edits(tree: Path) -> list[tuple[str, object]]:
    exp = tree / EXP
    run1, model2 = exp / f"{1:032x}", exp / "models" / f"m-{2:032x}"

    def change_run_id() -> None:
        meta = run1 / "meta.yaml"
        meta.write_text(meta.read_text().replace(f"run_id: {1:032x}", "run_id: " + "e" * 32))

    def break_yaml() -> None:
        (exp / f"{9:032x}" / "meta.yaml").write_text("status: [\n")

    def change_other_units_file() -> None:  # MLM010 on the model folder reads the logged model's meta
        meta = model2 / "meta.yaml"
        meta.write_text(meta.read_text().replace(f"source_run_id: {2:032x}", "source_run_id: " + "a" * 32))

    def delete_referenced() -> None:
        (model2 / "artifacts" / "python_env.yaml").unlink()

    def restore_referenced() -> None:
        (exp / "models" / f"m-{5:032x}" / "artifacts" / "model.pkl").write_text("x")

    def add_run() -> None:
        _run(tree, uuid.uuid4().hex, f"m-{uuid.uuid4().hex}")
        broken = uuid.uuid4().hex
        _run(tree, broken, f"m-{uuid.uuid4().hex}")
        (tree / EXP / broken / "meta.yaml").write_text("experiment_id: '1'\n")

    def add_listed_file() -> None:  # RUN006 lists the experiment's datasets/ folder
        _write(exp / "datasets" / ("0" * 32) / "meta.yaml", "digest: [1]\n")

    def grow_model_folder() -> None:  # MLM124 sums file sizes with os.walk, not accessors
        _write(exp / "models" / f"m-{8:032x}" / "artifacts" / "data" / "extra.bin", "1234")

    def delete_run() -> None:
        import shutil

        shutil.rmtree(exp / f"{4:032x}")

    def same_size_same_second() -> None:  # content change that keeps size and mtime
        meta = exp / f"{6:032x}" / "meta.yaml"
        info = meta.stat()
        meta.write_text(meta.read_text().replace(f"run_id: {6:032x}", "run_id: " + "d" * 32))
        os.utime(meta, ns=(info.st_atime_ns, info.st_mtime_ns))

    return [("change-run-id", change_run_id), ("break-yaml", break_yaml),
            ("other-units-file", change_other_units_file), ("delete-referenced", delete_referenced),
            ("restore-referenced", restore_referenced), ("add-run", add_run),
            ("add-listed-file", add_listed_file), ("grow-model-folder", grow_model_folder),
            ("delete-run", delete_run),
            ("same-size-same-mtime", same_size_same_second)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_cache_follows_every_edit(tree: Path, tmp_path: Path, jobs: int) -> None:
    cache = tmp_path / "cache"
    run([tree], cache_dir=cache, jobs=jobs)
    for name, edit in _edits(tree):
        before = _key(run([tree]))
        edit()  # type: ignore[operator]
        expected = _key(run([tree]))
        assert expected != before, f"edit {name} must change the result, or the test proves nothing"
        assert _key(run([tree], cache_dir=cache, jobs=jobs)) == expected, name
        assert _key(run([tree], cache_dir=cache, jobs=jobs)) == expected, f"{name} (second warm run)"


def test_only_affected_units_rerun(tree: Path, tmp_path: Path, calls: list[str]) -> None:
    cache = tmp_path / "cache"
    run([tree], cache_dir=cache)
    model2 = tree / EXP / "models" / f"m-{2:032x}"
    meta = model2 / "meta.yaml"
    meta.write_text(meta.read_text() + "\n")
    calls.clear()
    run([tree], cache_dir=cache)
    # The logged model itself, and the model folder whose MLM010 read the logged model's meta.
    assert sorted(calls) == sorted([f"logged_model:m-{2:032x}", "model:artifacts"])


def test_cache_never_writes_into_the_checked_tree(tree: Path, tmp_path: Path) -> None:
    def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}

    work = tree.parent
    before = snapshot(work)
    run([tree], cache_dir=tmp_path / "cache", jobs=2)
    run([tree], cache_dir=tmp_path / "cache", jobs=2)
    assert snapshot(work) == before
    assert list((tmp_path / "cache").iterdir()), "the cache was written outside the tree"
    # A cache folder inside a checked path is refused: the check runs uncached.
    inside = work / "cache-inside"
    assert _key(run([work], cache_dir=inside)) == _key(run([work]))
    assert not inside.exists()


def test_config_change_is_a_different_cache(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run([tree], cache_dir=cache)
    ignoring = Config(ignore=("RUN010",))
    assert _key(run([tree], ignoring, cache_dir=cache)) == _key(run([tree], ignoring))
    assert not any(d.code == "RUN010" for d in run([tree], ignoring, cache_dir=cache).diagnostics)


def test_memo_replays_dependencies_into_later_units(tree: Path) -> None:
    files = FileCache()
    context = Context(tree, tree, files)
    first, second = (Run(tree / EXP / f"{i:032x}", context) for i in (1, 2))
    shared = Run(tree / EXP, context)  # stands for an enclosing unit both consult
    files.tracker = Tracker()
    assert shared.memo("names", lambda: shared.entries()) == shared.entries()
    files.tracker = later = Tracker()
    shared.memo("names", lambda: pytest.fail("memo must not recompute"))
    assert str(tree / EXP) in later.listings
    del first, second


def test_cli_flags(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = main(["check", "--no-cache", "--jobs", "1", "--format", "concise", str(tree)])
    serial_out = capsys.readouterr().out
    cache = tmp_path / "cli-cache"
    for _ in range(2):
        code = main(["check", "--jobs", "2", "--cache-dir", str(cache), "--format", "concise", str(tree)])
        assert (code, capsys.readouterr().out) == (expected, serial_out)
    assert any(cache.iterdir())


_OPENS = """
import json, sys
from pathlib import Path
tree = sys.argv[1]
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)) and str(args[0]).startswith(tree):
        opened.append(str(args[0]))
sys.addaudithook(hook)
from mlint import run
report = run([Path(tree)], cache_dir=Path(sys.argv[2]))
print(json.dumps({"opened": opened, "diagnostics": len(report.diagnostics), "files": report.files}))
"""


def _opened(tree: Path, cache: Path) -> dict[str, object]:
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _OPENS, str(tree), str(cache)], capture_output=True,
                          text=True, check=True, timeout=120)
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    return result


def test_warm_run_recognises_units_from_stat_data_alone(tree: Path, tmp_path: Path) -> None:
    """An unchanged tree is re-checked without opening any of its files (only folder listings
    and `lstat`), and gives the same report; after an edit only the edited unit's files are read."""
    cache = tmp_path / "cache"
    cold = _opened(tree, cache)
    assert cold["opened"], "the cold run reads the files (the probe sees opens)"
    warm = _opened(tree, cache)
    assert warm["opened"] == []
    assert (warm["diagnostics"], warm["files"]) == (cold["diagnostics"], cold["files"])
    run1 = tree / EXP / f"{1:032x}"
    (run1 / "params" / "C").write_text("2.0")
    opened = _opened(tree, cache)["opened"]
    assert isinstance(opened, list) and str(run1 / "params" / "C") in opened
    other_runs = [tree / EXP / f"{i:032x}" for i in range(24) if i != 1]
    assert not [p for p in opened if any(p.startswith(f"{r}{os.sep}") for r in other_runs)]


def test_new_mlint_version_is_a_different_cache(tree: Path, tmp_path: Path, calls: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from mlint.perf import cache as cache_module

    cache = tmp_path / "cache"
    run([tree], cache_dir=cache)
    calls.clear()
    run([tree], cache_dir=cache)
    assert calls == []
    monkeypatch.setattr(cache_module, "__version__", cache_module.__version__ + ".post1")
    run([tree], cache_dir=cache)
    assert len(calls) > 24  # every unit again, from a fresh cache file
