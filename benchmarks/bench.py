"""Time mlint against the physical floor and against MLflow, on one generated tree.

    python benchmarks/bench.py --runs 1000 [--repeat 3] [--workdir /tmp/mlint-bench]

Steps: write a one-run template with real MLflow (`--mlflow-python`, default: this interpreter),
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

`--report` adds, per repetition, what issue #20's targets need (docs/performance.md, "Round 2"):

  c1 mlint -j1    `mlint check --no-cache --jobs 1`: CPU seconds (user + sys) and µs per file
  p2 mlint -j2    `mlint check --no-cache --jobs 2`, run in-process by this script, which reads
                  the CPU of the parent itself and of its (reaped) workers: the parent's share
                  of the total and its CPU per unit (discovery + scheduling + collecting)
  s  start-up     `mlint check --no-cache` of one model folder without a signature and of
                  examples/model (with an input example), and a warm `mlint check examples/model`,
                  --startup-repeat times each, medians; bytecode compiled first, as pip does

and prints the targets table: CPU µs/file at -j1, parent share at -j2, start-up, d/c and d/a,
peak PSS, and MLflow against mlint -j1 (b/c1).
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


def mlint_probe(out: str, argv: list[str]) -> None:
    """`mlint check ARGV` in this process; writes its CPU split (this process = the parent,
    reaped children = the workers) and the report's unit and file counts to OUT."""
    import resource

    from mlint import cli

    started = resource.getrusage(resource.RUSAGE_SELF)
    reports = []
    original = cli.check_paths

    def capture(*args: object, **kwargs: object) -> object:
        report = original(*args, **kwargs)  # type: ignore[arg-type]
        reports.append(report)
        return report

    cli.check_paths = capture  # type: ignore[assignment]
    preloaded = [0.0]
    try:  # the one-time import before forking (mlint.perf.parallel.preload), if this mlint has it
        from mlint.perf import parallel

        original_preload = parallel.preload

        def timed_preload(engine: object) -> None:
            t0 = time.process_time()  # only the main thread runs before the pool starts
            original_preload(engine)  # type: ignore[arg-type]
            preloaded[0] += time.process_time() - t0

        parallel.preload = timed_preload  # type: ignore[assignment]
    except (ImportError, AttributeError):
        pass
    code = cli.main(argv)
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = reports[-1]
    Path(out).write_text(json.dumps({
        "exit": code, "units": sum(report.units.values()), "files": report.files,
        "parent_cpu": own.ru_utime + own.ru_stime, "workers_cpu": workers.ru_utime + workers.ru_stime,
        "parent_import_cpu": started.ru_utime + started.ru_stime, "parent_preload_cpu": preloaded[0],
    }))


def scheduling(root: str) -> None:
    """Per-unit cost of what the scheduler adds around the rules (mlint.perf.parallel), in this
    process, on the real units of the tree: discovery, building the specs (parent), pickling a
    batch to a worker and rebuilding its units (worker), and an outcome's trip back (a clean
    unit with its cache row: pickled by the worker, unpickled by the parent). Prints JSON."""
    import pickle

    from mlint.core.config import Config
    from mlint.discovery.walk import Discovery, iter_units
    from mlint.perf.parallel import Outcome, rebuild, spec_batches
    from mlint.reading.filecache import FileCache

    clock = time.process_time
    t0 = clock()
    units = list(iter_units([Path(root)], FileCache(), Discovery()))
    t1 = clock()
    batches = list(spec_batches(iter(units)))
    t2 = clock()
    sent = [pickle.dumps(b, pickle.HIGHEST_PROTOCOL) for b in batches]
    t3 = clock()
    for blob in sent:
        rebuild(pickle.loads(blob), Config())
    t4 = clock()
    # A clean unit's outcome: no diagnostics, its new cache row (~350 bytes on this tree).
    back = [pickle.dumps([Outcome([], 30, "run", entry=(f"run\x00{s.chain[-1][1]}\x00{root}\x00{root}",
                                                         os.urandom(350))) for s in b],
                         pickle.HIGHEST_PROTOCOL) for b in batches]
    t5 = clock()
    for blob in back:
        pickle.loads(blob)
    t6 = clock()
    n = len(units)
    per = {"units": n, "batches": len(batches), "bytes_sent_per_unit": round(sum(map(len, sent)) / n),
           "bytes_back_per_unit": round(sum(map(len, back)) / n)}
    for name, seconds in (("discovery", t1 - t0), ("specs", t2 - t1), ("send", t3 - t2),
                          ("worker_rebuild", t4 - t3), ("result_pickle", t5 - t4),
                          ("result_unpickle", t6 - t5)):
        per[f"{name}_us"] = round(seconds / n * 1e6, 1)
    print(json.dumps(per))


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


# Measured interpreters compile and keep bytecode as an installed package does (the environment
# of some sandboxes sets PYTHONDONTWRITEBYTECODE, which makes every start compile every module).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
LAST_CPU = [0.0]  # CPU seconds (user + sys, children included) of the last `measure`d command


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak memory (KB, PSS of the process plus its children) of one command;
    its CPU time goes to LAST_CPU."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or ENV)
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
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime  # wait4: the process and its reaped workers
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
    extra = report_round2(args, tree, files, mlint) if args.report else {}
    med = {k: statistics.median(v) for k, v in times.items() if v}
    result: dict[str, object] = {
        "runs": args.runs, "files": files, "generate_s": round(generated, 2), "repeat": args.repeat,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "peak_rss_mb": {k: round(v / 1024, 1) for k, v in rss.items() if v},
        "ratios": {"c/a": round(med["c"] / med["a"], 2), "d/c": round(med["d"] / med["c"], 3)},
    }
    if "b" in med:
        result["ratios"]["b/c"] = round(med["b"] / med["c"], 2)  # type: ignore[index]
    if extra:
        result["ratios"]["d/a"] = round(med["d"] / med["a"], 3)  # type: ignore[index]
        if "b" in med:
            result["ratios"]["b/c1"] = round(med["b"] / extra["c1_wall_s"], 2)  # type: ignore[index]
        result["round2"] = extra
        result["targets"] = targets(result)
    return result


REPO = HERE.parent
# A clean model folder MLflow 3.17.2 wrote with no signature and no input example (skops), and
# examples/model (column signature and input example: SIG120/SIG121 enforce it).
NO_SIGNATURE = REPO / "tests/data/mlflow/3.17.2/mlruns/0/models/m-04c579c969be47568585d916b374fb8e/artifacts"
WITH_EXAMPLE = REPO / "examples/model"


def report_round2(args: argparse.Namespace, tree: Path, files: int, mlint: list[str]) -> dict[str, object]:
    """The measurements issue #20's targets need beyond a/b/c/d (medians over --repeat)."""
    me = [sys.executable, str(Path(__file__).resolve())]
    c1_wall, c1_cpu, parent, workers, per_unit, start_cpu = [], [], [], [], [], []
    preload_cpu: list[float] = []
    steady_share: list[float] = []
    for _ in range(args.repeat):
        t, _ = measure([*mlint, "--no-cache", "--jobs", "1", str(tree)])
        c1_wall.append(t)
        c1_cpu.append(LAST_CPU[0])
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            measure([*me, "--probe", out.name, "--", "check", "--no-cache", "--jobs", "2",
                     "--format", "concise", str(tree)])
            probe = json.loads(Path(out.name).read_text())
        parent.append(probe["parent_cpu"])
        workers.append(probe["workers_cpu"])
        # The parent's cost per unit beyond its start (imports; registry and config included
        # in the per-unit figure): discovery, specs, pickling, collecting outcomes, the cache.
        start_cpu.append(probe["parent_import_cpu"])
        preload_cpu.append(probe.get("parent_preload_cpu", 0.0))
        steady = probe["parent_cpu"] - probe["parent_import_cpu"] - preload_cpu[-1]
        per_unit.append(steady / max(1, probe["units"]))
        steady_share.append(steady / (probe["parent_cpu"] + probe["workers_cpu"]))
    start: dict[str, list[float]] = {"no_signature": [], "examples_model": [], "examples_model_warm": []}
    with tempfile.TemporaryDirectory(prefix="mlint-bench-cache-") as cache:
        one = [*mlint, "--jobs", "1"]
        cases = {"no_signature": [*one, "--no-cache", str(NO_SIGNATURE)],
                 "examples_model": [*one, "--no-cache", str(WITH_EXAMPLE)],
                 "examples_model_warm": [*one, "--cache-dir", cache, str(WITH_EXAMPLE)]}
        for cmd in cases.values():
            measure(cmd)  # compiles bytecode, fills the cache of the warm case
        for _ in range(args.startup_repeat):
            for name, cmd in cases.items():  # alternating, so that load spikes hit all cases
                start[name].append(measure(cmd)[0])
    med = statistics.median
    return {
        "c1_wall_s": round(med(c1_wall), 3),
        "c1_cpu_s": round(med(c1_cpu), 3),
        "cpu_us_per_file_j1": round(med(c1_cpu) / files * 1e6, 1),
        "p2_parent_cpu_s": round(med(parent), 3),
        "p2_workers_cpu_s": round(med(workers), 3),
        "p2_parent_share": round(med([p / (p + w) for p, w in zip(parent, workers, strict=True)]), 4),
        "p2_parent_start_s": round(med(start_cpu), 3),
        "p2_parent_preload_s": round(med(preload_cpu), 3),
        # Without the one-time imports: the part of the parent's work that grows with the tree.
        "p2_parent_share_per_unit_work": round(med(steady_share), 4),
        "p2_parent_us_per_unit": round(med(per_unit) * 1e6, 1),  # after imports and preload
        "scheduling": json.loads(subprocess.run([*me, "--scheduling", str(tree)], env=ENV, check=True,
                                                capture_output=True, text=True).stdout),
        "startup_s": {name: round(med(v), 3) for name, v in start.items()},
    }


def targets(result: dict[str, object]) -> list[dict[str, object]]:
    """Issue #20's targets with this run's figures (`met` is a plain comparison)."""
    r2: dict = result["round2"]  # type: ignore[assignment]
    ratios: dict = result["ratios"]  # type: ignore[assignment]
    peak: dict = result["peak_rss_mb"]  # type: ignore[assignment]
    start = r2["startup_s"]
    rows = [
        ("1 CPU per file, --jobs 1", f"{r2['cpu_us_per_file_j1']} µs", "≤ 40 µs",
         r2["cpu_us_per_file_j1"] <= 40),
        ("2 parent's share of CPU, -j2",
         f"{r2['p2_parent_share']:.1%}: imports {r2['p2_parent_start_s']} s, preload "
         f"{r2['p2_parent_preload_s']} s, then {r2['p2_parent_us_per_unit']} µs/unit "
         f"({r2['p2_parent_share_per_unit_work']:.1%})",
         "≤ 5 %", r2["p2_parent_share"] <= 0.05),
        ("3 start-up, model folder without signature", f"{start['no_signature']} s", "≤ 0.25 s",
         start["no_signature"] <= 0.25),
        ("3 start-up, examples/model (input example)", f"{start['examples_model']} s", "≤ 0.25 s",
         start["examples_model"] <= 0.25),
        ("3 start-up, examples/model, warm cache", f"{start['examples_model_warm']} s", "≤ 0.25 s",
         start["examples_model_warm"] <= 0.25),
        ("4 warm re-run / cold (d/c)", f"{ratios['d/c']}", "≤ 0.2", ratios["d/c"] <= 0.2),
        ("4 warm re-run / bare read (d/a)", f"{ratios['d/a']}", "≤ 1", ratios["d/a"] <= 1),
        ("5 peak PSS, cold", f"{peak.get('c')} MB", "≤ 300 MB", (peak.get("c") or 0) <= 300),
    ]
    if "b/c1" in ratios:
        rows.append(("6 MLflow / mlint --jobs 1 (b/c1)", f"{ratios['b/c1']}", "≥ 2", ratios["b/c1"] >= 2))
    return [{"target": t, "figure": f, "goal": g, "met": bool(m)} for t, f, g, m in rows]


def print_targets(rows: list[dict[str, object]]) -> None:
    print("\n| Target | Figure | Goal | Met |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['target']} | {row['figure']} | {row['goal']} | {'yes' if row['met'] else '**no**'} |")


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
    parser.add_argument("--mlflow-python", default=sys.executable,
                        help="an interpreter with mlflow (default: this one; the test extra has it)")
    parser.add_argument("--skip-mlflow", action="store_true")
    parser.add_argument("--reuse-tree", action="store_true",
                        help="keep a tree a previous invocation generated completely")
    parser.add_argument("--report", action="store_true",
                        help="also measure issue #20's targets (c1, p2, start-up) and print the table")
    parser.add_argument("--startup-repeat", type=int, default=10, help="start-up runs per case (--report)")
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--scheduling", metavar="TREE",
                        help="only print the scheduler's per-unit costs on TREE (JSON) and exit")
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    parser.add_argument("--mlflow", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.scheduling:
        scheduling(args.scheduling)
        return 0
    if args.probe:
        mlint_probe(args.probe, rest[1:] if rest[:1] == ["--"] else rest)
        return 0
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.bare:
        bare_read(args.bare)
        return 0
    if args.mlflow:
        mlflow_read(args.mlflow)
        return 0
    result = bench(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if "targets" in result:
        print_targets(result["targets"])  # type: ignore[arg-type]
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
