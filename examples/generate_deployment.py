#!/usr/bin/env python
"""Write the example tracking deployment with real MLflow, then its defective copy.

    .venv/bin/python examples/generate_deployment.py      # from the repository root

* ``examples/deployment/``: MLflow's default layout since 3.6 (``sqlite:///mlflow.db`` and the
  artifact root ``mlruns/`` beside it), written by the MLflow of the running interpreter with
  ``tests/data/generate_tracking_db_fixtures.py`` (experiment ``demo``, one run, an sklearn model
  registered as ``demo-model`` v1). Recorded locations read
  ``/tmp/mlint-gen-db/examples/deployment/mlruns/…``; mlint maps them to the ``mlruns/`` beside
  the database.
* ``examples/defective/deployment/``: a copy with the defects listed in examples/README.md,
  applied the way a hand edit or an interrupted clean-up leaves them.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
GENERATOR = EXAMPLES.parent / "tests" / "data" / "generate_tracking_db_fixtures.py"
WORK = Path("/tmp/mlint-gen-db/examples/deployment")
ORPHAN = "0123456789abcdef0123456789abcdef"
GONE = "fedcba9876543210fedcba9876543210"


def make_defective(folder: Path) -> None:
    conn = sqlite3.connect(folder / "mlflow.db")
    with conn:
        # 1. An alias left pointing at a version that was deleted by hand.
        conn.execute("INSERT INTO registered_model_aliases (name, alias, version) "
                     "VALUES ('demo-model', 'champion', 3)")
        # 2. A version whose logged model was deleted by hand, rows and artifacts alike
        row = conn.execute("SELECT * FROM model_versions WHERE version = 1").fetchone()
        names = [d[0] for d in conn.execute("SELECT * FROM model_versions").description]
        values = dict(zip(names, row))
        model_id = values["source"].removeprefix("models:/")
        values.update(version=2, source="models:/m-" + GONE,
                      storage_location=values["storage_location"].replace(model_id, "m-" + GONE))
        conn.execute(f"INSERT INTO model_versions ({', '.join(values)}) "
                     f"VALUES ({', '.join('?' for _ in values)})", list(values.values()))
        # 3. Metrics of a run deleted with a hand-written DELETE (SQLite kept them).
        conn.execute("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
                     "VALUES ('loss', 0.5, 0, ?, 0, 0)", (GONE,))
    conn.close()
    # 4. Artifacts of a run that is in no database (restored backup, or a second database).
    orphan = folder / "mlruns" / "1" / ORPHAN / "artifacts"
    orphan.mkdir(parents=True)
    (orphan / "notes.txt").write_text("left behind\n")


def main() -> int:
    spec = importlib.util.spec_from_file_location("generator", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.write(WORK)
    for target in (EXAMPLES / "deployment", EXAMPLES / "defective" / "deployment"):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(WORK, target)
    make_defective(EXAMPLES / "defective" / "deployment")
    return 0


if __name__ == "__main__":
    sys.exit(main())
