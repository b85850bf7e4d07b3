"""Quoted content is capped everywhere: one helper (`mlint.reading.quoting`), and `Diagnostic` as the
last resort, so no message carries a whole file from the artifact."""

from __future__ import annotations

from pathlib import Path

import mlint
from mlint.core.diagnostics import Diagnostic, Severity
from mlint.reading.quoting import LIMIT, MESSAGE_LIMIT, clip, quote


def test_quote_and_clip() -> None:
    assert quote("x" * 1000) == repr("x" * 1000)[: LIMIT - 1] + "…"
    assert len(quote(list(range(10_000)))) == LIMIT
    assert clip("short") == "short"
    nested: list[object] = []
    nested.append(nested)
    assert quote(nested) == "[[...]]"


def test_diagnostic_caps_message_hint_and_source() -> None:
    d = Diagnostic(path="p", line=1, column=1, code="ENV001", name="n", severity=Severity.ERROR,
                   message="m" * 50_000, hint="h" * 50_000, source="s" * 50_000)
    assert len(d.message) == MESSAGE_LIMIT and d.message.endswith("…")
    assert len(d.hint) == MESSAGE_LIMIT and len(d.source) == 400


def test_schema_message_quotes_a_capped_value(tmp_path: Path) -> None:
    """ENV001 on a conda.yaml that is one long string quotes at most a short prefix of it."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "MLmodel").write_text("flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"
                                   "    env: {conda: conda.yaml}\n")
    secret = "token-" + "A" * 5000
    (model / "conda.yaml").write_text(secret + "\n")
    found = [d for d in mlint.check([model], config=mlint.Config()) if d.code == "ENV001"]
    assert found and all(len(d.message) < 300 and "A" * 200 not in d.message for d in found)
