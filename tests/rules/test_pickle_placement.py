"""Issues 13/15 at the rule level: where payloads hide (runs, nested/empty MLmodel, formats the
sniffer missed), the per-unit budget, and real-MLflow models that must stay silent."""

from __future__ import annotations

import dataclasses
import gzip
import shutil
import struct
import sys
import time
from pathlib import Path

import pytest

import mlint
import mlint.pickle_budget as budget_module
from mlint import Config
from mlint.pickles import Limits
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "pickles"))
from malicious import build_folders

DATA = REPO / "tests" / "data" / "pickles"


def check(paths: list[Path], **settings: object) -> list[mlint.Diagnostic]:
    config = dataclasses.replace(Config(), **settings)  # type: ignore[arg-type]
    return mlint.run([str(p) for p in paths], config).diagnostics


def _placements(tmp: Path) -> list[str]:
    return build_folders(tmp)


@pytest.mark.parametrize("name", ["empty-mlmodel", "nested-empty-mlmodel", "run-artifacts",
                                  "unref-legacy-torch-tar", "unref-lzma-custom-dict",
                                  "unref-npy-object-word", "unref-protocol0-hex-int"])
def test_every_placement_is_flagged_at_error(tmp_path: Path, name: str) -> None:
    assert name in _placements(tmp_path)
    found = check([tmp_path / name], select=("PKL",))
    assert [(d.code, d.severity.value) for d in found if d.code == "PKL100"] == [("PKL100", "error")], \
        [(d.code, d.message) for d in found]


def _bomb(size: int) -> bytes:
    """gzip of a pickle whose BINBYTES8 payload is `size` zero bytes: the scanner must read
    and discard every decompressed byte to find the STOP after it."""
    header = b"\x80\x04\x8e" + struct.pack("<Q", size)
    return gzip.compress(header + b"\x00" * size + b".", compresslevel=9)


def test_many_small_bombs_share_one_unit_budget(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "model"
    shutil.copytree(REPO / "tests" / "rules" / "pkl_base" / "sklearn_pickle", folder)
    for i in range(6):
        (folder / f"bomb{i}.pkl.gz").write_bytes(_bomb(4 * 1024**2))
    # Each file alone is under its own cap; all six together exceed the unit's.
    monkeypatch.setattr(budget_module, "UNIT_LIMITS", Limits(max_bytes=10 * 1024**2,
                                                              max_seconds=60))
    started = time.monotonic()
    found = check([folder], select=("PKL104",))
    assert time.monotonic() - started < 30
    budget = [d for d in found if "scan budget" in d.message]
    assert len(budget) == 1 and budget[0].severity.value == "error", [d.message for d in found]
    assert "were not scanned" in budget[0].message
    # the file that ran into the remaining budget is reported as not fully scanned
    assert any("cap" in d.message and "bomb" in d.message for d in found), \
        [d.message for d in found]


def test_one_bomb_under_the_budget_is_clean(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(REPO / "tests" / "rules" / "pkl_base" / "sklearn_pickle", folder)
    (folder / "extra.pkl.gz").write_bytes(_bomb(1024**2))
    found = check([folder], select=("PKL",))
    assert [d for d in found if d.severity.value != "info"] == []


REAL = [DATA / "torch" / "pt2_1", DATA / "torch" / "pt2_3", DATA / "torch" / "traced",
        DATA / "pyfunc" / "responses_agent", DATA / "pyfunc" / "chat_model",
        DATA / "pyfunc" / "code_paths"]


@pytest.mark.parametrize("folder", REAL, ids=lambda p: p.name)
def test_real_mlflow_models_give_no_pkl_warning(folder: Path) -> None:
    """pt2 weights whose first byte is an opcode, TorchScript's empty traced_inputs/0 and
    helpers, __torch__ classes, inspect signatures in a ResponsesAgent (MLflow 3.17.2,
    torch 2.13; written by tests/data/pickles/gen_*_fixtures.py)."""
    found = check([folder], select=("PKL",))
    assert [(d.code, d.message) for d in found if d.severity.value != "info"] == []


def test_local_module_missing_from_code_folder_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(DATA / "pyfunc" / "code_paths", folder)
    (folder / "code" / "fixture_helper.py").rename(folder / "code" / "renamed_helper.py")
    found = [d for d in check([folder], select=("PKL120",)) if d.code == "PKL120"]
    assert [(d.severity.value, "fixture_helper" in d.message) for d in found] == [("error", True)]


def test_pydantic_comes_with_mlflow_skinny(tmp_path: Path) -> None:
    from rawpickle import glob, proto

    folder = tmp_path / "model"
    shutil.copytree(REPO / "tests" / "rules" / "pkl_base" / "sklearn_pickle", folder)
    (folder / "model.pkl").write_bytes(proto(2) + glob("pydantic.main", "BaseModel") + b".")
    (folder / "requirements.txt").write_text("mlflow-skinny==3.17.2\nscikit-learn==1.5.2\n")
    assert [d for d in check([folder], select=("PKL120",)) if d.code == "PKL120"] == []
    (folder / "requirements.txt").write_text("scikit-learn==1.5.2\n")
    assert [d.code for d in check([folder], select=("PKL120",))] == ["PKL120"]
