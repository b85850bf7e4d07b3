"""Flavor model files that are not pickles (LightGBM text, XGBoost JSON/UBJ, CatBoost, ONNX
and its external data, PyTorch `pth`/`pt2`/TorchScript zips, Keras `.keras`/h5/SavedModel,
spaCy pipelines): the files each flavor's loader opens must exist, hold something, be the
format the loader parses, and be whole. Only magic bytes, archive directories and length
fields are read (`mlint.formats`); nothing is loaded.

One table (`expected_files`) says, per flavor, which files its MLflow 3.17.2 loader opens and
how it derives their names from the flavor configuration; four rules report the four kinds of
defect over it.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlint.diagnostics import ERROR, Problem
from mlint.files import FileFailure
from mlint.formats import (
    TRUNCATED,
    WRONG,
    Reader,
    Verdict,
    catboost_binary,
    check_file,
    hdf5_file,
    json_document,
    lightgbm_text,
    onnx_model,
    ubjson_object,
    zip_archive,
)
from mlint.mlmodel import flavors, head_bytes, mlmodel_data
from mlint.registry import rule
from mlint.rules.model_references import escapes
from mlint.units import ModelDir

MISSING, EMPTY = "missing", "empty"
LFS_MAGIC = b"version https://git-lfs"
Check = Callable[[Reader], Verdict]


@dataclass(frozen=True)
class Expected:
    """A file (or folder) a flavor's loader opens."""

    rel: str  # model-relative, as the loader joins it
    pointer: str  # the MLmodel key its name comes from
    fmt: str  # what the loader parses, for messages
    check: Check | None = None  # structure check; None: existence and size only
    referenced: bool = False  # the key's value itself (a missing one is MLM011's)
    folder: bool = False
    loader: str = ""  # the call that fails, for messages
    shown: str = ""  # how a missing file is named in the message, when not `'rel'`
    within: str = ""  # reported missing only when this folder exists ('' = its own folder)


@dataclass(frozen=True)
class Defect:
    kind: str  # MISSING, EMPTY, TRUNCATED or WRONG
    expected: Expected
    detail: str = ""


def _torch_file(r: Reader) -> Verdict:
    # torch.save wrote a pickle stream before torch 1.6 (PROTO first): the pickle scanner
    # reads those; zip archives (torch.save >= 1.6, TorchScript) are checked here.
    if r.read(0, 1) == b"\x80":
        return Verdict("ok")
    return zip_archive(r)


def _join(*parts: str) -> str:
    return posixpath.normpath(posixpath.join(*parts))


def _pointer(flavor: str, key: str) -> str:
    return f"/flavors/{flavor}/{key}"


def _is_dir(model: ModelDir, rel: str) -> bool:
    return os.path.isdir(model.file(rel))


def _exists(model: ModelDir, rel: str) -> bool:
    return os.path.lexists(model.file(rel))


def _lightgbm(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data")
    # Only the native Booster is a text file; the scikit-learn API classes are pickles/skops.
    if isinstance(data, str) and conf.get("model_class", "lightgbm.basic.Booster") == \
            "lightgbm.basic.Booster":
        yield Expected(data, _pointer("lightgbm", "data"), "a LightGBM text model", lightgbm_text,
                       referenced=True, loader="lightgbm.Booster(model_file=...)")


def _xgboost(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data")
    if not isinstance(data, str):
        return
    # xgboost picks the parser from the file extension, not from `model_format`.
    ext = posixpath.splitext(data)[1].lower()
    check, fmt = {".json": (json_document, "an XGBoost JSON model"),
                  ".ubj": (ubjson_object, "an XGBoost UBJSON model")}.get(
        ext, (None, "an XGBoost model"))
    yield Expected(data, _pointer("xgboost", "data"), fmt, check, referenced=True,
                   loader="xgboost Booster.load_model")


def _catboost(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data", "model.cb")
    if not isinstance(data, str):
        return
    save_format = conf.get("save_format", "cbm")
    check, fmt = {"cbm": (catboost_binary, "a CatBoost binary model"),
                  "json": (json_document, "a CatBoost JSON model")}.get(
        save_format, (None, "a CatBoost model"))
    yield Expected(data, _pointer("catboost", "data"), fmt, check, referenced="data" in conf,
                   loader="CatBoost.load_model")


def _onnx(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data")
    if isinstance(data, str):
        yield Expected(data, _pointer("onnx", "data"), "an ONNX model", onnx_model,
                       referenced=True, loader="onnx.load")


def _pytorch(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("model_data")
    if not isinstance(data, str):
        return
    pointer = _pointer("pytorch", "model_data")
    if not _is_dir(model, data):  # MLflow < 1.0 saved the model file itself
        yield Expected(data, pointer, "a PyTorch model", _torch_file, referenced=True,
                       loader="torch.load")
        return
    pth, pt2 = _join(data, "model.pth"), _join(data, "model.pt2")
    # mlflow.pytorch._load_model: model.pth (torch.save or TorchScript, with the pickle
    # module's name in pickle_module_info.txt) when it exists, else the torch.export model.pt2.
    if not _exists(model, pth) and not _exists(model, pt2):
        yield Expected(pth, pointer, "a PyTorch model", loader="mlflow.pytorch.load_model",
                       shown=f"neither '{pth}' nor '{pt2}'")
    elif _exists(model, pth):
        yield Expected(pth, pointer, "a torch.save or TorchScript zip archive", _torch_file,
                       loader="torch.load")
        yield Expected(_join(data, "pickle_module_info.txt"), pointer,
                       "the name of the pickle module", loader="mlflow.pytorch.load_model")
    else:
        yield Expected(_join(data, "model.pt2"), pointer, "a torch.export archive (pt2)",
                       zip_archive, loader="torch.export.load")


def _keras(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data", "model")
    if not isinstance(data, str):
        return
    base = _join(data, "model") if _is_dir(model, data) else data
    pointer = _pointer("keras", "data")
    if conf.get("save_exported_model"):
        yield Expected(_join(base, "saved_model.pb"), pointer, "a TensorFlow SavedModel",
                       loader="tf.saved_model.load")
    else:
        yield Expected(base + ".keras", pointer, "a Keras 3 .keras archive", zip_archive,
                       loader="keras.saving.load_model")


def _tensorflow(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data, saved = conf.get("data"), conf.get("saved_model_dir")
    if isinstance(data, str) and conf.get("model_type", "keras") == "keras":
        base = _join(data, "model") if _is_dir(model, data) else data
        pointer = _pointer("tensorflow", "data")
        loader = "tf.keras.models.load_model"
        # mlflow.tensorflow._load_keras_model: `.h5` for save_format h5 (the default of old
        # models), else `.keras` when it exists (TF >= 2.16), else a SavedModel folder.
        if conf.get("save_format", "h5") == "h5":
            yield Expected(base + ".h5", pointer, "a Keras HDF5 model", hdf5_file, loader=loader)
        elif _exists(model, base + ".keras") or not _is_dir(model, base):
            yield Expected(base + ".keras", pointer, "a Keras .keras archive", zip_archive,
                           loader=loader)
        else:
            yield Expected(_join(base, "saved_model.pb"), pointer, "a TensorFlow SavedModel",
                           loader=loader)
    elif isinstance(saved, str) and _is_dir(model, saved) and not _exists(
            model, _join(saved, "saved_model.pbtxt")):
        yield Expected(_join(saved, "saved_model.pb"), _pointer("tensorflow", "saved_model_dir"),
                       "a TensorFlow SavedModel", loader="tf.saved_model.load")


def _spacy(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data", "model.spacy")
    if not isinstance(data, str) or not _is_dir(model, data):
        return
    pointer, loader = _pointer("spacy", "data"), "spacy.load"
    yield Expected(_join(data, "config.cfg"), pointer, "the spaCy pipeline config",
                   loader=loader)
    yield Expected(_join(data, "meta.json"), pointer, "the spaCy pipeline meta", json_document,
                   loader=loader)
    yield Expected(_join(data, "tokenizer"), pointer, "the spaCy tokenizer", loader=loader)
    yield Expected(_join(data, "vocab", "strings.json"), pointer, "the spaCy string store",
                   json_document, loader=loader)
    # A trainable component (TrainablePipe: textcat, ner, tagger...) is serialized as a folder
    # `<name>/` with `cfg` and its weights in `model`, and spaCy's from_disk reads both; which
    # components are trainable is read from their factory in config.cfg.
    for name in _trainable_components(model, _join(data, "config.cfg")):
        if not _is_dir(model, _join(data, name)):
            yield Expected(_join(data, name), pointer, f"the folder of spaCy component {name!r}",
                           loader=loader, folder=True, within=data)
            continue
        for part in ("cfg", "model"):
            yield Expected(_join(data, name, part), pointer,
                           f"the {part} file of spaCy component {name!r}", loader=loader)


SPACY_TRAINABLE = frozenset({
    "textcat", "textcat_multilabel", "ner", "beam_ner", "parser", "beam_parser", "tagger",
    "morphologizer", "senter", "tok2vec", "transformer", "entity_linker", "spancat",
    "spancat_singlelabel", "span_finder", "trainable_lemmatizer",
})
MAX_CONFIG_BYTES = 1 << 20


def _trainable_components(model: ModelDir, rel: str) -> list[str]:
    """Names of the `[components.<name>]` sections of a spaCy config.cfg whose `factory` is a
    trainable pipe (the name becomes a folder, so only plain names are kept)."""
    head = head_bytes(model, rel, MAX_CONFIG_BYTES)
    if not head:
        return []
    names: list[str] = []
    section = ""
    for line in head.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        parts = section.split(".")
        if len(parts) == 2 and parts[0] == "components" and line.startswith("factory"):
            factory = line.partition("=")[2].strip().strip('"')
            if factory in SPACY_TRAINABLE and parts[1] not in ("", ".", "..") \
                    and "/" not in parts[1] and parts[1] not in names:
                names.append(parts[1])
    return names


FLAVOR_FILES: dict[str, Callable[[ModelDir, dict[str, Any]], Iterator[Expected]]] = {
    "lightgbm": _lightgbm,
    "xgboost": _xgboost,
    "catboost": _catboost,
    "onnx": _onnx,
    "pytorch": _pytorch,
    "keras": _keras,
    "tensorflow": _tensorflow,
    "spacy": _spacy,
}


def _examine(model: ModelDir, exp: Expected) -> Iterator[Defect]:
    if escapes(model, exp.rel):
        return  # MLM100
    path = model.file(exp.rel)
    if not os.path.lexists(path):
        if not exp.referenced and _is_dir(model, exp.within or posixpath.dirname(exp.rel) or "."):
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
        ext = Expected(_join(folder, location), exp.pointer, "ONNX external tensor data",
                       loader=exp.loader)
        if escapes(model, ext.rel) or not os.path.lexists(model.file(ext.rel)):
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
        return memo
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
        lambda d: (f"{d.expected.shown} exists" if d.expected.shown
                   else f"'{d.expected.rel}' does not exist")
                  + f": {d.expected.loader} opens {d.expected.fmt} there"
                  f"{_siblings(model, d.expected.rel)}",
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
    trees` line, XGBoost JSON that ends early or UBJSON without its closing `}`, a CatBoost
    or HDF5 file shorter than its header says, an ONNX protobuf whose fields run past the end,
    or an ONNX external data file shorter than the tensors it holds.

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
    archive. Only the first bytes and the file's framing are read.

    Why: the file was replaced or renamed (a JSON dump saved as `.ubj`, a pickle saved as
    `model.lgb`), and the loader fails on it ("Check failed: str[0] == '{'", "Unknown model
    format", "Incorrect model file descriptor", INVALID_PROTOBUF).
    Fix: save the model again with the flavor's `save_model` so that content and name agree.
    """
    yield from _problems(
        model, WRONG,
        lambda d: f"'{d.expected.rel}' is {d.detail}, but {d.expected.loader} expects "
                  f"{d.expected.fmt}",
        "Re-save the model with the flavor's save_model so that content and name agree.")
