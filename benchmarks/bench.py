"""Time mlint against the physical floor and against MLflow, on one generated tree.

    python benchmarks/bench.py --runs 1000 [--repeat 3] [--workdir /tmp/mlint-bench]

Steps: write a one-run template with real MLflow (`--mlflow-python`, default /work/venv's),
clone it into N runs (`gen_tree.py`), then, per repetition and in this order:

  a  bare read    every byte of every file, one process (os.scandir walk + read): the floor
  b  mlflow read  the file store as a user would check it: every experiment, every run with
                  its metrics/params/tags (search_runs), every logged model, Model.load on
                  every MLmodel (needs MLFLOW_ALLOW_FILE_STORE=true; set here)
  c  mlint cold   `mlint check` with an empty result cache (it fills it)
  d  mlint warm   `mlint check` again, nothing changed
  c0 mlint        `mlint check --no-cache` (for reference)

Medians over the repetitions, the ratios c/a, b/c, d/c, and peak memory (PSS summed over the
process and its workers, sampled every 20 ms). The OS page cache is NOT dropped (that needs root);
all numbers are warm-page-cache, and one unmeasured bare read warms it first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_tree  # noqa: E402


# --- the measured programs (run as subprocesses of this script) --------------------------
def bare_read(root: str) -> None:
    total = files = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    with open(entry.path, "rb") as handle:
                        total += len(handle.read())
                    files += 1
    print(f"{files} files, {total} bytes")


def mlflow_read(root: str) -> None:
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow.entities import ViewType
    from mlflow.models import Model
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"file:{root}", registry_uri=f"file:{root}")
    experiments = client.search_experiments(view_type=ViewType.ALL)
    runs = models = loaded = 0
    for exp in experiments:
        token = None
        while True:  # the file store reads every run for every page: one big page
            page = client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL,
                                      max_results=50000, page_token=token)
            for run in page:
                runs += 1
                _ = (run.data.metrics, run.data.params, run.data.tags)
            token = page.token
            if not token:
                break
        with contextlib.suppress(Exception):  # MLflow < 3 has no logged models
            models += len(client.search_logged_models(experiment_ids=[exp.experiment_id],
                                                      max_results=50000))
    for folder, _dirs, names in os.walk(root):
        if "MLmodel" in names:
            Model.load(folder)
            loaded += 1
    print(f"{len(experiments)} experiments, {runs} runs, {models} logged models, {loaded} MLmodel")


# --- measuring ---------------------------------------------------------------------------
def _rss_kb(pid: int) -> int:
    """Proportional set size (PSS) of `pid` and its descendants: forked workers share the
    parent's pages copy-on-write, and summing plain RSS would count those pages once per
    process. Falls back to VmRSS where smaps_rollup is missing."""
    total = 0
    try:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        except (OSError, StopIteration):
            with open(f"/proc/{pid}/status") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            for child in handle.read().split():
                total += _rss_kb(int(child))
    except (OSError, ValueError, StopIteration):  # the process ended while being sampled
        pass
    return total


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak memory (KB, PSS of the process plus its children) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_kb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}):\n{err[-2000:]}")
    return elapsed, peak or usage.ru_maxrss


def bench(args: argparse.Namespace) -> dict[str, object]:
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    template = Path(args.template) if args.template else work / "template" / "mlruns"
    if not args.template:
        shutil.rmtree(template.parent, ignore_errors=True)
        env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}
        subprocess.run([args.mlflow_python, str(HERE / "make_template.py"), str(template.parent)],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = work / f"tree-{args.runs}" / "mlruns"
    t0 = time.perf_counter()
    if not (args.reuse_tree and (tree.parent / "COMPLETE").exists()):
        (tree.parent / "COMPLETE").unlink(missing_ok=True)
        gen_tree.generate(template, tree, args.runs)
        (tree.parent / "COMPLETE").write_text(f"{args.runs}\n")
    generated = time.perf_counter() - t0
    files = sum(len(names) for _, _, names in os.walk(tree))
    me = [sys.executable, str(Path(__file__).resolve())]
    mlint = [sys.executable, "-m", "mlint", "check", "--format", "concise"]
    if args.jobs:
        mlint += ["--jobs", str(args.jobs)]
    measure([*me, "--bare", str(tree)])  # warm the page cache
    times: dict[str, list[float]] = {k: [] for k in ("a", "b", "c", "d", "c0")}
    rss: dict[str, int] = dict.fromkeys(times, 0)
    for rep in range(args.repeat):
        runs = [("a", [*me, "--bare", str(tree)])]
        mlflow_reps = args.repeat if args.mlflow_repeat is None else args.mlflow_repeat
        if not args.skip_mlflow and rep < mlflow_reps:
            runs.append(("b", [args.mlflow_python, *me[1:], "--mlflow", str(tree)]))
        for key, cmd in runs:
            t, r = measure(cmd)
            times[key].append(t)
            rss[key] = max(rss[key], r)
        with tempfile.TemporaryDirectory(prefix="mlint-bench-cache-") as cache:
            for key in ("c", "d"):
                t, r = measure([*mlint, "--cache-dir", cache, str(tree)])
                times[key].append(t)
                rss[key] = max(rss[key], r)
        t, r = measure([*mlint, "--no-cache", str(tree)])
        times["c0"].append(t)
        rss["c0"] = max(rss["c0"], r)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    result: dict[str, object] = {
        "runs": args.runs, "files": files, "generate_s": round(generated, 2), "repeat": args.repeat,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "peak_rss_mb": {k: round(v / 1024, 1) for k, v in rss.items() if v},
        "ratios": {"c/a": round(med["c"] / med["a"], 2), "d/c": round(med["d"] / med["c"], 3)},
    }
    if "b" in med:
        result["ratios"]["b/c"] = round(med["b"] / med["c"], 2)  # type: ignore[index]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mlflow-repeat", type=int, default=None,
                        help="repetitions of (b), which is slow (default: --repeat)")
    parser.add_argument("--jobs", type=int, default=0, help="passed to mlint (default: its own default)")
    parser.add_argument("--workdir", default="/tmp/mlint-bench")
    parser.add_argument("--template", help="an existing template mlruns/ (skips running MLflow)")
    parser.add_argument("--mlflow-python", default="/work/venv/bin/python")
    parser.add_argument("--skip-mlflow", action="store_true")
    parser.add_argument("--reuse-tree", action="store_true",
                        help="keep a tree a previous invocation generated completely")
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    parser.add_argument("--mlflow", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_read(args.bare)
        return 0
    if args.mlflow:
        mlflow_read(args.mlflow)
        return 0
    result = bench(args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
