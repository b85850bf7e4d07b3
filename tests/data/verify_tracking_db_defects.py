#!/usr/bin/env python
"""Check, with real MLflow, that each defect the TDB rules report breaks MLflow itself.

Usage: `.venv/bin/python tests/data/verify_tracking_db_defects.py` (MLflow 3.17.2 in the venv).
Each case copies tests/data/trackingdb/3.17.2/client to a temporary folder, applies one defect,
and calls the MLflow API a user would; it prints what MLflow raised (or "no error").
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from fixture_tree import edit_database  # beside this script

SOURCE = Path(__file__).resolve().parent / "trackingdb" / "3.17.2" / "client"
RECORDED = "/tmp/mlint-gen-db/3.17.2/client"


def sql(*statements: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        edit_database(folder, statements)
    return apply


def rm_mlmodel(folder: Path) -> None:
    for path in Path(RECORDED, "mlruns").rglob("MLmodel"):
        path.unlink()


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "TDB100/101 MLmodel gone": (rm_mlmodel, "load_version"),
    "TDB103 alias to missing version": (sql("INSERT INTO registered_model_aliases (name, alias, version) "
                                            "VALUES ('demo-model', 'champion', 7)"), "load_alias"),
    "TDB111 run status DONE": (sql("UPDATE runs SET status = 'DONE'"), "search_runs"),
    "TDB111 run lifecycle NULL": (sql("UPDATE runs SET lifecycle_stage = NULL"), "search_runs"),
    "TDB111 version status OK": (sql("UPDATE model_versions SET status = 'OK'"), "search_versions"),
    "TDB111 logged model status 9": (sql("UPDATE logged_models SET status = 9"), "search_logged"),
    "TDB111 log-model history not JSON": (sql("UPDATE tags SET value = '[{broken' "
                                              "WHERE key = 'mlflow.log-model.history'"), "search_runs"),
}


def call(what: str) -> None:
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    if what == "load_version":
        mlflow.pyfunc.load_model("models:/demo-model/1")
    elif what == "load_alias":
        mlflow.pyfunc.load_model("models:/demo-model@champion")
    # The REST server (and so the UI) serialises entities with to_proto(), which converts
    # the enum values; the Python client itself hands the raw strings through.
    elif what == "search_runs":
        for run in client.search_runs(["1"]):
            run.to_proto()
    elif what == "search_versions":
        for version in client.search_model_versions("name = 'demo-model'"):
            version.to_proto()
    elif what == "search_logged":
        for model in client.search_logged_models(["1"]):
            model.to_proto()


def main() -> int:
    if len(sys.argv) == 1:
        # One process per case: MLflow caches its store (and engine) per tracking URI.
        import subprocess

        for name in CASES:
            subprocess.run([sys.executable, __file__, name], check=False)
        return 0
    for name in sys.argv[1:]:
        defect, what = CASES[name]
        # MLflow resolves the recorded absolute locations: put the copy exactly there.
        shutil.rmtree(RECORDED, ignore_errors=True)
        shutil.copytree(SOURCE, RECORDED)
        os.chdir(RECORDED)
        defect(Path(RECORDED))
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{RECORDED}/mlflow.db")
        try:
            call(what)
            print(f"{name}: {what}: no error")
        except Exception as exc:
            print(f"{name}: {what}: {type(exc).__name__}: {str(exc)[:160]}")
    return 0


if __name__ == "__main__":
    tempfile.tempdir = None
    sys.exit(main())
