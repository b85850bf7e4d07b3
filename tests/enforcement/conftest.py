"""Hypothesis profiles and MLflow-oracle helpers for the enforcement suite.

Profiles: ``default`` (CI, moderate) and ``deep`` (manual: ``--hypothesis-profile=deep``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

settings.register_profile(
    "default",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")
