#!/usr/bin/env python
"""Write a small MLflow 3 file-store tree with a trace and a prompt, with *real* MLflow (the
project venv's 3.17.2), into tests/data/tracing/<version>/mlruns/.

    .venv/bin/python tests/data/generate_tracing_fixtures.py

The MLflow code runs in a child process with cwd /tmp/mlint-gen/tracing (outside any git
checkout, so no `mlflow.source.git.*` metadata) and writes to the fixed root
/tmp/mlint-gen/tracing/mlruns, so the absolute `mlflow.artifactLocation` tag of the trace reads
the same on every machine. Synchronous trace export (`MLFLOW_ENABLE_ASYNC_TRACE_LOGGING=false`)
so the spans are on disk before the child exits; the child reads both back (`get_trace`,
`search_traces`, `load_prompt`) before the tree is copied.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path("/tmp/mlint-gen/tracing")
REPO_DATA = Path(__file__).resolve().parent / "tracing"

CHILD = r'''
import mlflow
from mlflow import MlflowClient

uri = "file:/tmp/mlint-gen/tracing/mlruns"
mlflow.set_tracking_uri(uri)
mlflow.set_registry_uri(uri)
mlflow.set_experiment("tracing")

@mlflow.trace
def add_one(x):
    return x + 1

add_one(1)
trace_id = mlflow.get_last_active_trace_id()
trace = MlflowClient().get_trace(trace_id)
assert trace.info.state.value == "OK" and len(trace.data.spans) == 1
assert len(mlflow.search_traces(return_type="list")) == 1
mlflow.genai.register_prompt(name="greeting", template="Hello {{name}}!")
assert mlflow.genai.load_prompt("prompts:/greeting/1").template == "Hello {{name}}!"
print(mlflow.__version__)
'''


def _empty_dirs(root: Path) -> list[str]:
    return sorted(Path(d).relative_to(root).as_posix()
                  for d, dirs, files in os.walk(root) if not dirs and not files)


def main() -> int:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    ROOT.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(MLFLOW_ALLOW_FILE_STORE="true", MLFLOW_ENABLE_ASYNC_TRACE_LOGGING="false",
               LOGNAME="mlint-gen", USER="mlint-gen")
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    version = out.stdout.strip().splitlines()[-1]
    target = REPO_DATA / version
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "mlruns", target / "mlruns")
    (target / "EMPTY_DIRS.txt").write_text(
        "".join(f"mlruns/{d}\n" for d in _empty_dirs(ROOT / "mlruns")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
