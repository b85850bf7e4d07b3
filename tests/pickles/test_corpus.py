"""Real MLflow pickles from the shared corpus (read statically, never loaded)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlint.pickles import Kind, ScanReport, Severity, scan_file

CORPUS = Path("/work/shared/corpus")
FILES = sorted(CORPUS.rglob("*.pkl")) if CORPUS.is_dir() else []
# A registry ModelVersion entity pickled as a scikit-learn model: not on the allowlist, so an
# error under the fail-closed policy (the model is broken anyway: it has no predict).
NOT_ALLOWLISTED = {"Pedro-A-D-S__concrete_strength_prediction__model/model.pkl":
                   "mlflow.entities.model_registry.model_version.ModelVersion"}


@pytest.mark.skipif(not FILES, reason="shared corpus not available")
def test_corpus_pickles_scan_completely() -> None:
    for path in FILES:
        role = "python_model" if path.name == "python_model.pkl" else None
        rep = scan_file(path, role=role, flavor="python_function" if role else None)
        assert isinstance(rep, ScanReport)
        assert rep.complete, (path, rep.findings)
        assert Kind.DANGEROUS_GLOBAL not in rep.kinds, (path, rep.findings)
        if role:
            assert Kind.CODE_OBJECT not in rep.kinds
        errors = [f for f in rep.findings if f.severity is Severity.ERROR]
        expected = NOT_ALLOWLISTED.get(f"{path.parent.name}/{path.name}")
        if expected:
            assert [(f.kind, f"{f.module}.{f.name}") for f in errors] == \
                [(Kind.UNKNOWN_GLOBAL, expected)], (path, errors)
            continue
        assert not errors, (path, errors)
