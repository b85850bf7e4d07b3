"""Shared by the migration-gate rules (RUN2xx, REG150): the `migration` group, message
fragments, and how `mlflow migrate-filestore` reads a meta.yaml (it aborts where these say so)."""

from __future__ import annotations

from typing import Any

from mlint.discovery.units import Unit
from mlint.reading.files import FileFailure, decode_text, parse_yaml, read_file

GATE = ["migration"]
ABORTS = "`mlflow migrate-filestore` aborts here"
LOST = "would be lost or orphaned by migration (it reports success)"
RUN_STATUS_NAMES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
SOURCE_TYPES = ("NOTEBOOK", "JOB", "PROJECT", "LOCAL", "UNKNOWN")


def gate_meta(unit: Unit, rel: str = "meta.yaml") -> tuple[Any, str]:
    """(parsed meta, state) as the migration's `safe_read_yaml` sees it.

    state: "ok" (a mapping), "missing", "unreadable" (any read/parse error, or empty: the
    migration skips it), "not-mapping" (the migration calls `.get` on it and crashes).
    """
    if not unit.is_file(rel):
        return None, "missing"
    loaded = unit.load(rel, "yaml")
    if isinstance(loaded, FileFailure) or loaded.data is None:
        return None, "unreadable"
    if not isinstance(loaded.data, dict):
        return loaded.data, "not-mapping"
    return loaded.data, "ok"


def peek_meta(unit: Unit, rel: str) -> tuple[Any, str, str]:
    """`gate_meta` for tree-wide scans: reads without the shared cache.

    A Tree-scope rule that loaded every run's meta.yaml through the cache would keep them all
    until each run is checked, and the cache's eviction would turn quadratic; a second, direct
    read of a small file is far cheaper.
    """
    path = unit.file(rel)
    if not path.is_file():
        return None, "missing", ""
    raw = read_file(path, unit.context.root, unit.context.cache.max_bytes)
    text = decode_text(raw, path.name) if isinstance(raw, bytes) else raw
    data = parse_yaml(text, path.name) if isinstance(text, str) else text
    source = text if isinstance(text, str) else ""
    if isinstance(data, FileFailure) or data is None:
        return None, "unreadable", source
    if not isinstance(data, dict):
        return data, "not-mapping", source
    return data, "ok", source


def key_line(text: str, key: str) -> int | None:
    """Line of a top-level `key:` in a block-style YAML text (how MLflow writes meta files)."""
    prefix = f"{key}:"
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(prefix):
            return number
    return None


def undecodable(unit: Unit, rel: str) -> bool:
    """True when the migration's `Path.read_text()` would raise UnicodeDecodeError."""
    loaded = unit.load(rel, "text")
    return isinstance(loaded, FileFailure) and "UTF-8" in loaded.message
