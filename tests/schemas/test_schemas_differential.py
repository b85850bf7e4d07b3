"""Differential test against real MLflow on every MLmodel of the public corpus.

For each file: MLflow "accepts" when `mlflow.models.Model.load` succeeds (yaml.safe_load +
Model.from_dict, which parses the signature; nothing is unpickled) and every non-empty
signature string parses with Schema.from_json / ParamSchema.from_json. mlint "accepts" when
the YAML parses and the mlmodel, signature-schema and signature-params schemas report no
error. The two must agree, except for the deliberate strictness listed in ALLOWED.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from schema_corpus import CORPUS, PUBLIC, PUBLIC_FOLDERS, decoded_signature, file_kind, iter_files

from mlint.schemas import best_errors

# logical path → reason. Every entry is a file MLflow loads but mlint rejects on purpose.
ALLOWED_STRICTER: dict[str, str] = {
    # `utc_time_created` is never parsed by MLflow. mlint requires the str(datetime) text
    # MLflow writes: these values were typed by hand or are unfilled template placeholders.
    "public_folders/kirenz__mlflow__ROOT/MLmodel": "utc_time_created '19-09-25T13:56:34.34.95'",
    "kirenz/mlflow:MLmodel": "utc_time_created '19-09-25T13:56:34.34.95' (same file, public/)",
    "1amG4bor/mlflow-for-model-improvement:MLmodel": "utc_time_created is a template placeholder",
}


def _mlflow_accepts(path: Path, scratch: Path) -> tuple[bool, str]:
    from mlflow.models import Model
    from mlflow.types.schema import ParamSchema, Schema

    # Model.load wants a file literally named MLmodel and refuses symlinks: copy the bytes.
    target = scratch / "MLmodel"
    shutil.copyfile(path, target)
    try:
        Model.load(str(target))
        doc = yaml.safe_load(path.read_bytes())
        sig = doc.get("signature") if isinstance(doc, dict) else None
        if isinstance(sig, dict):
            for key in ("inputs", "outputs", "params"):
                if sig.get(key):
                    (ParamSchema if key == "params" else Schema).from_json(sig[key])
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:200]
    return True, ""


def _mlint_accepts(path: Path) -> tuple[bool, str]:
    try:
        doc: Any = yaml.safe_load(path.read_bytes())
    except Exception as exc:  # a parse error is an mlint finding too (reported by the loader)
        return False, f"YAML: {type(exc).__name__}"
    errs = [f"{e.pointer}: {e.message}" for e in best_errors("mlmodel", doc)]
    if not errs:
        try:
            for key, name, decoded in decoded_signature(doc):
                errs += [
                    f"signature.{key}{e.pointer}: {e.message}" for e in best_errors(name, decoded)
                ]
        except ValueError as exc:  # json.JSONDecodeError
            errs.append(f"signature JSON: {exc}")
    return not errs, "; ".join(errs)[:200]


def _key(logical: str, real: Path) -> str:
    if real.parent == PUBLIC:
        repo = real.name.split("__", 2)
        return f"{repo[0]}/{repo[1]}:{logical}"
    return real.relative_to(CORPUS).as_posix()


def test_mlmodel_schemas_agree_with_mlflow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mlflow")
    if not PUBLIC.is_dir() or not PUBLIC_FOLDERS.is_dir():
        pytest.skip("shared corpus (../shared/corpus) not present")
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    try:
        agree, allowed, disagreements = 0, [], []
        files = [
            (p, lg) for p, lg in iter_files(PUBLIC_FOLDERS, PUBLIC) if file_kind(lg) == "mlmodel"
        ]
        for i, (path, logical) in enumerate(files):
            scratch = tmp_path / str(i)
            scratch.mkdir()
            ok_mlflow, why_mlflow = _mlflow_accepts(path, scratch)
            ok_mlint, why_mlint = _mlint_accepts(path)
            key = _key(logical, path)
            if ok_mlflow == ok_mlint:
                agree += 1
            elif ok_mlflow and key in ALLOWED_STRICTER:
                allowed.append(key)
            else:
                disagreements.append((key, why_mlflow or "ok", why_mlint or "ok"))
    finally:
        logging.disable(logging.NOTSET)
    with capsys.disabled():
        print(
            f"\n[differential] {len(files)} MLmodel files: {agree} agree, "
            f"{len(allowed)} deliberately stricter, {len(disagreements)} unexplained"
        )
    assert len(files) > 100
    assert disagreements == []
    assert sorted(allowed) == sorted(ALLOWED_STRICTER), "stale allowlist entries"


# Synthetic strictness check: every bad signature document of the bad-instance suite must
# also be rejected by MLflow, except where mlint is deliberately stricter (documented).
STRICTER_THAN_MLFLOW_SIGNATURES = {
    # MLflow stores any value for `required`; mlint wants the boolean MLflow writes.
    '[{"type": "double", "required": "no"}]',
}


def test_bad_signature_documents_are_rejected_by_mlflow_too() -> None:
    pytest.importorskip("mlflow")
    import json

    from mlflow.types.schema import ParamSchema, Schema
    from test_schemas_bad_instances import CASES

    checked = 0
    for name, instance, _ in CASES:
        if name not in ("signature-schema", "signature-params"):
            continue
        text = json.dumps(instance)
        parse = ParamSchema.from_json if name == "signature-params" else Schema.from_json
        try:
            parse(text)
        except Exception:
            accepted = False
        else:
            accepted = True
        assert accepted == (text in STRICTER_THAN_MLFLOW_SIGNATURES), text
        checked += 1
    assert checked >= 20
