"""Model-relative references of an MLmodel, as the MLM rules group and judge them: one finding
per referenced path, and whether a path leaves the model folder (absolute, `..`, a symlink out)."""

from __future__ import annotations

import os

from mlint.discovery.units import ModelDir
from mlint.reading.paths import symlink_out
from mlint.rulekit.mlmodel import Reference, references


def grouped_references(model: ModelDir) -> dict[str, list[Reference]]:
    """References keyed by the model-relative path they resolve to (one finding per path)."""
    grouped: dict[str, list[Reference]] = {}
    for ref in references(model):
        grouped.setdefault(ref.path, []).append(ref)
    return grouped


def keys_text(refs: list[Reference]) -> str:
    return ", ".join(r.pointer.lstrip("/").replace("/", ".").replace("~1", "/").replace("~0", "~")
                     for r in refs)


def escapes(model: ModelDir, rel: str) -> str:
    """Why `rel` leaves the model folder ('' when it stays inside): the read guard's own answer
    (`Unit.outside`, memoised there), so what MLM100 reports and what is never opened are one
    decision. A symlink counts only for a path that exists: a missing file is MLM011's."""
    why = model.outside(rel)
    if why == symlink_out("model folder") and not os.path.lexists(model.file(rel)):
        return ""
    return why
