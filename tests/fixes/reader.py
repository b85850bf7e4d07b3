"""Dump what MLflow's own file-store reader returns for each tree (runs and metric histories).

Usage: python reader.py TREE...  (each TREE is an mlruns folder). Prints one JSON object:
{tree: {run_id: {"info": …, "params": …, "tags": …, "inputs": …, "history": {key: [[ts, step, value], …]}}}}.
NaN values are printed as the string "nan" so that JSON comparison works.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def dump(root: str) -> dict[str, Any]:
    from mlflow.entities import ViewType
    from mlflow.store.tracking.file_store import FileStore

    store = FileStore(root)
    out: dict[str, Any] = {}
    experiments = store.search_experiments(view_type=ViewType.ALL)
    for experiment in experiments:
        runs = store.search_runs([experiment.experiment_id], "", ViewType.ALL, max_results=50000)
        for run in runs:
            info = run.info
            out[info.run_id] = {
                "info": [info.experiment_id, info.status, info.lifecycle_stage, info.start_time,
                         info.end_time, info.run_name],
                "params": run.data.params,
                "tags": run.data.tags,
                "inputs": sorted((d.dataset.name, d.dataset.digest) for d in run.inputs.dataset_inputs),
                "history": {key: [[m.timestamp, m.step, _value(m.value)]
                                  for m in store.get_metric_history(info.run_id, key)]
                            for key in sorted(run.data.metrics)},
            }
    return out


def _value(value: float) -> float | str:
    return "nan" if math.isnan(value) else value


if __name__ == "__main__":
    print(json.dumps({tree: dump(tree) for tree in sys.argv[1:]}))
