"""Hypothesis profiles for the robustness suite.

CI runs each fuzz test with the small example budget given at the test (the whole suite stays
under ~90 s on two cores). For a long manual run:

    python -m pytest tests/robustness --hypothesis-profile=deep

(`deep` multiplies every budget; see `fuzz()`.) The profiles are registered here only, so the
rest of the test suite keeps its own settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.robustness.corpus import materialize_template

settings.register_profile("deep", max_examples=2000, deadline=None, print_blob=True)

DEEP_FACTOR = 40


def fuzz(examples: int) -> settings:
    """Settings for one fuzz test: `examples` in CI, DEEP_FACTOR times more under `deep`."""
    deep = settings.get_current_profile_name() == "deep"
    return settings(
        max_examples=examples * (DEEP_FACTOR if deep else 1),
        deadline=None,  # file-system work: timing varies with the machine's load
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
        derandomize=not deep,  # CI explores the same cases every run; `deep` explores new ones
        database=None if not deep else settings.default.database,
    )


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The synthetic tree plus every real-MLflow tree, copied once per session."""
    yield materialize_template(tmp_path_factory.mktemp("template"))
