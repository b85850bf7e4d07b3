"""MLT codes are constants (mlint.core.codes), every one registered, and an unknown one is an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from mlint import Config
from mlint.core import codes
from mlint.core.engine import Engine
from mlint.core.registry import load_registry
from mlint.reading.files import FileFailure

REGISTRY = load_registry(plugins=False)


def test_every_mlt_code_is_a_registered_rule_and_every_mlt_rule_has_a_constant() -> None:
    registered = {r.code for r in REGISTRY if r.family == "MLT"}
    assert registered == codes.MLT_CODES
    constants = {v for k, v in vars(codes).items() if k.isupper() and isinstance(v, str)}
    assert constants >= codes.MLT_CODES


def test_engine_failure_reports_a_known_code(tmp_path: Path) -> None:
    engine = Engine(REGISTRY, Config())
    found = list(engine.failure(tmp_path / "x", FileFailure(codes.PARSE_ERROR, "bad"), tmp_path))
    assert [d.code for d in found] == ["MLT002"]


@pytest.mark.parametrize("code", ["MLT999", "MLT02", "MLM011", ""])
def test_engine_failure_refuses_an_unknown_code(tmp_path: Path, code: str) -> None:
    """It used to drop such a finding silently."""
    engine = Engine(REGISTRY, Config())
    bogus = FileFailure(cast(Any, code), "bad")
    with pytest.raises(ValueError, match="not an MLT code"):
        list(engine.failure(tmp_path / "x", bogus, tmp_path))
