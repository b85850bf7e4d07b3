"""Throughput of mlint's pickle scanner versus picklescan, in one run.

Generates into a temp dir (deleted afterwards):
  * rf.pkl     ~60 MB pickled RandomForestClassifier (many trees, full depth)
  * array.pkl  ~400 MB pickled float64 array
and times, best of --repeat runs each with a warm page cache:
  * mlint.pickles.scan_file(path)                     (in this process)
  * picklescan.scanner.scan_file_path(path)           (in --picklescan-python, timed there)

picklescan is not a project dependency: install it in a scratch venv and pass its python,
e.g. `python -m venv /tmp/ps && /tmp/ps/bin/pip install picklescan`.

Usage: python benchmarks/pickle_throughput.py --picklescan-python /tmp/ps/bin/python
(with `mlint` importable, e.g. PYTHONPATH pointing at a dir with a `mlint` -> validator link).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PICKLESCAN_TIMER = r"""
import json, sys, time
from picklescan.scanner import scan_file_path
path, repeat = sys.argv[1], int(sys.argv[2])
best, res = float("inf"), None
for _ in range(repeat):
    t = time.perf_counter()
    res = scan_file_path(path)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "globals": len(res.globals), "issues": res.issues_count,
                  "infected": res.infected_files, "errors": res.scan_err}))
"""


def make_rf(path: Path, target_mb: float) -> None:
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 10))
    y = rng.integers(0, 2, size=20_000)  # noisy labels -> full-depth trees, big node arrays
    # Calibrate the number of trees from one tree's pickled size.
    one = RandomForestClassifier(n_estimators=1, random_state=0).fit(X, y)
    per_tree = len(pickle.dumps(one.estimators_[0], protocol=pickle.DEFAULT_PROTOCOL))
    n = max(1, round(target_mb * 1024**2 / per_tree))
    model = RandomForestClassifier(n_estimators=n, random_state=0, n_jobs=2).fit(X, y)
    with open(path, "wb") as f:
        pickle.dump(model, f, protocol=pickle.DEFAULT_PROTOCOL)


def make_array(path: Path, target_mb: float) -> None:
    import numpy as np

    arr = np.random.default_rng(1).random(int(target_mb * 1024**2 / 8))
    with open(path, "wb") as f:
        pickle.dump(arr, f, protocol=pickle.DEFAULT_PROTOCOL)


def time_mlint(path: Path, repeat: int) -> tuple[float, dict[str, object]]:
    from mlint.pickles import scan_file

    best, rep = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        rep = scan_file(path)
        best = min(best, time.perf_counter() - t)
    assert rep is not None
    return best, {"globals": len(rep.globals), "findings": len(rep.findings),
                  "complete": rep.complete, "bytes_scanned": rep.bytes_scanned}


def time_picklescan(python: str, path: Path, repeat: int) -> dict[str, object]:
    out = subprocess.run([python, "-c", PICKLESCAN_TIMER, str(path), str(repeat)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picklescan-python", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rf-mb", type=float, default=60)
    ap.add_argument("--array-mb", type=float, default=400)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlint-bench-") as tmp:
        files = {"rf.pkl": make_rf, "array.pkl": make_array}
        sizes = {"rf.pkl": args.rf_mb, "array.pkl": args.array_mb}
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, repeat={args.repeat}")
        print(f"{'file':<10} {'MB':>7} {'mlint s':>9} {'MB/s':>8} {'picklescan s':>13} "
              f"{'MB/s':>8} {'speedup':>8}")
        for name, make in files.items():
            path = Path(tmp) / name
            make(path, sizes[name])
            mb = path.stat().st_size / 1024**2
            path.read_bytes()  # warm the page cache for both tools alike
            ours, info = time_mlint(path, args.repeat)
            theirs = time_picklescan(args.picklescan_python, path, args.repeat)
            ts = float(theirs["seconds"])  # type: ignore[arg-type]
            print(f"{name:<10} {mb:7.1f} {ours:9.3f} {mb / ours:8.0f} {ts:13.3f} "
                  f"{mb / ts:8.0f} {ts / ours:7.1f}x")
            print(f"           mlint {info}; picklescan {theirs}")
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
