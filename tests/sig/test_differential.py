"""The SIG rules against MLflow's own verdict on the same model folders.

For every model folder with a saved input example — the real-MLflow fixtures in
`tests/data/sig/` and `tests/data/mlflow/`, the SIG rules' bad fixtures, and the public corpus
when present — MLflow 3.17.2 is asked:

* example: `Model.load(dir)`, `load_input_example(dir)`, `load_input_example_params(dir)`,
  then `_enforce_schema(example, signature.inputs)` (skipped for type-hint signatures, as
  `PyFuncModel.predict` does) and `_enforce_params_schema(params, signature.params)`;
* serving: `scoring_server._parse_json_data(serving_input_example.json, model, inputs)`,
  then the same two enforcement calls — the path of `_validate_serving_input` minus
  `pyfunc.load_model` (which would unpickle the model).

mlint's verdict is "some ERROR from the SIG rules that speak about that file". They must agree.
Nothing is ever unpickled.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlint import Config, run
from mlint.core.diagnostics import ERROR
from tests.conftest import CORPUS as DEFAULT_CORPUS
from tests.conftest import DATA, TESTS

mlflow = pytest.importorskip("mlflow")
# The public corpus (`<repo>/../shared/corpus`, or $MLINT_CORPUS); its folders join when present.
CORPUS = Path(os.environ.get("MLINT_CORPUS") or DEFAULT_CORPUS)

SIGNATURE = ("SIG001", "SIG100", "SIG101")
EXAMPLE = (*SIGNATURE, "SIG110", "SIG111", "SIG112", "SIG120")
SERVING = (*SIGNATURE, "SIG121")


def _model_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("MLmodel") if p.is_file()) if root.is_dir() else []


def _has_example(folder: Path) -> bool:
    try:
        import yaml

        data = yaml.safe_load((folder / "MLmodel").read_text())
    except Exception:
        return False
    return isinstance(data, dict) and isinstance(data.get("saved_input_example_info"), dict)


def folders() -> list[Path]:
    found = _model_dirs(DATA / "sig") + _model_dirs(DATA / "mlflow")
    for code in ("SIG100", "SIG101", "SIG110", "SIG111", "SIG112", "SIG120", "SIG121"):
        found += _model_dirs(TESTS / "rules" / code / "bad")
    found += _model_dirs(CORPUS / "public_folders") + _model_dirs(CORPUS / "mlflow-2.9.2-tree")
    return [f for f in found if _has_example(f)]


def _mlflow_example_verdict(folder: Path) -> str:
    from mlflow.models import Model
    from mlflow.models.utils import _enforce_params_schema, _enforce_schema

    try:
        model = Model.load(str(folder))
        example = model.load_input_example(str(folder))
        params = model.load_input_example_params(str(folder))
        signature = model.signature
        hinted = model._is_signature_from_type_hint()
        if signature is not None and signature.inputs is not None and not hinted:
            _enforce_schema(example, signature.inputs)
        _enforce_params_schema(params, signature.params if signature is not None else None)
    except Exception as exc:
        return f"rejected: {type(exc).__name__}: {str(exc)[:200]}"
    return "accepted"


def _mlflow_serving_verdict(folder: Path) -> str | None:
    from mlflow.models import Model
    from mlflow.models.utils import _enforce_params_schema, _enforce_schema
    from mlflow.pyfunc.scoring_server import _parse_json_data

    try:
        model = Model.load(str(folder))
    except Exception as exc:
        return f"rejected: {type(exc).__name__}: {str(exc)[:200]}"
    rel = (model.saved_input_example_info or {}).get("serving_input_path")
    if not rel or not (folder / rel).is_file():
        return None
    try:
        payload = (folder / rel).read_text()
        schema = model.get_input_schema()
        parsed = _parse_json_data(payload, model, schema)
        signature = model.signature
        if schema is not None and not model._is_signature_from_type_hint():
            _enforce_schema(parsed.data, schema)
        _enforce_params_schema(parsed.params, signature.params if signature is not None else None)
    except Exception as exc:
        return f"rejected: {type(exc).__name__}: {str(exc)[:200]}"
    return "accepted"


def _mlint_errors(folder: Path, codes: tuple[str, ...]) -> list[Any]:
    report = run([str(folder)], Config(select=codes))
    return [d for d in report.diagnostics if d.severity is ERROR and d.code in codes
            and Path(d.path).resolve().is_relative_to(folder.resolve())]


FOLDERS = folders()


def _id(folder: Path) -> str:
    for base in (TESTS, CORPUS):
        if folder.is_relative_to(base):
            return folder.relative_to(base).as_posix()
    return folder.name


@pytest.fixture(autouse=True)
def _file_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


@pytest.mark.parametrize("folder", FOLDERS, ids=_id)
def test_input_example_verdict_agrees_with_mlflow(folder: Path) -> None:
    expected = _mlflow_example_verdict(folder)
    errors = _mlint_errors(folder, EXAMPLE)
    found = "; ".join(f"{d.code} {d.message}" for d in errors)
    assert bool(errors) == (expected != "accepted"), f"MLflow: {expected} | mlint: {found or 'no error'}"


def _has_serving_example(folder: Path) -> bool:
    """Whether MLflow has a serving example to judge (chosen at collection, so folders without
    one are not reported as skipped tests)."""
    try:
        mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    except Exception:
        return True  # MLflow's Model.load rejects it: a verdict to compare
    info = mlmodel.get("saved_input_example_info") if isinstance(mlmodel, dict) else None
    rel = info.get("serving_input_path") if isinstance(info, dict) else None
    return isinstance(rel, str) and bool(rel) and (folder / rel).is_file()


SERVING_FOLDERS = [f for f in FOLDERS if _has_serving_example(f)]


@pytest.mark.parametrize("folder", SERVING_FOLDERS, ids=_id)
def test_serving_example_verdict_agrees_with_mlflow(folder: Path) -> None:
    expected = _mlflow_serving_verdict(folder)
    assert expected is not None, "collection expected a serving example here"
    errors = _mlint_errors(folder, SERVING)
    found = "; ".join(f"{d.code} {d.message}" for d in errors)
    assert bool(errors) == (expected != "accepted"), f"MLflow: {expected} | mlint: {found or 'no error'}"


def test_the_fixtures_cover_both_verdicts() -> None:
    verdicts = {_mlflow_example_verdict(f) == "accepted" for f in FOLDERS if f.is_relative_to(TESTS)}
    assert verdicts == {True, False}
    assert os.environ.get("MLFLOW_ALLOW_FILE_STORE") == "true"
