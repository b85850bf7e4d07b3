"""MLM130-MLM133 on the real MLflow 3.17.2 flavor models (tests/data/flavors): every model
MLflow wrote (and loaded back, see GENERATE_LOG.json) is clean, and every single-defect copy
that real MLflow fails to load (DEFECTS.json) is reported by exactly one of the four rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import mlint
from mlint import Config

FLAVORS = Path(__file__).resolve().parent / "data" / "flavors" / "3.17.2"
MODELS = sorted(p.name for p in FLAVORS.iterdir() if p.is_dir())
RULES = ("MLM130", "MLM131", "MLM132", "MLM133")



def test_generator_loaded_every_model() -> None:
    log = json.loads((FLAVORS / "GENERATE_LOG.json").read_text())
    assert {s["name"] for s in log["steps"] if s["status"] == "ok"} == set(MODELS)
    assert log["versions"]["mlflow"] == "3.17.2"


@pytest.mark.parametrize("name", MODELS)
def test_real_flavor_model_is_clean(name: str) -> None:
    # Every rule, the pickle rules included (TorchScript's `__torch__` and torch.jit._pickle
    # helpers drew false PKL findings until the pickle policy learnt them).
    report = mlint.run([FLAVORS / name])
    assert report.diagnostics == [], [d.message for d in report.diagnostics]


def test_every_defect_real_mlflow_fails_on_is_reported(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
    import verify_flavor_defects as verify

    outcomes = json.loads((FLAVORS / "DEFECTS.json").read_text())
    assert outcomes and all(o["outcome"] != "predict ok" for o in outcomes)
    defects = {d.__name__: d for d in (verify.truncate, verify.empty, verify.delete,
                                       verify.rename, verify.as_json, verify.as_text,
                                       verify.drop_config)}
    for i, case in enumerate(outcomes):
        work = tmp_path / f"{i}-{case['model']}"
        shutil.copytree(FLAVORS / case["model"], work)
        rel = case["file"]
        target = next(work.glob(rel)) if "*" in rel else work / rel
        defects[case["defect"]](target)
        report = mlint.run([work], Config(select=RULES))
        codes = [d.code for d in report.diagnostics]
        assert len(codes) == 1, (case, [d.message for d in report.diagnostics])


def test_onnx_external_data_outside_the_model_folder(tmp_path: Path) -> None:
    """onnx.load refuses an absolute (or climbing) external data location: ValidationError
    "should be a relative path" (checked with onnx 1.23)."""
    work = tmp_path / "onnx"
    shutil.copytree(FLAVORS / "onnx_external_data", work)
    model = work / "model.onnx"
    [location] = [p.name for p in work.glob("*.data")]
    raw = model.read_bytes()
    outside = ("/etc/" + "x" * (len(location) - 5)).encode()
    model.write_bytes(raw.replace(location.encode(), outside))
    report = mlint.run([work], Config(select=RULES))
    assert [(d.code, "is an absolute path, where onnx refuses" in d.message)
            for d in report.diagnostics] == [("MLM130", True)]
