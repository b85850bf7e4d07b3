"""Planning: which findings get which edits, and which edits are refused (and why)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import display_path
from mlint.fixes.model import Edit, Fix, FixContext, fix_for
from mlint.reading.files import DEFAULT_MAX_BYTES, parse_yaml, read_file
from mlint.reporters.safe import text as safe_text

# Never written, whatever a fix returns: serialized objects are evidence, not text to edit.
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin", ".ckpt", ".dill",
                   ".cloudpickle", ".npy", ".npz", ".h5", ".keras", ".safetensors", ".onnx")
META_MAX_BYTES = 1024 * 1024
RUNNING = (1, "RUNNING")
PENDING = (1, "PENDING")


@dataclass
class Plan:
    """The edits to make, the findings they fix, and the findings left alone (with why)."""

    edits: dict[Path, Edit] = field(default_factory=dict)
    fixed: list[Diagnostic] = field(default_factory=list)
    skipped: list[tuple[Diagnostic, str]] = field(default_factory=list)
    unsafe_available: int = 0


def plan_fixes(diagnostics: Iterable[Diagnostic], roots: Sequence[Path], *, unsafe: bool = False,
               fix_running: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> Plan:
    """Ask each finding's fix for its edits; keep only edits inside `roots` (the folder of a
    root that is a file), on paths the fix owns, on text files, and not in a RUNNING run
    unless `fix_running`."""
    plan = Plan()
    files = FixContext(plan.edits, max_bytes)
    real_roots = [os.path.realpath(r if os.path.isdir(r) else os.path.dirname(os.path.abspath(r)))
                  for r in roots]
    for diagnostic in diagnostics:
        fix = fix_for(diagnostic.code)
        if fix is None:
            continue
        if not fix.safe and not unsafe:
            plan.unsafe_available += 1
            continue
        try:
            proposed = list(fix.func(diagnostic, files))
        except Exception as exc:  # a bug in a fix must not stop the others, nor write anything
            plan.skipped.append((diagnostic, f"fix {fix.code} crashed (a bug in the fix, not in "
                                             f"your files): {type(exc).__name__}: {exc}"))
            continue
        # An edit that changes nothing fixes the finding only if an earlier finding's edit of
        # the same path did (two findings in one file); otherwise the fix could not help.
        edits = [e for e in proposed if e.mkdir or e.new != files.read(e.path)]
        if not edits:
            if any(e.path in plan.edits for e in proposed):
                plan.fixed.append(diagnostic)
            continue
        why = next((w for w in (_refusal(fix, e, real_roots, fix_running) for e in edits) if w), "")
        if why:
            plan.skipped.append((diagnostic, why))
            continue
        for edit in edits:
            first = plan.edits.get(edit.path)
            # Two findings in one file: the second fix read the first one's result; keep the
            # original bytes as `old`, which the file must still hold when it is replaced.
            plan.edits[edit.path] = Edit(edit.path, edit.new, first.old if first else edit.old)
        plan.fixed.append(diagnostic)
    return plan


def _refusal(fix: Fix, edit: Edit, roots: list[str], fix_running: bool) -> str:
    path = edit.path
    if not fix.may_write(path):
        return f"fix {fix.code} does not own {display_path(path)}"
    if path.suffix.lower() in PICKLE_SUFFIXES:
        return f"{display_path(path)} is a serialized object: never edited"
    parent = os.path.realpath(path.parent)
    if not any(parent == r or parent.startswith(r.rstrip(os.sep) + os.sep) for r in roots) \
            and not any(os.path.realpath(path) == r for r in roots):
        return f"{display_path(path)} is outside the checked paths (or reached through a link)"
    if path.is_symlink():
        return f"{display_path(path)} is a symbolic link: never replaced"
    if not edit.mkdir:
        for data in (edit.old, edit.new):
            if data is not None and (b"\x00" in data or not _utf8(data)):
                return f"{display_path(path)} is not a UTF-8 text file: never edited"
    if not fix_running:
        busy = _running_owner(path)
        if busy:
            return f"{busy} (pass --fix-running to fix it anyway)"
    return ""


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _meta(folder: Path) -> dict[str, object] | None:
    raw = read_file(folder / "meta.yaml", folder, META_MAX_BYTES)  # never a FIFO, never huge
    if not isinstance(raw, bytes):
        return None
    data = parse_yaml(raw.decode("utf-8", "replace"), "meta.yaml")
    return data if isinstance(data, dict) else None


def _running_owner(path: Path) -> str:
    """Why `path` belongs to something MLflow may still be writing: a RUNNING run, or a
    PENDING logged model (or one whose source run is RUNNING). Empty when neither."""
    for folder in list(path.parents)[:3]:
        meta = _meta(folder)
        if meta is None:
            continue
        if meta.get("run_id") or meta.get("run_uuid"):
            if meta.get("status") in RUNNING:
                return f"run {display_path(folder)} is RUNNING"
            return ""
        if meta.get("model_id"):
            if meta.get("status") in PENDING:
                return f"logged model {display_path(folder)} is PENDING"
            source = meta.get("source_run_id")
            run = _meta(folder.parent.parent / str(source)) if isinstance(source, str) and source else None
            if run is not None and run.get("status") in RUNNING:
                return f"logged model {display_path(folder)} belongs to a RUNNING run"
            return ""
    return ""


def unified_diff(edit: Edit) -> str:
    """The edit as a reviewer reads it: a unified diff, or a `mkdir` line for a folder."""
    shown = safe_text(display_path(edit.path))
    if edit.mkdir:
        return f"mkdir {shown}/\n"
    old = (edit.old or b"").decode("utf-8").splitlines(keepends=True)
    new = (edit.new or b"").decode("utf-8").splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(old, new, f"a/{shown}", f"b/{shown}"):
        # Artifact text reaches the terminal escaped, as in every report (a metric line with an
        # ESC sequence must not repaint the screen); `\r` of a CRLF line shows as `\r`.
        body = line[:-1] if line.endswith("\n") else line
        out.append(safe_text(body, keep_tabs=True) + "\n")
        if not line.endswith("\n"):
            out.append("\\ No newline at end of file\n")
    return "".join(out)
