"""`mlint check s3://bucket/prefix`: the remote front end of the engine.

Each remote argument is listed once and mirrored (`mlint.remote.stage`); the normal engine
checks the mirror, with the stream of units wrapped so that each unit's objects are fetched in
one concurrent batch before it is checked and released after; every path in the report is
mapped back to the URI. The result cache is not used (its keys are local file signatures),
and the local process pool is not either (the mirror's fetch state lives in this process);
`--executor dask` fans out with a mirror per worker (mlint.perf.dask_executor).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mlint.core.codes import UNREADABLE
from mlint.core.config import Config, ConfigError
from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Engine, Progress, Report
from mlint.core.registry import Registry
from mlint.discovery.units import Unit
from mlint.discovery.walk import Found
from mlint.reading import fetch
from mlint.reading.files import FileFailure
from mlint.remote.listing import Listing, Stats, read_listing
from mlint.remote.stage import Stage
from mlint.remote.uri import display, filesystem, is_remote, scheme
from mlint.trackingdb.discover import argument_path

# Below a unit's folder, the sub-folders that are units of their own (fetched when checked).
_SKIP = {"run": ("artifacts",), "logged_model": ("artifacts",)}
# Units whose objects go in one batch: a few runs' worth (a run is ~3 units).
LOOKAHEAD = 16


def open_stage(uri: str, listing: Listing | None = None, base: str | None = None) -> Stage:
    """List `uri` (unless `listing` is given: a Dask worker reuses the client's) and mirror it."""
    fs, root = filesystem(uri)
    stats = Stats()
    counted = count_requests(fs, stats)
    if listing is None:
        try:
            listing = read_listing(fs, root, stats, counted)
        except FileNotFoundError:
            listing = Listing()
        except PermissionError as exc:
            raise ConfigError(f"{display(uri)}: cannot list: access denied ({type(exc).__name__})") from None
        except OSError as exc:
            raise ConfigError(f"{display(uri)}: cannot list: {type(exc).__name__}: {exc}") from None
    if "" in listing.refused:
        raise ConfigError(f"{display(uri)}: {listing.refused['']}; give the folder that holds it")
    stage = Stage(display(uri), fs, root, listing, base)
    stage.stats, stage.counted = stats, counted
    if listing.files or listing.dirs:
        stage.build()
    return stage


def count_requests(fs: Any, stats: Stats) -> bool:
    """Count every HTTP request botocore sends for `fs` (s3fs), by operation, retries
    included; False when the file system is not botocore-based (the stage counts its calls)."""
    try:
        from fsspec.asyn import sync
    except ImportError:  # pragma: no cover - fsspec is there when a filesystem is
        return False
    if not hasattr(fs, "set_session"):
        return False
    try:
        client = sync(fs.loop, fs.set_session)
        events = client.meta.events
    except Exception:
        return False

    def before_send(event_name: str = "", request: Any = None, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation in ("ListObjectsV2", "ListObjects"):
            stats.list += 1
        elif operation == "GetObject":
            stats.get += 1
        elif operation in ("HeadObject", "HeadBucket"):
            stats.head += 1
        else:
            stats.other += 1

    def after_call(parsed: Any = None, model: Any = None, **_: Any) -> None:
        if getattr(model, "name", "") == "GetObject" and isinstance(parsed, dict):
            stats.bytes += int(parsed.get("ContentLength") or 0)

    events.register("before-send.s3", before_send)
    events.register("after-call.s3.GetObject", after_call)
    return True


class Stages:
    """The read hook for all remote arguments of one check."""

    def __init__(self, stages: list[Stage]) -> None:
        self.stages = stages

    def owner(self, path: str) -> Stage | None:
        for stage in self.stages:
            if stage.owns(path) or stage.owns(os.path.normpath(os.path.abspath(path))):
                return stage
        return None

    def ensure(self, path: str, head: int | None) -> None:
        stage = self.owner(path)
        if stage is not None:
            stage.ensure(path, head)

    def units(self, units: Iterator[Found]) -> Iterator[Found]:
        """Fetch each unit's objects before it is checked, the next `LOOKAHEAD` units' in one
        concurrent batch (round trips in series are the cost on a real network: a run, its
        logged model and its model folder are three small units); release the folders the
        check left (in the order mlint.perf.parallel.check_batch forgets parsed files)."""
        open_units: list[tuple[Unit, Stage]] = []
        window: deque[tuple[Found, Stage | None]] = deque()
        stream = iter(units)
        while True:
            if not window:
                window.extend((found, self.owner(str(found[0].path)))
                              for found in itertools.islice(stream, LOOKAHEAD))
                if not window:
                    break
                self._prefetch([(found[0], stage) for found, stage in window if stage is not None])
            (unit, expanded), owner = window.popleft()
            ancestors = {id(a) for a in unit.ancestors()}
            while open_units and id(open_units[-1][0]) not in ancestors:
                done, stage = open_units.pop()
                stage.release(str(done.path))
            if owner is not None:
                owner.pinned.add(str(unit.path))
                open_units.append((unit, owner))
            yield unit, expanded
        while open_units:
            done, stage = open_units.pop()
            stage.release(str(done.path))

    def _prefetch(self, units: list[tuple[Unit, Stage]]) -> None:
        batches: dict[int, tuple[Stage, list[str]]] = {}
        for unit, stage in units:
            stage.pinned.add(str(unit.path))  # until released: the budget never evicts them
            batches.setdefault(id(stage), (stage, []))[1].extend(wanted(stage, unit))
        for stage, paths in batches.values():
            stage.fetch(list(dict.fromkeys(paths)))

    def stats(self) -> Stats:
        total = Stats()
        for stage in self.stages:
            total.merge(stage.stats)
        return total


def wanted(stage: Stage, unit: Unit) -> list[str]:
    """The objects a unit's rules read, fetched before it is checked: its folder, without
    sub-folders that are units of their own; the tracking root and an experiment only their
    own files."""
    folder = str(unit.path)
    if unit.kind == "tree":
        return stage.wanted(folder, shallow=True)
    if unit.kind == "experiment":
        return [*stage.wanted(folder, shallow=True), *stage.wanted(os.path.join(folder, "tags")),
                *stage.wanted(os.path.join(folder, "datasets"))]
    if unit.kind in ("run", "logged_model", "model", "registered_model"):
        return stage.wanted(folder, skip=_SKIP.get(unit.kind, ()))
    return []


def check_remote(paths: Sequence[str | os.PathLike[str]], registry: Registry, config: Config,
                 progress: Progress | None = None, *, executor: str | None = None) -> Report:
    stages: list[Stage] = []
    local: list[Path] = []
    try:
        for path in paths:
            text = os.fspath(path)
            if isinstance(text, str) and is_remote(text):
                stage = open_stage(text)
                stages.append(stage)
                local.append(Path(stage.local_root))
            else:
                local.append(argument_path(path))
        hook = Stages(stages)
        engine = Engine(registry, config, progress, jobs=1, cache_dir=None, executor=executor)
        engine.remote_stages = stages
        if executor is None:
            engine.around_units = hook.units
        if progress is not None and hasattr(progress, "detail"):
            progress.detail = lambda: _progress_detail(hook.stats())
        fetch.stager = hook
        try:
            report = engine.check(local)
        finally:
            fetch.stager = None
        return finish(report, engine, stages)
    finally:
        for stage in stages:
            stage.close()


def _progress_detail(stats: Stats) -> str:
    return f", {stats.requests:,} requests, {_size(stats.bytes)}"


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:,.0f} B" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GiB"


def finish(report: Report, engine: Engine, stages: list[Stage]) -> Report:
    """Paths back to URIs, refused keys as findings, requests and bytes in the summary."""
    extra = []
    for stage in stages:
        for rel, why in sorted(stage.listing.refused.items()):
            anchor = Path(stage.local_root)
            for d in engine.failure(anchor, FileFailure(UNREADABLE, why), anchor):
                extra.append(dataclasses.replace(d, path=f"{stage.uri}/{rel}"))
    report.diagnostics = sorted(set([to_uri(d, stages) for d in report.diagnostics] + extra))
    report.suppressed = [to_uri(d, stages) for d in report.suppressed]
    total = Stats()
    roots = []
    for stage in stages:
        total.merge(stage.stats)
        roots.append({"uri": stage.uri, "objects": len(stage.listing.files), **stage.stats.as_dict()})
    units = sum(report.units.values())
    report.remote = {
        "roots": roots,
        "requests": total.requests,
        **total.as_dict(),
        "requests_per_unit": round(total.requests / units, 2) if units else 0.0,
    }
    return report


def to_uri(d: Diagnostic, stages: list[Stage]) -> Diagnostic:
    def fix(text: str) -> str:
        for stage in stages:
            if stage.local_root in text:
                text = stage.to_uri(text)
            rel = _relative(stage.local_root)
            if rel and rel in text:
                text = text.replace(rel, stage.uri)
        return text

    def fix_path(text: str) -> str:
        absolute = os.path.abspath(text)
        for stage in stages:
            if stage.owns(absolute):
                return stage.to_uri(absolute)
        return text

    return dataclasses.replace(
        d, path=fix_path(d.path), related=tuple(fix_path(r) for r in d.related),
        message=fix(d.message), hint=fix(d.hint), source=fix(d.source))


def _relative(root: str) -> str:
    cwd = os.getcwd()
    return os.path.relpath(root, cwd) if root.startswith(cwd + os.sep) else ""


__all__ = ["Stages", "check_remote", "count_requests", "open_stage", "scheme"]
