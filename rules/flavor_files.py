"""Flavor model files that are not pickles (LightGBM text, XGBoost JSON/UBJ, CatBoost, ONNX
and its external data, PyTorch `pth`/`pt2`/TorchScript zips, Keras `.keras`/h5/SavedModel,
spaCy pipelines): the files each flavor's loader opens must exist, hold something, be the
format the loader parses, and be whole. Only magic bytes, archive directories and length
fields are read (`mlint.reading.formats`); nothing is loaded.

The table of which files each flavor's loader opens is `mlint.rulekit.flavor_table`; four rules
report the four kinds of defect over it.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.reading.files import FileFailure
from mlint.reading.formats import TRUNCATED, WRONG, check_file, lightgbm_text
from mlint.rulekit.flavor_table import FLAVOR_FILES, Expected, is_dir
from mlint.rulekit.mlmodel import flavors, head_bytes, mlmodel_data
from mlint.rulekit.references import escapes

MISSING, EMPTY = "missing", "empty"
LFS_MAGIC = b"version https://git-lfs"

@dataclass(frozen=True)
class Defect:
    kind: str  # MISSING, EMPTY, TRUNCATED or WRONG
    expected: Expected
    detail: str = ""


def _examine(model: ModelDir, exp: Expected) -> Iterator[Defect]:
    if escapes(model, exp.rel):
        return  # MLM100
    path = model.file(exp.rel)
    if not os.path.lexists(path):
        if not exp.referenced and is_dir(model, exp.within or posixpath.dirname(exp.rel) or "."):
            yield Defect(MISSING, exp)
        return
    if not os.path.isfile(path):
        return  # MLM101 (kind), MLT003/MLT005 (special files, symlinks)
    try:
        size = os.path.getsize(path)
    except OSError:
        return
    if size == 0:
        yield Defect(EMPTY, exp)
        return
    if exp.check is None or head_bytes(model, exp.rel, len(LFS_MAGIC)) == LFS_MAGIC:
        return  # LFS pointers are MLM102's
    verdict = check_file(path, model.context.root, exp.check)
    if isinstance(verdict, FileFailure):
        return
    if verdict.state in (WRONG, TRUNCATED):
        yield Defect(verdict.state, exp, verdict.detail)
    folder = posixpath.dirname(exp.rel)
    for location, needed in verdict.needs:  # ONNX external data, next to the model file
        ext = Expected(posixpath.normpath(posixpath.join(folder, location)), exp.pointer,
                       "ONNX external tensor data",
                       loader=exp.loader)
        outside = escapes(model, ext.rel)
        if outside:  # onnx refuses these too ("External data path validation failed")
            yield Defect(MISSING, ext, f"{outside}, where onnx refuses to read external data")
            continue
        if not os.path.lexists(model.file(ext.rel)):
            yield Defect(MISSING, ext)
            continue
        try:
            have = os.path.getsize(model.file(ext.rel))
        except OSError:
            continue
        if have < needed:
            yield Defect(TRUNCATED, ext, f"{have:,} bytes where the model reads up to byte "
                                         f"{needed:,}")


def defects(model: ModelDir) -> list[Defect]:
    """Every defect of the flavor model files, computed once per unit."""
    memo = model.__dict__.get("_flavor_defects")
    if memo is not None:
        return cast("list[Defect]", memo)
    found: list[Defect] = []
    if mlmodel_data(model) is not None:
        for flavor, conf in flavors(model).items():
            expand = FLAVOR_FILES.get(flavor)
            if expand is not None:
                for exp in expand(model, conf):
                    found.extend(_examine(model, exp))
    model.__dict__["_flavor_defects"] = found
    return found


def _problems(model: ModelDir, kind: str, message: Callable[[Defect], str],
              hint: str) -> Iterator[Problem]:
    for d in defects(model):
        if d.kind == kind:
            yield Problem(message(d), file="MLmodel", pointer=d.expected.pointer,
                          subject=d.expected.rel, related=(d.expected.rel,), hint=hint)


def _siblings(model: ModelDir, rel: str) -> str:
    folder = posixpath.dirname(rel)
    try:
        names = sorted(os.listdir(model.file(folder) if folder else model.path))
    except OSError:
        return ""
    names = [n for n in names if n != "MLmodel"][:6]
    return f"; the folder holds {', '.join(repr(n) for n in names)}" if names else ""


@rule("MLM130", "flavor-file-missing", scope=ModelDir, severity=ERROR)
def flavor_file_missing(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A file that a flavor's loader opens inside its model folder does not exist: PyTorch
    `model.pth` (with `pickle_module_info.txt`) or `model.pt2` in `model_data`, Keras
    `data/model.keras` (or `.h5`, or a SavedModel's `saved_model.pb`), spaCy `config.cfg` and
    `meta.json`, the external data files an ONNX model names. (Paths written in MLmodel
    itself are MLM011's.)

    Why: the names are fixed by MLflow, not written in MLmodel; a renamed or deleted file
    passes every other check and fails only at `mlflow.pyfunc.load_model` (FileNotFoundError;
    onnx: "Data of TensorProto ... should be stored in ..., but it doesn't exist").
    Fix: restore the file under the name MLflow expects, or re-save the model.
    """
    yield from _problems(
        model, MISSING,
        lambda d: f"'{d.expected.rel}' ({d.expected.fmt}) {d.detail}" if d.detail else (
            (f"{d.expected.shown} exists" if d.expected.shown
             else f"'{d.expected.rel}' does not exist")
            + f": {d.expected.loader} opens {d.expected.fmt} there"
            f"{_siblings(model, d.expected.rel)}"),
        "Restore the file under the name MLflow expects, or re-save the model.")


@rule("MLM131", "flavor-file-empty", scope=ModelDir, severity=ERROR)
def flavor_file_empty(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A flavor model file (LightGBM, XGBoost, CatBoost, ONNX, PyTorch, Keras, TensorFlow,
    spaCy; see MLM130 for the names) is empty.

    Why: an interrupted copy or upload leaves zero-byte files; every loader fails on them
    (LightGBM "Unknown model format", xgboost "Check failed: str.size() >= 2", CatBoost "can
    not load pod type", torch "PytorchStreamReader failed reading zip archive", onnxruntime
    INVALID_ARGUMENT).
    Fix: copy the file again from the original model, or re-save the model.
    """
    yield from _problems(
        model, EMPTY,
        lambda d: f"'{d.expected.rel}' is empty; {d.expected.loader} needs {d.expected.fmt}",
        "Copy the file again from the original model, or re-save the model.")


@rule("MLM132", "flavor-file-truncated", scope=ModelDir, severity=ERROR)
def flavor_file_truncated(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A flavor model file is cut short: a zip archive (PyTorch `pth`/`pt2`/TorchScript,
    `.keras`) without its central directory, a LightGBM text model without its `end of
    trees` line, XGBoost JSON or UBJSON that ends early, a CatBoost or HDF5 file shorter than
    its header says, an ONNX protobuf whose fields run past the end, an ONNX external data
    file shorter than the tensors it holds, spaCy msgpack weights that end early.

    Why: the loader fails on it, and a truncated LightGBM model does worse: `lightgbm.Booster`
    crashes the whole Python process (SIGSEGV) instead of raising, so one bad file takes a
    serving worker or a batch job down with it.
    Fix: copy the file again from the original model (an interrupted upload or a
    size-limited transfer cut it), or re-save the model.
    """
    yield from _problems(
        model, TRUNCATED,
        lambda d: f"'{d.expected.rel}' is truncated: {d.detail}"
                  + ("; lightgbm can crash the whole Python process loading it"
                     if d.expected.check is lightgbm_text else ""),
        "Copy the file again from the original model, or re-save the model.")


@rule("MLM133", "flavor-file-wrong-format", scope=ModelDir, severity=ERROR)
def flavor_file_wrong_format(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A flavor model file is not the format its loader parses: e.g. a `model.lgb` that is no
    LightGBM text model, a `model.ubj` holding JSON or text, a `model.cb` without the `CBM1`
    magic, a `model.onnx` that is no protobuf, a `.keras` or `model.pt2` that is no zip
    archive, a `.keras` archive without `config.json`. Only the first bytes and the file's
    framing are read.

    Why: the file was replaced or renamed (a JSON dump saved as `.ubj`, a pickle saved as
    `model.lgb`), and the loader fails on it ("Check failed: str[0] == '{'", "Unknown model
    format", "Incorrect model file descriptor", INVALID_PROTOBUF, Keras "There is no item
    named 'config.json' in the archive").
    Fix: save the model again with the flavor's `save_model` so that content and name agree.
    """
    yield from _problems(
        model, WRONG,
        lambda d: f"'{d.expected.rel}' is {d.detail}, but {d.expected.loader} expects "
                  f"{d.expected.fmt}",
        "Re-save the model with the flavor's save_model so that content and name agree.")
