"""Which command-line arguments are object-store URIs, and the fsspec file system for one.

fsspec and the protocol packages are optional (`mlint[s3]`, `mlint[gcs]`, `mlint[azure]`): they
are imported only when a remote argument is given, and a missing one is a usage error that
names the extra to install. Credentials come only from each library's usual mechanisms
(environment variables, profiles, instance metadata); mlint takes none on its command line and
never prints one.
"""

from __future__ import annotations

import os
import re
from typing import Any

from mlint.core.config import ConfigError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")

# The protocols mlint knows the extra for; any other protocol fsspec knows works too.
EXTRAS = {
    "s3": ("s3", "s3fs"), "s3a": ("s3", "s3fs"),
    "gs": ("gcs", "gcsfs"), "gcs": ("gcs", "gcsfs"),
    "az": ("azure", "adlfs"), "abfs": ("azure", "adlfs"), "abfss": ("azure", "adlfs"),
    "adl": ("azure", "adlfs"),
}
# URIs that are not object stores to list: MLflow's own schemes, local files, databases and
# plain web servers (an HTTP "listing" is a scraped HTML page), and fsspec's in-process memory.
NOT_STORES = frozenset({"file", "local", "runs", "models", "mlflow-artifacts", "http", "https",
                        "memory", "sqlite", "postgresql", "postgres", "mysql", "mssql"})

# Timeouts and retries for botocore (s3fs): a request that stalls fails after these many
# seconds instead of hanging, and transient errors (throttling, 5xx, resets) are retried with
# exponential backoff by botocore's "standard" mode.
S3_CLIENT_CONFIG: dict[str, Any] = {
    "connect_timeout": 10,
    "read_timeout": 60,
    "retries": {"max_attempts": 5, "mode": "standard"},
}


def scheme(text: str | os.PathLike[str]) -> str | None:
    """The lower-case scheme of `proto://…`, or None for anything else."""
    raw = os.fspath(text)
    if not isinstance(raw, str):
        return None
    match = _SCHEME.match(raw)
    return match.group(1).lower() if match else None


def is_remote(text: str | os.PathLike[str]) -> bool:
    """An object-store URI mlint reads through fsspec (`s3://`, `gs://`, `az://`, …)."""
    name = scheme(text)
    if name is None or name in NOT_STORES:
        return False
    if name in EXTRAS:
        return True
    try:
        from fsspec.registry import known_implementations, registry
    except ImportError:
        return False
    return name in known_implementations or name in registry


def filesystem(uri: str) -> tuple[Any, str]:
    """The fsspec file system for `uri` and the path within it (`bucket/prefix`)."""
    name = scheme(uri) or ""
    extra, package = EXTRAS.get(name, ("", ""))
    try:
        import fsspec
    except ImportError:
        hint = f"pip install 'mlint[{extra}]'" if extra else "pip install fsspec and its protocol package"
        raise ConfigError(f"{name}:// inputs need fsspec: {hint}") from None
    try:
        cls = fsspec.get_filesystem_class(name)
    except (ImportError, ValueError) as exc:
        hint = f"pip install 'mlint[{extra}]' (installs {package})" if extra else str(exc)
        raise ConfigError(f"{name}:// inputs need a protocol package: {hint}") from None
    # A client of its own per check: request counting hooks into it (mlint.remote.check).
    options: dict[str, Any] = {"skip_instance_cache": True}
    if name in ("s3", "s3a"):
        options["config_kwargs"] = S3_CLIENT_CONFIG
        # One GET per object: with more, s3fs sends a HEAD first to split large objects into
        # concurrent ranges; mlint's concurrency is across objects (mlint.remote.stage).
        options["max_concurrency"] = 1
        # MLflow's variable for S3-compatible stores (MinIO, …), honoured when botocore's own
        # (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3) is not set, so that one environment serves both.
        endpoint = os.environ.get("MLFLOW_S3_ENDPOINT_URL")
        if endpoint and not (os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")):
            options["endpoint_url"] = endpoint
    fs = cls(**options)
    return fs, fs._strip_protocol(uri).rstrip("/")


def display(uri: str) -> str:
    """The URI as printed: credentials some protocols accept inline are never shown."""
    from mlint.trackingdb.discover import redact

    return redact(uri.rstrip("/"))
