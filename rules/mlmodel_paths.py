"""Paths an MLmodel references: they must stay inside the model folder, have the right kind,
and hold real content rather than a Git-LFS pointer. (Existence is MLM011.)"""

import os
from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.pickle_targets import MAX_FILES
from mlint.reading.files import walk
from mlint.rulekit.mlmodel import DIR, FILE, head_bytes, mlmodel_data
from mlint.rulekit.references import escapes, grouped_references, keys_text

LFS_MAGIC = b"version https://git-lfs"
# An LFS pointer is ~130 bytes; anything bigger is real content.
LFS_MAX_BYTES = 1024
# Folders are walked for LFS pointers up to the pickle walk's cap: past it, PKL104 reports the
# folder as not fully scanned, so no file goes unchecked without a finding.
MAX_WALK_FILES = MAX_FILES


@rule("MLM100", "referenced-path-outside", scope=ModelDir, severity=ERROR, groups=["security"])
def referenced_path_inside(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A path an MLmodel references must stay inside the model folder: no absolute path, no
    `..` climbing out, no symlink pointing outside.

    Why: MLflow joins these values with the model folder. A path leading outside works only on
    the machine that wrote it, and is lost when the model is copied, logged, registered or
    served; it also lets a model read arbitrary files at load time.
    Fix: copy the file into the model folder and reference it relatively (re-save the model
    with `code_paths=`, `artifacts=` or `extra_files=`).
    """
    if mlmodel_data(model) is None:
        return
    for rel, refs in grouped_references(model).items():
        why = escapes(model, rel)
        if why:
            yield Problem(f"'{rel}' {why} (referenced by {keys_text(refs)})",
                          file="MLmodel", pointer=refs[0].pointer, subject=rel,
                          hint="Copy the file into the model folder and reference it relatively.")


@rule("MLM101", "referenced-path-wrong-kind", scope=ModelDir, severity=ERROR)
def referenced_path_kind(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A referenced path must be a file where MLflow opens a file (`pickled_model`,
    `python_model`, env files, input examples, xgboost/lightgbm/onnx `data`…) and a folder where
    it expects one (`code`, pytorch `model_data`, tensorflow `saved_model_dir`, transformers
    `model_binary` and `components`…).

    Why: the flavor's loader fails with IsADirectoryError or NotADirectoryError at load time.
    Fix: point the key at the right entry, or re-save the model.
    """
    if mlmodel_data(model) is None:
        return
    for rel, refs in grouped_references(model).items():
        if escapes(model, rel) or not os.path.exists(model.file(rel)):
            continue
        is_dir = os.path.isdir(model.file(rel))
        for ref in refs:
            wrong = (ref.kind == FILE and is_dir) or (ref.kind == DIR and not is_dir)
            if wrong:
                actual = "a folder" if is_dir else "a file"
                yield Problem(f"'{rel}' is {actual}, but {keys_text([ref])} must name a {ref.kind}",
                              file="MLmodel", pointer=ref.pointer, subject=rel,
                              hint="Point the key at the right entry, or re-save the model.")
                break


def _lfs_pointers(model: ModelDir, rel: str) -> Iterator[str]:
    """Model-relative paths of LFS pointer files at `rel` (a file, or files under a folder)."""
    path = model.file(rel)
    if os.path.isfile(path):
        candidates = [rel]
    elif os.path.isdir(path) and not os.path.islink(path):
        candidates = []
        for current, dirs, files in walk(path):  # iterative: no RecursionError when deep
            dirs.sort()
            base = os.path.relpath(current, model.path).replace(os.sep, "/")
            candidates += [f"{base}/{f}" if base != "." else f for f in sorted(files)]
            if len(candidates) >= MAX_WALK_FILES:
                break
    else:
        return
    for candidate in candidates[:MAX_WALK_FILES]:
        try:
            if os.path.getsize(model.file(candidate)) > LFS_MAX_BYTES:
                continue
        except (OSError, ValueError):
            continue
        # A file already read as text (env files, examples) is a pointer only if its text
        # starts like one (raw bytes can differ from the text only by a BOM): no second read.
        doc = model.context.cache.document(model.file(candidate))
        if doc is not None and not doc.text.startswith(LFS_MAGIC.decode("ascii")):
            continue
        head = head_bytes(model, candidate, len(LFS_MAGIC))
        if head == LFS_MAGIC:
            yield candidate


@rule("MLM102", "referenced-file-lfs-pointer", scope=ModelDir, severity=ERROR)
def referenced_file_not_lfs_pointer(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A file an MLmodel references (or a file inside a referenced folder) is a Git-LFS pointer
    (a small text file starting `version https://git-lfs`), not the model data itself.

    Why: the repository was cloned without `git lfs pull`; MLflow would try to unpickle or
    parse the pointer text and fail (`UnpicklingError: invalid load key, 'v'`).
    Fix: run `git lfs pull` (or `git lfs fetch && git lfs checkout`) before using the model.
    """
    if mlmodel_data(model) is None:
        return
    for rel, refs in grouped_references(model).items():
        if escapes(model, rel):
            continue
        for found in _lfs_pointers(model, rel):
            inside = "" if found == rel else f" (inside '{rel}')"
            yield Problem(
                f"'{found}'{inside} is a Git-LFS pointer, not the real file "
                f"(referenced by {keys_text(refs)})",
                file="MLmodel", pointer=refs[0].pointer, subject=found, related=(found,),
                hint="Run `git lfs pull` to fetch the real content.",
            )
