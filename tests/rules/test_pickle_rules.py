"""PKL rules beyond the golden fixtures: nothing executes, each file is scanned once, roles
follow what the flavor promises, options and config reach the rules, real MLflow output is clean."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mlint
import mlint.pickle_targets as targets_module
from mlint import Config
from tests.conftest import REPO
from tests.rules import pkl_fixtures as fx

SELECT_PKL = ("PKL",)


def check(paths: list[Path], **settings: object) -> list[mlint.Diagnostic]:
    config = dataclasses.replace(Config(), **{"select": SELECT_PKL, **settings})  # type: ignore[arg-type]
    return mlint.run([str(p) for p in paths], config).diagnostics


def model(tmp_path: Path, name: str = "model", base: Path = fx.SK_PICKLE) -> Path:
    return fx.copy(base, tmp_path / name)


@pytest.mark.parametrize("code", sorted(fx.BUILDERS))
def test_checked_in_fixtures_are_what_the_builder_makes(code: str, tmp_path: Path) -> None:
    fx.build(code, tmp_path / "bad")
    checked_in = REPO / "tests" / "rules" / code / "bad"
    built = sorted(p.relative_to(tmp_path / "bad") for p in (tmp_path / "bad").rglob("*") if p.is_file())
    assert built == sorted(p.relative_to(checked_in) for p in checked_in.rglob("*") if p.is_file())
    for rel in built:
        assert (tmp_path / "bad" / rel).read_bytes() == (checked_in / rel).read_bytes(), rel


def test_cli_never_loads_a_pickle(tmp_path: Path) -> None:
    """A model whose pickles would create a file when loaded: `mlint check` leaves no file."""
    target = tmp_path / "canary-created"
    folder = model(tmp_path)
    cmd = f"touch {target}"
    (folder / "model.pkl").write_bytes(fx.system_call(cmd))
    (folder / "weights.bin").write_bytes(f"(S'{cmd}'\nios\nsystem\n.".encode())  # protocol 0
    opener = fx.proto(2) + fx.glob("builtins", "open") + fx.u(str(target)) + fx.u("w") + b"\x86R."
    (folder / "extra.joblib").write_bytes(opener)
    result = subprocess.run([sys.executable, "-m", "mlint", "check", str(folder), "--format", "concise"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("PKL100") == 3
    assert not target.exists()


def test_each_file_is_scanned_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = model(tmp_path)
    (folder / "copy.pkl").write_bytes((folder / "model.pkl").read_bytes())
    calls: list[str] = []
    real = targets_module.scan_cached

    def counting(path, **kw):  # type: ignore[no-untyped-def]
        calls.append(Path(path).name)
        return real(path, **kw)

    monkeypatch.setattr(targets_module, "scan_cached", counting)
    check([folder], select=("PKL", "PKL102"))
    assert sorted(calls) == ["copy.pkl", "model.pkl"]  # MLmodel refs model.pkl twice; json/yaml skipped


def test_real_mlflow_models_have_no_pkl_warning() -> None:
    trees = [REPO / "tests" / "data" / "mlflow", REPO / "examples" / "mlruns", REPO / "examples" / "model",
             REPO / "tests" / "rules" / "pkl_base"]
    found = check(trees, select=("PKL", "PKL102"))
    assert [d for d in found if d.severity.value != "info"] == []
    # The pyfunc PythonModel pickles carry code by design: reported only by the opt-in info rule.
    assert found and {d.code for d in found} == {"PKL102"}


def test_code_is_expected_where_mlflow_writes_it_with_cloudpickle(tmp_path: Path) -> None:
    folder = model(tmp_path)
    code = fx.proto(4) + fx.stack_global("cloudpickle.cloudpickle", "_make_function") + b")R."
    (folder / "model.pkl").write_bytes(code)
    assert [d.code for d in check([folder])] == ["PKL101"]
    mlmodel = folder / "MLmodel"
    mlmodel.write_text(mlmodel.read_text().replace("serialization_format: pickle",
                                                   "serialization_format: cloudpickle"))
    assert [d.code for d in check([folder], select=("PKL", "PKL102"))] == ["PKL102"]


def test_unknown_global_fails_closed_and_project_allowlist_is_exact(tmp_path: Path) -> None:
    folder = model(tmp_path)
    (folder / "model.pkl").write_bytes(fx.proto(4) + fx.obj("mypkg.model", "Wrapper") + b".")
    [error] = check([folder], select=("PKL103",))
    assert error.code == "PKL103" and error.severity.value == "error"
    # `strict` is kept for old configs; it changes nothing any more.
    [same] = check([folder], select=("PKL103",), rule_options={"PKL103": {"strict": False}})
    assert same.severity.value == "error"
    allow = (("mypkg.model.Wrapper", "ours, reviewed"),)
    assert check([folder], select=("PKL103",), pickle_allow=allow) == []
    assert check([folder], select=("PKL103",), rule_options={"PKL103": {"allow": [
        {"global": "mypkg.model:Wrapper", "reason": "our class"}]}}) == []
    # A wildcard is refused (reported, ignored): a package can re-export os.
    found = check([folder], select=("PKL103",), rule_options={"PKL103": {"allow": [
        {"global": "mypkg.*", "reason": "our package"}]}})
    assert sorted(d.message.startswith("option `allow`") for d in found) == [False, True]
    assert any("no wildcards" in d.message for d in found)
    # The exact name must match module *and* name: a re-export path is another global.
    (folder / "model.pkl").write_bytes(fx.proto(4) + fx.obj("mypkg", "Wrapper") + b".")
    assert [d.code for d in check([folder], select=("PKL103",), pickle_allow=allow)] == ["PKL103"]
    found = check([folder], select=("PKL103",),
                  rule_options={"PKL103": {"allow": [{"global": "mypkg.model.Wrapper"}]}})
    assert sorted(d.message.startswith("option `allow`") for d in found) == [False, True]
    assert any("needs a non-empty `reason`" in d.message for d in found)


def test_allow_never_overrides_the_denylist(tmp_path: Path) -> None:
    folder = model(tmp_path)
    (folder / "model.pkl").write_bytes(fx.system_call("true"))
    found = check([folder], pickle_allow=(("os.system", "nope"),),
                  rule_options={"PKL103": {"allow": [{"global": "os.system", "reason": "nope"}]}})
    assert [d.code for d in found] == ["PKL100"]


def test_lfs_pointer_has_one_owner(tmp_path: Path) -> None:
    folder = model(tmp_path)
    (folder / "model.pkl").write_bytes(fx.LFS)
    (folder / "stray.pkl").write_bytes(fx.LFS)
    found = check([folder], select=("PKL", "MLM102"))
    assert sorted((d.code, Path(d.path).name) for d in found) == [("MLM102", "MLmodel"),
                                                                   ("PKL105", "stray.pkl")]


def test_binary_lookalikes_are_not_pickles_but_partial_payloads_are(tmp_path: Path) -> None:
    folder = model(tmp_path)
    (folder / ".part-0.crc").write_bytes(b"crc\x00\x00\x00\x00\x07\x9a\x1b\x00\x00")
    (folder / "part-0.parquet").write_bytes(b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00" * 4)
    assert check([folder]) == []
    (folder / "cut.bin").write_bytes(b"cos\nsystem\n(S'true'\ntR(S'x")  # runs, then ends early
    assert {d.code for d in check([folder])} == {"PKL100", "PKL104"}


def test_findings_point_at_the_mlmodel_reference(tmp_path: Path) -> None:
    folder = model(tmp_path)
    (folder / "model.pkl").write_bytes(fx.system_call("true"))
    [d] = check([folder])
    assert d.path.endswith("MLmodel") and d.pointer == "/flavors/sklearn/pickled_model"
    assert d.related[0].endswith("model.pkl") and "byte offset" in d.hint


def test_requirement_satisfied_by_dependency_or_shipped_code(tmp_path: Path) -> None:
    folder = model(tmp_path)
    (folder / "model.pkl").write_bytes(fx.proto(4) + fx.obj("joblib.numpy_pickle", "NumpyArrayWrapper")
                                       + b"0" + fx.obj("mytransformers", "DateParser") + b".")
    [missing] = [d for d in check([folder]) if d.code == "PKL120"]
    assert "mytransformers" in missing.message  # joblib comes with scikit-learn
    (folder / "code").mkdir()
    (folder / "code" / "mytransformers.py").write_text("class DateParser: ...\n")
    mlmodel = folder / "MLmodel"
    mlmodel.write_text(mlmodel.read_text().replace("    code: null\n", "    code: code\n"))
    assert [d for d in check([folder]) if d.code == "PKL120"] == []


def test_rules_survive_odd_mlmodels(tmp_path: Path) -> None:
    folder = model(tmp_path)
    for text in ("flavors: [1, 2]\n", "flavors:\n  sklearn:\n    pickled_model: 7\n",
                 "flavors:\n  sklearn:\n    pickled_model: ../../etc/passwd\n",
                 "flavors:\n  sklearn:\n    skops_trusted_types: {a: 1}\n", "- just a list\n"):
        (folder / "MLmodel").write_text(text)
        found = check([folder], select=("PKL", "MLT"))
        assert all(d.code != "MLT900" for d in found), found
    shutil.rmtree(folder)


def test_a_folder_past_the_walk_cap_is_reported_not_passed(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Files past `MAX_FILES` are not scanned, and PKL104 says so (it used to stay silent):
    a dangerous pickle past the cap is never reported clean."""
    folder = model(tmp_path)
    for index in range(4):
        (folder / f"notes_{index}.txt").write_text("plain text\n")
    (folder / "zz_evil.pkl").write_bytes(fx.system_call("true"))
    assert [d.code for d in check([folder])] == ["PKL100"]  # under the default cap: scanned

    monkeypatch.setattr(targets_module, "MAX_FILES", 3)
    found = check([folder])
    assert [d.code for d in found] == ["PKL104"]
    assert "holds more than 3 files" in found[0].message
    assert found[0].path.endswith("model")  # the folder itself, not a file in it
    first_unscanned = sorted(p.name for p in folder.iterdir() if p.name != "MLmodel")[3]
    assert f"'{first_unscanned}' and the files after it were not scanned" in found[0].message
