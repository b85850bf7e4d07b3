"""CPU per file of `mlint check --jobs 1 --no-cache` (issue #20, target 1), and where it goes.

    python benchmarks/profile_cpu.py TREE [--repeat 5] [--compare OTHER_SOURCE_ROOT]
    python benchmarks/profile_cpu.py TREE --profile OUT.txt    # + py-spy's collapsed stacks

Times user+sys CPU of the child process (`resource.getrusage(RUSAGE_CHILDREN)`), divides by
the number of files mlint reports, and prints the minimum and the median over `--repeat`
runs. `--compare DIR` also runs the mlint whose source tree is DIR (a checkout or a
`git archive` of another commit: its `typecheck/` symlink tree is put first on PYTHONPATH),
alternating the two in every repetition, so that both see the same noise of a shared machine.
The JSON reports of both are compared too: an optimisation must not change a finding.

`--profile OUT` records the current code with py-spy (`pip install py-spy`; collapsed stacks,
one line per stack) and prints the share of the samples under each of a few components.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

# (label, substring of a frame) — the first matching frame of a stack, from the top, wins
# nothing: every component a stack passes through is counted once (inclusive shares).
COMPONENTS = (
    ("start-up: imports", "_find_and_load ("),
    ("reading files (guard, cache, read, decode)", "Unit.load ("),
    ("YAML parsing", "parse_yaml ("),
    ("JSON parsing", "parse_json ("),
    ("metric files (RUN110/RUN113)", "rules/metrics.py"),
    ("params/tags (RUN111/RUN112/RUN114)", "rules/params_tags.py"),
    ("pickle scanning (PKL)", "pickle_targets.py"),
    ("input examples (SIG120/SIG121)", "rules/input_examples.py"),
    ("schema rules", "rules/schema_rules.py"),
    ("special-file scan", "special_candidates ("),
    ("requirements (ENV)", "rules/env_requirements.py"),
    ("discovery", "discovery/walk.py"),
)


def _run(source: Path | None, tree: Path, out: Path) -> float:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source / "typecheck") + os.pathsep + env.get("PYTHONPATH", "")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out.open("wb") as sink:
        subprocess.run([sys.executable, "-m", "mlint", "check", "--jobs", "1", "--no-cache",
                        "--format", "json", str(tree)], stdout=sink, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _files(report: Path) -> int:
    return int(json.loads(report.read_text())["summary"]["files"])


def _profile(tree: Path, out: Path) -> None:
    spy = shutil.which("py-spy")
    if spy is None:
        sys.exit("py-spy is not installed (pip install py-spy)")
    subprocess.run([spy, "record", "-r", "250", "-f", "raw", "-o", str(out), "--", sys.executable,
                    "-m", "mlint", "check", "--jobs", "1", "--no-cache", str(tree)],
                   stdout=subprocess.DEVNULL, check=False)
    total, shares = 0, Counter[str]()
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for label, needle in COMPONENTS:
            if needle in stack:
                shares[label] += int(count)
    print(f"{total} samples")
    for label, _needle in COMPONENTS:
        print(f"{100 * shares[label] / max(total, 1):5.1f}%  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another source tree, timed alternately")
    parser.add_argument("--profile", type=Path, help="write py-spy collapsed stacks here")
    args = parser.parse_args()
    if args.profile:
        _profile(args.tree, args.profile)
        return
    work = Path(tempfile.mkdtemp(prefix="mlint-cpu-"))
    sources: list[tuple[str, Path | None]] = [("this", None)]
    if args.compare:
        sources.append(("compare", args.compare.resolve()))
    times: dict[str, list[float]] = {name: [] for name, _ in sources}
    files: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, source in sources:
            report = work / f"{name}.json"
            times[name].append(_run(source, args.tree, report))
            files[name] = _files(report)
    for name, _source in sources:
        per = [t / files[name] * 1e6 for t in times[name]]
        print(f"{name:8} files {files[name]:>8,}  CPU s: min {min(times[name]):6.2f} "
              f"median {statistics.median(times[name]):6.2f}  µs/file: min {min(per):6.1f} "
              f"median {statistics.median(per):6.1f}")
    if args.compare:
        same = (work / "this.json").read_bytes() == (work / "compare.json").read_bytes()
        print("JSON reports identical" if same else "JSON REPORTS DIFFER: see " + str(work))
        if same:
            shutil.rmtree(work)
    else:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
