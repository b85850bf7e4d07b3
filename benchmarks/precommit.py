"""What the `mlint` pre-commit hook costs on a big commit, against checking the whole tree.

    python benchmarks/precommit.py --template TEMPLATE/mlruns --runs 300

Clones the template into N runs (`gen_tree.py`), then times, with an empty cache and one
process (`-j1`, so the comparison is about work, not cores):

- `tree`: `mlint check mlruns` (what checking the units costs);
- `hook`: every file of the tree passed to `mlint check --changed-files`, split into command
  lines of at most 128 KiB and run one after another, as pre-commit does for a hook with
  `require_serial: true` (its xargs caps a command line at 2**17 bytes on POSIX).

The hook checks every unit of the tree once per batch it has files in, so its cost is the
tree's plus one interpreter start per batch. Before mlint 0.x memoised layout answers per
folder, each file walked up the tree and listed the experiment folder's logged models again
(a 300-run commit took ~15 minutes); see docs/performance.md for the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen_tree  # noqa: E402

MAX_COMMAND = 2**17  # pre-commit's xargs limit on POSIX


def batches(files: list[str], fixed: int) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    size = fixed
    for name in files:
        cost = len(name.encode()) + 1
        if current and size + cost > MAX_COMMAND:
            out.append(current)
            current, size = [], fixed
        current.append(name)
        size += cost
    if current:
        out.append(current)
    return out


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode == 2:
        raise SystemExit(f"{command[:4]}… failed: {done.stderr.decode()[-2000:]}")
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", required=True, help="a template mlruns/ (benchmarks/make_template.py)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--workdir", default="/tmp/mlint-bench-precommit")
    parser.add_argument("--mlint", default=str(Path(sys.executable).parent / "mlint"))
    parser.add_argument("--limit", type=int, default=0, help="pass only the first N files to the hook")
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args()

    work = Path(args.workdir)
    tree = work / "mlruns"
    if tree.exists():
        shutil.rmtree(tree)
    work.mkdir(parents=True, exist_ok=True)
    gen_tree.generate(Path(args.template), tree, args.runs)
    files = sorted(os.path.relpath(os.path.join(folder, name), work)
                   for folder, _, names in os.walk(tree) for name in names)
    if args.limit:
        files = files[:args.limit]
    base = [args.mlint, "check", "--no-cache", "-j1", "--format", "concise"]
    tree_seconds, _ = timed([*base, "mlruns"], work)
    parts = batches(files, sum(len(a) + 1 for a in base) + len("--changed-files "))
    hook_seconds = 0.0
    for part in parts:
        seconds, _ = timed([*base, "--changed-files", *part], work)
        hook_seconds += seconds
    result = {"runs": args.runs, "files": len(files), "batches": len(parts),
              "tree_seconds": round(tree_seconds, 2), "hook_seconds": round(hook_seconds, 2)}
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
