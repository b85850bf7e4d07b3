"""Whether a model's serialized files could be read completely and are well-formed: an
unread byte is never reported clean ("never clean when not fully read")."""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import LoggedModel, ModelDir, Run
from mlint.pickle_budget import UNIT_LIMITS, budget_skipped
from mlint.pickle_targets import capped_walks, locate, targets
from mlint.pickles import Kind

# Model folders, and the artifacts of runs / logged models outside any model folder.
PICKLE_UNITS = (ModelDir, Run, LoggedModel)

INCOMPLETE = (Kind.TRUNCATED, Kind.UNSUPPORTED_CONTAINER, Kind.CAP_REACHED, Kind.SCAN_ERROR,
              Kind.NOT_SERIALIZED)
ANOMALIES = (Kind.INVALID_OPCODE, Kind.PROTO, Kind.MEMO, Kind.STACK, Kind.DISCARDED_CALL,
             Kind.GLOBAL_MUTATION, Kind.TRAILING_DATA, Kind.OUT_OF_BAND, Kind.PERSISTENT_ID,
             Kind.BAD_VALUE, Kind.CONTAINER)


@rule("PKL104", "pickle-not-fully-scanned", scope=PICKLE_UNITS, severity=ERROR, groups=["security"])
def not_fully_scanned(model: ModelDir | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A serialized file could not be read to the end: it is truncated (or empty where MLflow
    expects a pickle), its container is not recognised (content that is no pickle, joblib, zip
    or npy where the flavor promises one; lz4 compression without the `lz4` package; joblib
    array framing that cannot be decoded statically), or a size/time cap stopped the scan.

    A folder with more files than the walk cap (5,000, for the model folder and for each
    referenced folder) is reported too: the files after the cap are not scanned. So is a unit
    whose files together exhaust its scan budget (60 s and 16 GiB of decoded bytes per model
    folder or per run's artifacts, each file also capped at 120 s and 8 GiB on its own):
    many small decompression bombs cannot add up to minutes.

    Always an error: a scanner that passes what it did not read is how malicious files get
    through (payloads after a numpy buffer, inside a compressed layer, past a cap). The findings
    cap (1,000 per file) is the one exception: it is a warning, since the file was still read.

    Why: a truncated pickle fails at `load_model` (`EOFError`, `UnpicklingError`); an unread
    part may hold anything.
    Fix: re-copy or re-save the model (check interrupted uploads and size limits); install
    `lz4` for lz4-compressed joblib files; for huge files, scan them with a dedicated tool.
    """
    for target in targets(model):
        for f in target.report.findings:
            if f.kind not in INCOMPLETE:
                continue
            severity = ERROR if f.severity.value == "error" else WARNING
            yield Problem(f"'{target.rel}' was not fully scanned: {f.message}",
                          hint=(f"Stopped {locate(f)}. " if locate(f) else "")
                          + "Re-copy or re-save the model; nothing unread is ever reported clean.",
                          severity=severity, **target.where(f"{f.kind}|{f.member or ''}"))
    targets(model)
    skipped = budget_skipped(model)
    if skipped:
        where = "the model folder" if isinstance(model, ModelDir) else "the run's artifacts"
        more = f" and {len(skipped) - 1} more files" if len(skipped) > 1 else ""
        yield Problem(f"the scan budget of {where} ({UNIT_LIMITS.max_seconds:g} s, "
                      f"{UNIT_LIMITS.max_bytes:,} decoded bytes for all files together) was used "
                      f"up: '{skipped[0]}'{more} were not scanned", subject="unit-budget",
                      hint="Many large or highly compressed files in one folder (decompression "
                           "bombs?); nothing unread is reported clean.")
    for folder, first, cap in capped_walks(model):
        where = f"'{folder}'" if folder else "the model folder"
        yield Problem(f"{where} holds more than {cap:,} files: '{first}' and the files after it "
                      "were not scanned", subject=f"file-cap|{folder}",
                      hint="Scan the remaining files with a dedicated tool, or move what is not "
                           "part of the model out of the folder; nothing unread is reported clean.")


@rule("PKL105", "pickle-lfs-pointer", scope=PICKLE_UNITS, severity=ERROR)
def lfs_pointer(model: ModelDir | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A file in the model folder that the MLmodel does not reference is a Git-LFS pointer,
    not the artifact (files the MLmodel references, or that lie in a referenced folder, are
    reported once by MLM102 instead).

    Why: the repository was cloned without `git lfs pull`; whatever reads this file (custom
    code, `load_context`, a later re-save) gets ~130 bytes of pointer text, and the scanner has
    nothing to check.
    Fix: run `git lfs pull`, or delete the stray pointer.
    """
    for target in targets(model):
        if target.referenced:
            continue  # MLM102 owns LFS pointers of referenced paths: one finding per file
        for f in target.report.by_kind(Kind.LFS_POINTER):
            yield Problem(f"'{target.rel}': {f.message}",
                          hint="Run `git lfs pull` to fetch the real content.",
                          **target.where(f.kind))


@rule("PKL106", "pickle-structural-anomaly", scope=PICKLE_UNITS, severity=WARNING,
      groups=["security"])
def structural_anomaly(model: ModelDir | Run | LoggedModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle's opcode stream or container is malformed or shaped in a way no ordinary
    writer produces: invalid opcodes, a memo read before it is written, stack underflow,
    malformed arguments, an imported object mutated at load (error); misplaced PROTO, values
    left on the stack, calls whose result is discarded (run for side effects), bytes after
    the last STOP, out-of-band buffers, zip headers that disagree with the central directory
    (warning). Informational shapes (several complete streams, persistent ids) are not reported.

    Why: errors here make `load_model` fail, or mean the file was edited by hand to confuse
    scanners; warnings are classic evasion tricks (a payload in a second stream, a side-effect
    call whose result is thrown away).
    Fix: re-save the model from trusted code; do not load a file that was edited by hand.
    """
    for target in targets(model):
        for f in target.report.findings:
            if f.kind not in ANOMALIES or f.severity.value == "info":
                continue
            severity = ERROR if f.severity.value == "error" else WARNING
            yield Problem(f"'{target.rel}': {f.message}",
                          hint=(f"Found {locate(f)}. " if locate(f) else "")
                          + "Re-save the model from trusted code.",
                          severity=severity,
                          **target.where(f"{f.kind}|{f.module or ''}.{f.name or ''}|{f.member or ''}"))
