"""Model-relative references of an MLmodel, as the MLM rules group and judge them: one finding
per referenced path, and whether a path leaves the model folder (absolute, `..`, a symlink out)."""

from __future__ import annotations

from mlint.discovery.units import ModelDir
from mlint.reading.paths import real_child, real_path
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
    """Why `rel` leaves the model folder ('' when it stays inside)."""
    # Four MLM rules ask this for every reference (~20 times per folder): answer once.
    memo: dict[str, str] = model.__dict__.setdefault("_escapes", {})
    why = memo.get(rel)
    if why is None:
        why = memo[rel] = _escapes(model, rel)
    return why


def _escapes(model: ModelDir, rel: str) -> str:
    import os
    import posixpath

    if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        return "is an absolute path"
    if posixpath.normpath(rel.replace("\\", "/")).split("/")[0] == "..":
        return "climbs out of the model folder with '..'"
    if "\x00" in rel:  # os.path functions raise on NUL; no such file can exist (MLM011 says so)
        return ""
    # real_path: os.path.realpath resolved the model folder again for every reference (~5%
    # of a check); it resolves each parent folder once, with the same result.
    real_model = real_path(model.path)
    real = real_child(real_model, model.file(rel), rel)
    if os.path.lexists(model.file(rel)) and real != real_model and not real.startswith(real_model + os.sep):
        return "resolves through a symlink to a place outside the model folder"
    return ""
