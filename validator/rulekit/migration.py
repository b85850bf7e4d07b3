"""Shared by the migration-gate rules (RUN2xx, REG150): the `migration` group, message
fragments, and how `mlflow migrate-filestore` reads a meta.yaml (it aborts where these say so)."""

from __future__ import annotations

from enum import Enum
from typing import Any, NamedTuple

from mlint.discovery.units import Unit
from mlint.reading.files import FileFailure, decode_text, parse_yaml, read_file

GATE = ["migration"]
ABORTS = "`mlflow migrate-filestore` aborts here"
LOST = "would be lost or orphaned by migration (it reports success)"
RUN_STATUS_NAMES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
SOURCE_TYPES = ("NOTEBOOK", "JOB", "PROJECT", "LOCAL", "UNKNOWN")


class MetaState(Enum):
    """A meta.yaml as the migration's `safe_read_yaml` sees it."""

    OK = "ok"  # a mapping
    MISSING = "missing"
    UNREADABLE = "unreadable"  # any read/parse error, or empty: the migration skips it
    NOT_MAPPING = "not-mapping"  # the migration calls `.get` on it and crashes


class GateMeta(NamedTuple):
    data: Any
    state: MetaState


class PeekedMeta(NamedTuple):
    data: Any
    state: MetaState
    text: str  # the file's text, to locate keys in ('' when unreadable)


def gate_meta(unit: Unit, rel: str = "meta.yaml") -> GateMeta:
    """(parsed meta, state) as the migration's `safe_read_yaml` sees it."""
    if not unit.is_file(rel):
        return GateMeta(None, MetaState.MISSING)
    loaded = unit.load(rel, "yaml")
    if isinstance(loaded, FileFailure) or loaded.data is None:
        return GateMeta(None, MetaState.UNREADABLE)
    if not isinstance(loaded.data, dict):
        return GateMeta(loaded.data, MetaState.NOT_MAPPING)
    return GateMeta(loaded.data, MetaState.OK)


def peek_meta(unit: Unit, rel: str) -> PeekedMeta:
    """`gate_meta` for tree-wide scans: reads without the shared cache.

    A Tree-scope rule that loaded every run's meta.yaml through the cache would keep them all
    until each run is checked, and the cache's eviction would turn quadratic; a second, direct
    read of a small file is far cheaper.
    """
    path = unit.file(rel)
    if not path.is_file():
        return PeekedMeta(None, MetaState.MISSING, "")
    raw = read_file(path, unit.context.root, unit.context.cache.max_bytes)
    text = decode_text(raw, path.name) if isinstance(raw, bytes) else raw
    data = parse_yaml(text, path.name) if isinstance(text, str) else text
    source = text if isinstance(text, str) else ""
    if isinstance(data, FileFailure) or data is None:
        return PeekedMeta(None, MetaState.UNREADABLE, source)
    if not isinstance(data, dict):
        return PeekedMeta(data, MetaState.NOT_MAPPING, source)
    return PeekedMeta(data, MetaState.OK, source)


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
