"""`mlint check s3://…` against moto's S3 server on loopback (tests/remote/conftest.py).

The reference for every remote check is the same prefix downloaded with fsspec's bulk copy
and checked as a local folder: the findings must be the same, path for path.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from mlint.cli import main
from mlint.reading import fetch
from tests.remote.conftest import BUCKET, S3


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--isolated", "--no-cache", *args])
    assert fetch.stager is None, "the read hook must be removed after a remote check"
    return code, out.getvalue(), err.getvalue()


def check_json(target: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli("--format", "json", target)
    assert code in (0, 1), err
    return code, json.loads(out)


def normalised(doc: dict[str, Any], root: str) -> list[tuple[Any, ...]]:
    """Diagnostics with the checked root (URI or local folder) replaced by `<root>`."""
    def rel(path: str) -> str:
        if "://" not in path:
            path = os.path.abspath(path)
        assert path == root or path.startswith(root + "/"), (path, root)
        return "<root>" + path[len(root):]

    def text(value: str) -> str:
        return value.replace(root, "<root>")

    return sorted((rel(d["path"]), d["line"], d["column"], d["code"], d["severity"], text(d["message"]),
                   d["pointer"], text(d["hint"]), d["fingerprint"],
                   tuple(rel(r) for r in d.get("related", ()))) for d in doc["diagnostics"])


def same_findings(s3: S3, uri: str, name: str, remote: tuple[int, dict[str, Any]] | None = None,
                  ) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """The remote check's findings (`remote`, or a check run here) equal those on a
    bulk-downloaded copy; (them, the remote JSON)."""
    code, doc = remote or check_json(uri)
    copy = s3.download(uri, name)
    local_code, local = check_json(str(copy))
    assert normalised(doc, uri) == normalised(local, str(copy))
    assert code == local_code
    assert doc["summary"]["units"] == local["summary"]["units"]
    assert doc["summary"]["files"] == local["summary"]["files"]
    assert "remote" not in local["summary"]
    return normalised(doc, uri), doc


def test_mlflow_artifact_root_same_findings_as_local_copy(s3: S3, mlflow_artifacts: str) -> None:
    findings, doc = same_findings(s3, mlflow_artifacts, "artifacts")
    # Clean MLflow output lints clean, remote as local.
    assert findings == []
    assert doc["summary"]["units"] == {"model": 2}


def test_uploaded_tree_same_findings_as_local_copy(s3: S3, uploaded_tree: str) -> None:
    _, doc = same_findings(s3, uploaded_tree, "clean")
    assert doc["summary"]["units"]["run"] >= 5 and doc["summary"]["units"]["tree"] == 1


def test_seeded_defects_same_findings_as_local_copy_and_read_only(s3: S3, seeded_tree: str) -> None:
    s3.recording("reset-recording")
    s3.recording("start-recording")
    try:
        remote = check_json(seeded_tree)
    finally:
        s3.recording("stop-recording")
    findings, doc = same_findings(s3, seeded_tree, "seeded", remote)
    paths_codes = {(f[0], f[3]) for f in findings}
    # Not vacuous: each seeded defect is found (remote and local alike).
    assert ("<root>/mlruns/0/meta.yaml", "MLT002") in paths_codes
    assert ("<root>/models/sklearn_cloudpickle_tensor/MLmodel", "PKL100") in paths_codes  # os.system
    assert ("<root>/models/pyfunc_params/MLmodel", "MLM011") in paths_codes  # pickle deleted
    assert any(code == "RUN010" for _, code in paths_codes)  # run_id rewritten
    # Sizes come from the listing: the 5 MiB pickle counts without being fetched for it.
    assert ("<root>/models/sklearn_default/MLmodel", "MLM124") in paths_codes
    # The large pickle was fetched (sniffed with a ranged read, then scanned whole).
    assert doc["summary"]["remote"]["bytes"] > 5 << 20
    assert all(d["path"].startswith(seeded_tree + "/") for d in doc["diagnostics"])
    read_only_from_the_servers_request_log(s3, doc)


def read_only_from_the_servers_request_log(s3: S3, doc: dict[str, Any]) -> None:
    """Read-only, from the server's request log of the remote check (`doc`)."""
    requests = [json.loads(line) for line in s3.recording("download-recording").text.splitlines() if line]
    assert requests, "the recorder saw mlint's requests"
    methods = {r["method"] for r in requests}
    assert methods <= {"GET", "HEAD"}, methods  # no PUT, POST, DELETE (nor COPY: a PUT)
    remote = doc["summary"]["remote"]
    assert remote["other"] == 0
    # mlint's own request count is exact: the server saw exactly those.
    assert remote["requests"] == len(requests)
    assert remote["list"] == sum(1 for r in requests if "list-type=2" in r["url"])
    gets = [r["url"].split("?")[0] for r in requests if "list-type" not in r["url"]]
    assert remote["get"] == len(gets) and remote["head"] == 0
    # One GET per object, except the large pickle: a ranged read of its head (sniffing), then
    # the whole object (scanning). No object is fetched twice otherwise.
    assert len(gets) == len(set(gets)) + 1, sorted(g for g in gets if gets.count(g) > 1)
    assert remote["list"] == 1


def test_statistics_report_requests(s3: S3, uploaded_tree: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "CANARY-secret-7c1e0d9f")  # as in the test below
    _code, out, err = run_cli("--statistics", uploaded_tree)
    assert "Remote: " in out and " requests (" in out and "requests per unit" in out
    assert f"{uploaded_tree}: " in out
    assert "CANARY" not in out + err


def test_credentials_never_printed(s3: S3, seeded_tree: str, monkeypatch: pytest.MonkeyPatch,
                                   tmp_path: Path) -> None:
    canary = "CANARY-secret-7c1e0d9f"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", canary)  # moto accepts any secret
    monkeypatch.setenv("AWS_SESSION_TOKEN", canary + "-token")
    formats = ("concise", "grouped", "json", "jsonl", "sarif", "github", "gitlab", "junit")
    files = [tmp_path / f"out.{fmt}" for fmt in formats]
    targets = [f"--format={fmt}:{path}" for fmt, path in zip(formats, files, strict=True)]
    code, out, err = run_cli("--format", "full", *targets, seeded_tree)
    assert code == 1, err
    outputs = [out + err, *(path.read_text() for path in files)]
    missing = [f for f, text in zip(("full", *formats), outputs, strict=True) if seeded_tree not in text]
    assert missing == [], [o[:300] for o in outputs]  # every format reported the findings
    outputs.append("".join(run_cli(f"s3://{BUCKET}-missing/x")[1:]))  # a bucket that does not exist
    outputs.append("".join(run_cli(f"s3://{BUCKET}/seeded/3.17.2/mlruns/0/meta.yaml")[1:]))
    for text in outputs:
        assert canary not in text


def test_hostile_keys_are_findings_never_paths(s3: S3, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    prefix = "hostile/mlruns"
    for key in ("0/meta.yaml", "../../../escape.txt", "a//b.txt", "x", "x/y.txt", "./dot.txt"):
        s3.client.put_object(Bucket=BUCKET, Key=f"{prefix}/{key}", Body=b"name: x\n")
    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    _code, out, _err = run_cli("--format", "json", f"s3://{BUCKET}/{prefix}")
    doc = json.loads(out)
    refused = {d["path"]: d["message"] for d in doc["diagnostics"] if d["code"] == "MLT003"}
    uri = f"s3://{BUCKET}/{prefix}"
    assert any("escape.txt" in p for p in refused), refused
    assert any("a//b.txt" in p for p in refused)
    assert f"{uri}/x" in refused and "also a folder prefix" in refused[f"{uri}/x"]
    assert list(staging.iterdir()) == []  # the private mirror is gone
    assert not any(p.name == "escape.txt" for p in tmp_path.rglob("*"))


def test_empty_prefix_is_path_not_found(s3: S3) -> None:
    code, out, _err = run_cli("--format", "json", f"s3://{BUCKET}/no/such/prefix")
    doc = json.loads(out)
    assert [(d["code"], d["path"]) for d in doc["diagnostics"]] == [("MLT001", f"s3://{BUCKET}/no/such/prefix")]
    assert code == 1


def test_object_uri_is_a_usage_error(s3: S3, uploaded_tree: str) -> None:
    code, _, err = run_cli(uploaded_tree + "/mlruns/0/meta.yaml")
    assert code == 2 and "not a folder prefix" in err


@pytest.mark.parametrize("flag", ["--fix", "--diff", "--changed-files", "--show-files"])
def test_remote_inputs_are_read_only(s3: S3, uploaded_tree: str, flag: str) -> None:
    code, _, err = run_cli(flag, uploaded_tree)
    assert code == 2 and "remote inputs are read-only" in err
