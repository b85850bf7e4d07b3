"""Migration gate, continued: values the database rejects, unique-key conflicts, dropped links.

See rules/migration.py for the gate's conventions (group `migration`, off by default, errors).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import REGISTRY, Experiment, LoggedModel, Run, Tree, Unit
from mlint.rulekit.migration import (
    ABORTS,
    GATE,
    LOST,
    RUN_STATUS_NAMES,
    SOURCE_TYPES,
    MetaState,
    gate_meta,
    key_line,
    peek_meta,
    undecodable,
)
from mlint.rulekit.tracking import leaf_files

STAGES = ("active", "deleted")
# Columns declared NOT NULL whose value the migration takes with `meta.get(key, default)`:
# a key present with value null bypasses the default and inserts NULL.
NOT_NULL = {
    Experiment: ("name",),
    LoggedModel: ("name", "artifact_location", "creation_timestamp", "last_updated_timestamp"),
}


def _value_problems(unit: Unit, meta: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in NOT_NULL.get(type(unit), ()):
        if key in meta and meta[key] is None:
            yield f"/{key}", f"{key} is null; the column is NOT NULL, so {ABORTS}"
    stage = meta.get("lifecycle_stage")
    if stage is not None and stage not in STAGES:
        yield "/lifecycle_stage", f"lifecycle_stage {stage!r} fails the CHECK constraint; {ABORTS}"
    if isinstance(unit, Run):
        yield from _run_values(meta)
    if isinstance(unit, LoggedModel) and "status" in meta:
        status = meta["status"]
        if status is None or isinstance(status, (list, dict)):
            yield "/status", f"status {status!r} cannot be converted with int(); {ABORTS}"


def _run_values(meta: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if "status" in meta:
        status = meta["status"]
        if isinstance(status, int) and not isinstance(status, bool):
            if status not in (1, 2, 3, 4, 5):
                yield "/status", f"status {status} is not a RunStatus; {ABORTS} (conversion fails)"
        elif status is None:
            yield "/status", f"status is null: the migration stores the string 'None', which fails " \
                             f"the CHECK constraint; {ABORTS}"
        elif str(status) not in RUN_STATUS_NAMES:
            yield "/status", f"status {status!r} fails the CHECK constraint; {ABORTS}"
    source_type = meta.get("source_type")
    if isinstance(source_type, str) and source_type not in SOURCE_TYPES:
        yield "/source_type", f"source_type {source_type!r} fails the CHECK constraint; {ABORTS}"


@rule("RUN204", "migration-value-rejected", scope=(Experiment, Run, LoggedModel), severity=ERROR,
      default=False, groups=GATE)
def values_rejected(unit: Experiment | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: values in meta files and entity files must pass the database's NOT NULL
    and CHECK constraints and the migration's conversions, and params/tags files must be UTF-8.

    Checked: experiment `name`; logged model `name`, `artifact_location`, timestamps (not
    null); `lifecycle_stage` in active/deleted; run `status` a RunStatus (1-5, or its name —
    `status: null` is stored as the string 'None' and rejected); run `source_type` strings;
    logged model `status` convertible with int(); `inputs/`, `outputs/` and `datasets/` metas
    (mappings, input `tags` a mapping, dataset `name`/`digest`/`source`/`source_type` not
    null).
    Why: one rejected row aborts `mlflow migrate-filestore` as a whole (IntegrityError,
    TypeError, KeyError); nothing is migrated.
    Fix: correct the value at the reported key (MLflow's own values are listed in
    docs/migration.md).
    """
    meta, state = gate_meta(unit)
    if state == MetaState.OK:
        for pointer, message in _value_problems(unit, meta):
            yield Problem(message, file="meta.yaml", pointer=pointer)
    folders = ("tags",) if isinstance(unit, Experiment) else ("params", "tags")
    for folder in folders:
        for key in leaf_files(unit, folder):
            if undecodable(unit, f"{folder}/{key}"):
                yield Problem(f"{folder[:-1]} file is not UTF-8; {ABORTS} (UnicodeDecodeError)",
                              file=f"{folder}/{key}", line=1, subject=key)
    if isinstance(unit, Run):
        yield from _io_values(unit)
    if isinstance(unit, Experiment):
        for dataset in unit.subdirs("datasets"):
            rel = f"datasets/{dataset}/meta.yaml"
            data, state = gate_meta(unit, rel)
            if state == MetaState.NOT_MAPPING:
                yield Problem(f"dataset meta is not a mapping; {ABORTS}", file=rel)
            elif state == MetaState.OK:
                for key in ("name", "digest", "source_type", "source"):
                    if key in data and data[key] is None:
                        yield Problem(f"dataset {key} is null; the column is NOT NULL, so {ABORTS}",
                                      file=rel, pointer=f"/{key}")


def _io_values(run: Run) -> Iterator[Problem]:
    for folder in ("inputs", "outputs"):
        for entry in run.subdirs(folder):
            rel = f"{folder}/{entry}/meta.yaml"
            data, state = gate_meta(run, rel)
            if state == MetaState.NOT_MAPPING:
                yield Problem(f"{folder[:-1]} meta is not a mapping; {ABORTS}", file=rel)
            elif state != MetaState.OK:
                continue
            elif folder == "inputs" and data.get("source_type", "DATASET") in ("DATASET", "MODEL") \
                    and "tags" in data and not isinstance(data["tags"], dict):
                yield Problem(f"tags is {type(data['tags']).__name__}, not a mapping; {ABORTS}",
                              file=rel, pointer="/tags")


@rule("RUN205", "migration-unique-conflict", scope=Tree, severity=ERROR, default=False, groups=GATE)
def unique_conflicts(tree: Tree, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: ids and names the database keys on must be unique across the tree (the
    active experiments and `.trash` together): experiment ids (as integers), experiment names,
    run ids (`run_uuid`, else `run_id`), logged model ids, trace ids, registered model names.

    Why: each is a primary key or UNIQUE constraint in the database; the second occurrence
    aborts `mlflow migrate-filestore` with `UNIQUE constraint failed`. Typical causes: a run or
    experiment copied into two places, an experiment both active and in `.trash` after a
    restore was interrupted, `1` and `01` as folder names, an experiment without a name (the
    migration calls it `experiment_<id>`), duplicate names.
    Fix: remove the stale copy (compare the two folders first), or rename one experiment.
    """
    seen: dict[tuple[str, str], str] = {}

    def claim(kind: str, value: str, rel: str, pointer: str = "", text: str = "") -> Iterator[Problem]:
        if (kind, value) in seen:
            # Read outside the cache (peek_meta), so the engine cannot map the pointer: locate it here.
            line = key_line(text, pointer[1:]) if pointer else None
            yield Problem(f"{kind} {value!r} is also used by {seen[(kind, value)]}; {ABORTS} "
                          f"(UNIQUE constraint failed)", file=rel, pointer=pointer, line=line,
                          related=(seen[(kind, value)],), subject=f"{kind}:{value}")
        else:
            seen[(kind, value)] = rel

    for folder in tree.experiment_dirs():
        exp_rel = folder.relative_to(tree.path).as_posix()
        try:
            exp_id = str(int(folder.name))
        except ValueError:
            continue  # not migrated at all (migration-experiment-lost)
        meta, state, text = peek_meta(tree, f"{exp_rel}/meta.yaml")
        if state == MetaState.OK:
            yield from claim("experiment id", exp_id, f"{exp_rel}/meta.yaml",
                             "/experiment_id" if "experiment_id" in meta else "", text)
            name = meta.get("name", f"experiment_{folder.name}")
            if isinstance(name, str):
                yield from claim("experiment name", name, f"{exp_rel}/meta.yaml",
                                 "/name" if "name" in meta else "", text)
        for run_name in Experiment(folder, tree.context, tree).run_names():
            run_rel = f"{exp_rel}/{run_name}/meta.yaml"
            run_meta, run_state, run_text = peek_meta(tree, run_rel)
            ok = run_state == MetaState.OK
            run_id = (run_meta.get("run_uuid") or run_meta.get("run_id")) if ok else None
            if run_id:
                yield from claim("run id", str(run_id), run_rel,
                                 "/run_uuid" if run_meta.get("run_uuid") else "/run_id", run_text)
        for trace in tree.subdirs(f"{exp_rel}/traces"):
            info, info_state, _ = peek_meta(tree, f"{exp_rel}/traces/{trace}/trace_info.yaml")
            if info_state == MetaState.OK:
                trace_id = info.get("trace_id") or info.get("request_id") or trace
                yield from claim("trace id", str(trace_id), f"{exp_rel}/traces/{trace}/trace_info.yaml")
        for model in tree.subdirs(f"{exp_rel}/{REGISTRY}"):
            model_rel = f"{exp_rel}/{REGISTRY}/{model}/meta.yaml"
            model_meta, model_state, model_text = peek_meta(tree, model_rel)
            if model_state == MetaState.OK:
                yield from claim("logged model id", str(model_meta.get("model_id", model)), model_rel,
                                 "/model_id" if "model_id" in model_meta else "", model_text)
    for registered in tree.subdirs(REGISTRY):
        reg_rel = f"{REGISTRY}/{registered}/meta.yaml"
        reg_meta, reg_state, reg_text = peek_meta(tree, reg_rel)
        name = reg_meta.get("name", registered) if reg_state == MetaState.OK else None
        if name is not None:
            yield from claim("registered model name", str(name), reg_rel,
                             "/name" if "name" in reg_meta else "", reg_text)


@rule("RUN206", "migration-link-dropped", scope=(Experiment, Run, LoggedModel), severity=ERROR,
      default=False, groups=GATE)
def links_dropped(unit: Experiment | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: datasets, run inputs/outputs and logged models must have readable,
    non-empty meta files, and a dataset input must name a dataset of the run's experiment.

    Why: the migration skips each of these silently when its meta.yaml is missing, empty or
    unparsable (a logged model then loses its params, tags and metrics too), and drops a
    dataset input whose dataset it did not migrate — the run loses its dataset lineage while the
    migration reports success.
    Fix: restore the meta files; delete inputs that point at datasets that no longer exist.
    """
    if isinstance(unit, LoggedModel):
        _, state = gate_meta(unit)
        if state in (MetaState.MISSING, MetaState.UNREADABLE):
            yield Problem(f"logged model meta.yaml is missing, empty or unreadable; the model {LOST}",
                          file="meta.yaml" if state != MetaState.MISSING else None)
        return
    if isinstance(unit, Experiment):
        for dataset in unit.subdirs("datasets"):
            _, state = gate_meta(unit, f"datasets/{dataset}/meta.yaml")
            if state in (MetaState.MISSING, MetaState.UNREADABLE):
                yield Problem(f"dataset {dataset!r} has no readable meta.yaml; it and the inputs "
                              f"using it {LOST}", file=f"datasets/{dataset}", subject=dataset)
        return
    experiment = unit.experiment
    for folder in ("inputs", "outputs"):
        for entry in unit.subdirs(folder):
            rel = f"{folder}/{entry}/meta.yaml"
            data, state = gate_meta(unit, rel)
            if state in (MetaState.MISSING, MetaState.UNREADABLE):
                yield Problem(f"{folder[:-1]} {entry!r} has no readable meta.yaml; the link {LOST}",
                              file=rel if state != MetaState.MISSING else f"{folder}/{entry}", subject=entry)
            elif state == MetaState.OK and folder == "inputs" \
                    and data.get("source_type", "DATASET") == "DATASET":
                source = data.get("source_id", "")
                readable = experiment is not None and \
                    gate_meta(experiment, f"datasets/{source}/meta.yaml").state is MetaState.OK
                if not readable:
                    yield Problem(f"input names dataset {source!r}, which the migration does not "
                                  f"migrate; the input {LOST}", file=rel, pointer="/source_id")


@rule("RUN207", "migration-trace-blocked", scope=Experiment, severity=ERROR, default=False,
      groups=GATE)
def traces_blocked(experiment: Experiment, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: every `traces/<id>/` must have a readable `trace_info.yaml` mapping with a
    non-null state, and UTF-8 tag and request-metadata files.

    Why: the migration skips a trace folder without a readable trace_info.yaml (the trace is
    lost while it reports success), crashes on one that is not a mapping, and aborts on a null
    `state` (`trace_info.status` is NOT NULL) or a file it cannot decode.
    Fix: restore trace_info.yaml, or delete the broken trace folder.
    """
    for trace in experiment.subdirs("traces"):
        rel = f"traces/{trace}/trace_info.yaml"
        data, state = gate_meta(experiment, rel)
        if state in (MetaState.MISSING, MetaState.UNREADABLE):
            yield Problem(f"trace {trace!r} has no readable trace_info.yaml; the trace {LOST}",
                          file=rel if state != MetaState.MISSING else f"traces/{trace}", subject=trace)
            continue
        if state == MetaState.NOT_MAPPING:
            yield Problem(f"trace_info.yaml is not a mapping; {ABORTS}", file=rel)
            continue
        if not data.get("status") and "state" in data and data["state"] is None:
            yield Problem(f"state is null; trace_info.status is NOT NULL, so {ABORTS}", file=rel,
                          pointer="/state")
        for folder in ("tags", "request_metadata"):
            for key in leaf_files(experiment, f"traces/{trace}/{folder}"):
                if undecodable(experiment, f"traces/{trace}/{folder}/{key}"):
                    yield Problem(f"file is not UTF-8; {ABORTS} (UnicodeDecodeError)",
                                  file=f"traces/{trace}/{folder}/{key}", line=1, subject=key)
