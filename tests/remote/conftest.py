"""A real S3 API on loopback for the remote tests: moto's standalone server, started once per
session, with a bucket that real MLflow 3.17.2 wrote into and uploaded copies of MLflow-written
trees (one with seeded defects, so that "same findings" is not vacuous).

Skips when moto/s3fs are missing, except under CI (`CI` set), where it fails: CI installs
them with the `test` extra.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA

BUCKET = "mlint-remote-test"
FIXTURE = DATA / "mlflow" / "3.17.2"
# A malicious pickle (protocol 0: `os.system("echo pwned")`); never loaded, only scanned.
EVIL_PICKLE = b"cos\nsystem\n(S'echo pwned'\ntR."


def _need(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{module} is not installed (pip install -e '.[test]')")


@dataclass
class S3:
    endpoint: str
    client: Any  # boto3 S3 client (the test's own writes; mlint never gets it)
    env: dict[str, str]
    tmp: Path

    def fs(self) -> Any:
        import s3fs

        return s3fs.S3FileSystem(endpoint_url=self.endpoint, key="testing", secret="testing",
                                 skip_instance_cache=True)

    def upload(self, folder: Path, prefix: str) -> str:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                self.client.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(folder).as_posix()}")
        return f"s3://{BUCKET}/{prefix}"

    def download(self, uri: str, name: str) -> Path:
        """A local copy of the prefix, made the bulk way (`fs.get`): the reference."""
        target = self.tmp / "copies" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        self.fs().get(uri.removeprefix("s3://"), str(target), recursive=True)
        return target

    def recording(self, action: str) -> Any:
        import requests

        url = f"{self.endpoint}/moto-api/recorder/{action}"
        response = requests.get(url) if action == "download-recording" else requests.post(url)
        response.raise_for_status()
        return response


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    _need("moto.server")
    _need("s3fs")
    _need("boto3")
    import boto3
    from moto.server import ThreadedMotoServer

    tmp = tmp_path_factory.mktemp("s3")
    names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
             "AWS_PROFILE", "AWS_SESSION_TOKEN", "MOTO_RECORDER_FILEPATH"]
    saved = {k: os.environ.get(k) for k in names}
    # The recorder (the server's request log) writes here, not into the working directory.
    os.environ["MOTO_RECORDER_FILEPATH"] = str(tmp / "moto_recording")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}
    os.environ.update(env)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(k, None)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield S3(endpoint, client, env, tmp)
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def mlflow_artifacts(s3: S3) -> str:
    """An artifact root real MLflow 3.17.2 wrote into the bucket: run artifacts and logged
    models (one registered) of two runs; the tracking store is a local SQLite database."""
    db = s3.tmp / "mlflow.db"
    env = dict(os.environ, **s3.env, MLFLOW_S3_ENDPOINT_URL=s3.endpoint)
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("write_mlflow.py")), f"sqlite:///{db}",
         f"s3://{BUCKET}/mlflow-artifacts"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return f"s3://{BUCKET}/mlflow-artifacts"


@pytest.fixture(scope="session")
def uploaded_tree(s3: S3) -> str:
    """tests/data/mlflow/3.17.2 (an `mlruns/` file store and model folders MLflow wrote), as is."""
    return s3.upload(FIXTURE, "clean/3.17.2")


def seed_defects(root: Path) -> None:
    """Defects a check must find, remote or local."""
    runs = sorted(p for p in (root / "mlruns" / "534214102864321340").iterdir() if len(p.name) == 32)
    meta = runs[0] / "meta.yaml"
    meta.write_text(meta.read_text().replace(f"run_id: {runs[0].name}", "run_id: " + "f" * 32))
    experiment = root / "mlruns" / "0" / "meta.yaml"
    experiment.write_text(experiment.read_text() + "name: [unclosed\n")
    (root / "models" / "sklearn_cloudpickle_tensor" / "model.pkl").write_bytes(EVIL_PICKLE)
    (root / "models" / "pyfunc_params" / "python_model.pkl").unlink()
    # Larger than the prefetch limit: sniffed with a ranged read, then fetched whole to scan.
    (root / "models" / "sklearn_default" / "extra.pkl").write_bytes(
        pickle.dumps({"weights": bytes(5 << 20)}, protocol=4))


@pytest.fixture(scope="session")
def seeded_tree(s3: S3) -> str:
    copy = s3.tmp / "seeded"
    shutil.copytree(FIXTURE, copy)
    seed_defects(copy)
    return s3.upload(copy, "seeded/3.17.2")
