"""`--executor dask`: units as tasks on a Dask cluster (a `LocalCluster`, or a scheduler at
`dask://HOST:PORT` / `tcp://HOST:PORT`).

The same contiguous batches of `UnitSpec`s as the process pool (mlint.perf.parallel) are
submitted while discovery streams them, at most a few per worker ahead (back-pressure), and
their outcomes are taken in submission order, so the report is the one a serial check gives.
A worker builds the engine once per check (config and registry; rules are code installed on
the worker, `rules-paths` files must exist there too). A task lost with its worker is
resubmitted by the scheduler (Dask's `allowed-failures`); a task that fails three times fails
the check (exit 2) instead of dropping its units.

Remote inputs: each worker mirrors the prefix itself (from the client's listing, sent once,
so every process sees the same snapshot) and fetches its units' objects; paths in the outcomes
are mapped back to the client's mirror before they travel. Local paths must be readable at
the same place on the workers (true for a LocalCluster; a shared file system otherwise).
The result cache is not used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlint.core.config import Config, ConfigError
from mlint.discovery.walk import Found
from mlint.perf.parallel import Outcome, UnitSpec, check_batch, default_jobs, rebuild, spec_batches

if TYPE_CHECKING:
    from mlint.core.engine import Engine

def validated(executor: str) -> str:
    """`dask`, or a scheduler address (`dask://HOST:PORT`, `tcp://…`, `tls://…`); else ConfigError
    (the CLI's `--executor` and the API's `executor=` alike)."""
    if executor == "dask" or executor.startswith(("dask://", "tcp://", "tls://")):
        return executor
    raise ConfigError(f"--executor {executor!r}: give `dask`, `dask://HOST:PORT` or `tcp://HOST:PORT`")


# Batches in flight per worker: enough to keep workers busy while results travel back.
AHEAD_PER_WORKER = 3


@dataclass(frozen=True)
class Payload:
    """What every task of one check shares (sent once to every worker)."""

    token: str
    config: Config
    # Remote inputs: (URI, the client's mirror root, the client's listing).
    remote: tuple[tuple[str, str, Any], ...] = ()


def connect(address: str, workers: int) -> tuple[Any, Any]:
    """A Dask client, and the LocalCluster it owns (None for an external scheduler)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--executor dask needs Dask: pip install 'mlint[dask]'") from None
    if address == "dask":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")  # type: ignore[no-untyped-call]
        return Client(cluster), cluster  # type: ignore[no-untyped-call]
    target = "tcp://" + address.removeprefix("dask://") if address.startswith("dask://") else address
    try:
        return Client(target, timeout=30), None  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise ConfigError(f"--executor {address}: cannot reach the Dask scheduler ({exc})") from None


def outcomes(engine: Engine, units: Iterator[Found]) -> Iterator[Outcome]:
    """The outcomes of every unit, in discovery order, computed on the cluster."""
    address = engine.executor or "dask"
    client, cluster = connect(address, engine.jobs if engine.jobs > 0 else default_jobs())
    token = uuid.uuid4().hex
    try:
        payload = Payload(token, engine.config,
                          tuple((s.uri, s.local_root, s.listing) for s in engine.remote_stages))
        [shared] = client.scatter([payload], broadcast=True)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        window: deque[Any] = deque()
        for batch in spec_batches(units):
            window.append(client.submit(run_batch, shared, batch, pure=False))
            while len(window) >= AHEAD_PER_WORKER * workers:
                yield from _take(window.popleft(), engine)
        while window:
            yield from _take(window.popleft(), engine)
    finally:
        with contextlib.suppress(Exception):  # the workers' mirrors of this check
            client.run(forget, token)
        client.close()
        if cluster is not None:
            cluster.close()


def _take(future: Any, engine: Engine) -> list[Outcome]:
    try:
        batch, stats = future.result()
    except Exception as exc:  # lost more often than `allowed-failures`, or a worker-side bug
        raise ConfigError(f"--executor {engine.executor}: a batch of units failed on the cluster "
                          f"({type(exc).__name__}: {exc}); no partial report is given") from None
    for stage, delta in zip(engine.remote_stages, stats, strict=True):
        stage.stats.merge(delta)
    return list(batch)


# --- worker side --------------------------------------------------------------------------
_LOCK = threading.Lock()  # a worker with several threads checks one batch at a time
_STATE: dict[str, tuple[Engine, list[tuple[Any, str]]]] = {}


def run_batch(payload: Payload, specs: list[UnitSpec]) -> tuple[list[Outcome], list[Any]]:
    from mlint.reading import fetch
    from mlint.remote.check import Stages

    with _LOCK:
        engine, stages = _state(payload)
        local = [_relocate(s, [(client, stage.local_root) for stage, client in stages]) for s in specs]
        before = [dataclasses.replace(stage.stats) for stage, _ in stages]
        hook = Stages([stage for stage, _ in stages])
        units = rebuild(local, engine.config)
        found = zip(units, (s.expanded for s in local), strict=True)
        fetch.stager = hook if stages else None
        try:
            done = list(check_batch(engine, hook.units(found) if stages else found, None))
        finally:
            fetch.stager = None
        back = [(stage.local_root, client) for stage, client in stages]
        deltas = []
        for (stage, _), old in zip(stages, before, strict=True):
            delta = dataclasses.replace(stage.stats)
            for name in ("list", "get", "head", "other", "bytes", "retries"):
                setattr(delta, name, getattr(stage.stats, name) - getattr(old, name))
            deltas.append(delta)
        return [_relocate(o, back) for o in done], deltas


def forget(token: str) -> None:
    """Run on every worker when a check ends: remove its mirrors."""
    with _LOCK:
        state = _STATE.pop(token, None)
        for stage, _ in state[1] if state is not None else ():
            stage.close()


def _state(payload: Payload) -> tuple[Engine, list[tuple[Any, str]]]:
    """The engine and mirrors of this check in this worker process, built on first use."""
    state = _STATE.get(payload.token)
    if state is None:
        from mlint.core.engine import Engine
        from mlint.core.registry import load_registry
        from mlint.remote.check import open_stage
        from mlint.trackingdb.database import TrackingDatabase

        for old in list(_STATE):  # one check at a time per worker: drop earlier mirrors
            for stage, _ in _STATE.pop(old)[1]:
                stage.close()
        engine = Engine(load_registry(payload.config.rules_paths), payload.config, jobs=1)
        TrackingDatabase.artifact_root_override = payload.config.artifact_root
        stages = [(open_stage(uri, listing), client) for uri, client, listing in payload.remote]
        state = _STATE[payload.token] = (engine, stages)
    return state


def _relocate(value: Any, moves: list[tuple[str, str]]) -> Any:
    """`value` with every string that mentions a mirror root re-rooted (old → new)."""
    if not moves:
        return value
    if isinstance(value, str):
        for old, new in moves:
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, Path):
        return Path(_relocate(str(value), moves))
    if isinstance(value, list):
        return [_relocate(v, moves) for v in value]
    if isinstance(value, tuple):
        items = [_relocate(v, moves) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, frozenset):
        return frozenset(_relocate(v, moves) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _relocate(getattr(value, f.name), moves)
                   for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


__all__ = ["Payload", "connect", "forget", "outcomes", "run_batch"]
