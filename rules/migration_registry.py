"""Migration gate for the model registry (`mlruns/models/`); see rules/migration.py."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import RegisteredModel
from mlint.rulekit.migration import ABORTS, GATE, LOST, MetaState, gate_meta, undecodable
from mlint.rulekit.tracking import leaf_files


@rule("REG150", "migration-registry-blocked", scope=RegisteredModel, severity=ERROR, default=False,
      groups=GATE)
def registry_blocked(model: RegisteredModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Migration gate: a registered model must have a readable meta.yaml mapping with a non-null
    `name`; each `version-*/meta.yaml` a readable mapping with an integer `version` unique
    within the model; alias files a version number; tag files UTF-8. (Names used by two
    models are reported by migration-unique-conflict.)

    Why: the migration skips a model whose meta.yaml is missing, empty or unparsable — with all
    its versions, tags and aliases — and a version folder likewise, while reporting success.
    It aborts on a null name (NOT NULL), two versions with the same number (UNIQUE), a
    version meta without `version` (KeyError) or with a non-integer one (ValueError), and on
    non-UTF-8 files. An alias file that is not a number is silently dropped.
    Fix: restore the meta files; make names and version numbers match their folders
    (`version-N` ↔ `version: N`); rewrite alias files to the version number.
    """
    meta, state = gate_meta(model)
    if state in (MetaState.MISSING, MetaState.UNREADABLE):
        yield Problem(f"meta.yaml is missing, empty or unreadable: the model, its versions, tags "
                      f"and aliases {LOST}", file="meta.yaml" if state != MetaState.MISSING else None)
        return
    if state == MetaState.NOT_MAPPING:
        yield Problem(f"meta.yaml is not a mapping; {ABORTS}", file="meta.yaml")
        return
    name = meta.get("name", model.name)
    if name is None:
        yield Problem(f"name is null; the column is NOT NULL, so {ABORTS}", file="meta.yaml",
                      pointer="/name")
    numbers: dict[int, str] = {}
    for folder in model.version_dirs():
        rel = f"{folder}/meta.yaml"
        data, vstate = gate_meta(model, rel)
        if vstate in (MetaState.MISSING, MetaState.UNREADABLE):
            yield Problem(f"{folder} has no readable meta.yaml; the version and its tags {LOST}",
                          file=rel if vstate != MetaState.MISSING else folder, subject=folder)
            continue
        if vstate == MetaState.NOT_MAPPING:
            yield Problem(f"version meta is not a mapping; {ABORTS}", file=rel)
            continue
        if "version" not in data:
            yield Problem(f"version meta has no 'version'; {ABORTS} (KeyError)", file=rel)
            continue
        try:
            number = int(data["version"])
        except (TypeError, ValueError):
            yield Problem(f"version {data['version']!r} is not an integer; {ABORTS}", file=rel,
                          pointer="/version")
            continue
        if number in numbers:
            yield Problem(f"version {number} is also claimed by {numbers[number]}; {ABORTS} "
                          f"(UNIQUE constraint failed)", file=rel, pointer="/version")
        numbers.setdefault(number, folder)
    for alias in model.entries("aliases"):
        doc = model.text(f"aliases/{alias}")
        if doc is not None and not _is_int(doc.text.strip()):
            yield Problem(f"alias file holds {doc.text.strip()[:40]!r}, not a version number; the "
                          f"alias {LOST}", file=f"aliases/{alias}", line=1, subject=alias)
    tag_files = [f"tags/{k}" for k in leaf_files(model, "tags")]
    for folder in model.version_dirs():
        tag_files += [f"{folder}/tags/{k}" for k in leaf_files(model, f"{folder}/tags")]
    for rel in tag_files + [f"aliases/{a}" for a in model.entries("aliases")]:
        if undecodable(model, rel):
            yield Problem(f"file is not UTF-8; {ABORTS} (UnicodeDecodeError)", file=rel, line=1,
                          subject=rel)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
