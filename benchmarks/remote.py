"""Remote inputs and the Dask executor, measured (docs/performance.md, "Remote inputs").

    python benchmarks/remote.py --runs 300 --repeat 3 --json /tmp/remote.json

1. Clones a real-MLflow template into N runs (`gen_tree.py`; `--template DIR/mlruns`, default
   the tests' MLflow 3.17.2 tree) and uploads it to moto's S3 server, started as its own
   process on 127.0.0.1 (so that the server does not share an interpreter with what is timed).
2. Per repetition, alternating: (a) fsspec's bulk download of the prefix
   (`fs.get(prefix, local, recursive=True)`, the floor for "read every byte"), (b) `mlint check
   s3://…` — both as fresh processes; the ratio b/a and mlint's requests per run (from its JSON
   summary).
3. On the local copy of the same tree: the process pool (`--jobs 2`) against `--executor dask`
   with 1 and 2 workers (cluster start-up included: that is what a user waits for).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent / "tests" / "data" / "mlflow" / "3.17.2" / "mlruns"
BUCKET = "mlint-bench"
ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}

DOWNLOAD = """
import sys, fsspec
fs = fsspec.filesystem("s3")
fs.get(sys.argv[1], sys.argv[2], recursive=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")


def upload(tree: Path, endpoint: str, prefix: str) -> int:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, **{
        "aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"})
    client.create_bucket(Bucket=BUCKET)
    files = [p for p in tree.rglob("*") if p.is_file()]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda p: client.upload_file(str(p), BUCKET,
                                                   f"{prefix}/{p.relative_to(tree).as_posix()}"), files))
    return len(files)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:4]} failed: {result.stderr[-2000:]}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mlint-bench-remote"))
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    tree = args.workdir / f"tree-{args.runs}" / "mlruns"
    if not tree.exists():
        tree.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "gen_tree.py"), str(args.template), str(tree),
                        str(args.runs)], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = dict(os.environ, **ENV, AWS_ENDPOINT_URL=endpoint)
    os.environ.update(env)
    server = start_server(port)
    results: dict[str, object] = {"runs": args.runs}
    try:
        start = time.perf_counter()
        files = upload(tree, endpoint, f"t{args.runs}/mlruns")
        results["files"] = files
        print(f"uploaded {files} files in {time.perf_counter() - start:.1f} s", flush=True)
        uri = f"s3://{BUCKET}/t{args.runs}/mlruns"
        mlint = [sys.executable, "-m", "mlint", "check", "--isolated", "--no-cache", "--format", "json"]
        downloads, checks, summary = [], [], {}
        for rep in range(args.repeat):
            target = args.workdir / "download"
            shutil.rmtree(target, ignore_errors=True)
            seconds, _ = timed([sys.executable, "-c", DOWNLOAD, uri.removeprefix("s3://"), str(target)], env)
            downloads.append(seconds)
            seconds, out = timed([*mlint, uri], env)
            checks.append(seconds)
            summary = json.loads(out)["summary"]
            print(f"rep {rep + 1}: fs.get {downloads[-1]:.2f} s, mlint {checks[-1]:.2f} s", flush=True)
        local_seconds, _ = timed([*mlint, str(tree)], env)
        remote = summary["remote"]
        a, b = statistics.median(downloads), statistics.median(checks)
        results.update({
            "fs_get_s": round(a, 2), "mlint_remote_s": round(b, 2), "ratio": round(b / a, 2),
            "mlint_local_same_tree_s": round(local_seconds, 2),
            "requests": remote["requests"], "requests_per_run": round(remote["requests"] / args.runs, 1),
            "gets": remote["get"], "lists": remote["list"], "bytes": remote["bytes"],
            "findings": summary["errors"] + summary["warnings"] + summary["infos"],
        })
        print(json.dumps(results, indent=2), flush=True)
    finally:
        server.terminate()
        server.wait()
    if not args.skip_dask:
        pool, dask1, dask2 = [], [], []
        local = [sys.executable, "-m", "mlint", "check", "--isolated", "--no-cache", "--format", "json",
                 str(tree)]
        outputs = set()
        for _ in range(args.repeat):
            for bucket, extra in ((pool, ["--jobs", "2"]), (dask1, ["--executor", "dask", "--jobs", "1"]),
                                  (dask2, ["--executor", "dask", "--jobs", "2"])):
                seconds, out = timed([*local, *extra], env)
                bucket.append(seconds)
                outputs.add(out)
        results.update({"pool_2_s": round(statistics.median(pool), 2),
                        "dask_1_worker_s": round(statistics.median(dask1), 2),
                        "dask_2_workers_s": round(statistics.median(dask2), 2),
                        "identical_outputs": len(outputs) == 1})
        print(json.dumps(results, indent=2), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
