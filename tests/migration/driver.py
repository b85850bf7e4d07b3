"""Run MLflow's real `migrate-filestore` code on many trees in ONE interpreter.

Usage: python driver.py JOBS.json  — JOBS is a list of {"source": dir, "target": db-file}.
Prints a JSON list of {"source", "ok", "error"}. Importing mlflow and creating the database
schema (alembic) take seconds; doing both once and copying the empty, initialised database
for each tree keeps the oracle suite fast. `migrate()` is what the CLI command calls after
checking its arguments (mlflow/store/fs2db/cli.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import sys
from pathlib import Path


def main() -> None:
    from mlflow.store.db.utils import _initialize_tables
    from mlflow.store.fs2db import migrate
    from sqlalchemy import create_engine

    logging.disable(logging.CRITICAL)
    jobs = json.loads(Path(sys.argv[1]).read_text())
    template = Path(sys.argv[1]).with_suffix(".template.db")
    engine = create_engine(f"sqlite:///{template}")
    _initialize_tables(engine)
    engine.dispose()
    results = []
    for job in jobs:
        shutil.copyfile(template, job["target"])
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                migrate(Path(job["source"]), f"sqlite:///{job['target']}", progress=False)
            results.append({"source": job["source"], "ok": True, "error": ""})
        except Exception as exc:  # the outcome under test: any failure is an abort
            results.append({"source": job["source"], "ok": False,
                            "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
