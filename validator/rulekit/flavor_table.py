"""Which files each non-pickle flavor's loader opens (MLflow 3.17.2's `mlflow.<flavor>`
loaders), how their names follow from the flavor configuration, and which structure check of
`mlint.reading.formats` applies. Used by the MLM130-MLM133 rules in `mlint.rules.flavor_files`.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mlint.discovery.units import ModelDir
from mlint.reading.formats import (
    Reader,
    Verdict,
    catboost_binary,
    hdf5_file,
    json_document,
    keras_archive,
    lightgbm_text,
    zip_archive,
)
from mlint.reading.wireformats import msgpack_value, onnx_model, ubjson_object
from mlint.rulekit.mlmodel import head_bytes

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


def is_dir(model: ModelDir, rel: str) -> bool:
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
    if not is_dir(model, data):  # MLflow < 1.0 saved the model file itself
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
                       "the file naming the pickle module", loader="mlflow.pytorch.load_model")
    else:
        yield Expected(_join(data, "model.pt2"), pointer, "a torch.export archive (pt2)",
                       zip_archive, loader="torch.export.load")


def _keras(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data", "model")
    if not isinstance(data, str):
        return
    base = _join(data, "model") if is_dir(model, data) else data
    pointer = _pointer("keras", "data")
    if conf.get("save_exported_model"):
        yield Expected(_join(base, "saved_model.pb"), pointer, "a TensorFlow SavedModel",
                       loader="tf.saved_model.load")
    else:
        yield Expected(base + ".keras", pointer, "a Keras 3 .keras archive", keras_archive,
                       loader="keras.saving.load_model")


def _tensorflow(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data, saved = conf.get("data"), conf.get("saved_model_dir")
    if isinstance(data, str) and conf.get("model_type", "keras") == "keras":
        base = _join(data, "model") if is_dir(model, data) else data
        pointer = _pointer("tensorflow", "data")
        loader = "tf.keras.models.load_model"
        # mlflow.tensorflow._load_keras_model: `.h5` for save_format h5 (the default of old
        # models), else `.keras` when it exists (TF >= 2.16), else a SavedModel folder.
        if conf.get("save_format", "h5") == "h5":
            yield Expected(base + ".h5", pointer, "a Keras HDF5 model", hdf5_file, loader=loader)
        elif _exists(model, base + ".keras") or not is_dir(model, base):
            yield Expected(base + ".keras", pointer, "a Keras .keras archive", keras_archive,
                           loader=loader)
        else:
            yield Expected(_join(base, "saved_model.pb"), pointer, "a TensorFlow SavedModel",
                           loader=loader)
    elif isinstance(saved, str) and is_dir(model, saved) and not _exists(
            model, _join(saved, "saved_model.pbtxt")):
        yield Expected(_join(saved, "saved_model.pb"), _pointer("tensorflow", "saved_model_dir"),
                       "a TensorFlow SavedModel", loader="tf.saved_model.load")


def _spacy(model: ModelDir, conf: dict[str, Any]) -> Iterator[Expected]:
    data = conf.get("data", "model.spacy")
    if not isinstance(data, str) or not is_dir(model, data):
        return
    pointer, loader = _pointer("spacy", "data"), "spacy.load"
    yield Expected(_join(data, "config.cfg"), pointer, "the spaCy pipeline config",
                   loader=loader)
    yield Expected(_join(data, "meta.json"), pointer, "the spaCy pipeline meta", json_document,
                   loader=loader)
    yield Expected(_join(data, "tokenizer"), pointer, "the spaCy tokenizer (msgpack)",
                   msgpack_value, loader=loader)
    yield Expected(_join(data, "vocab", "strings.json"), pointer, "the spaCy string store",
                   json_document, loader=loader)
    # A trainable component (TrainablePipe: textcat, ner, tagger...) is serialized as a folder
    # `<name>/` with `cfg` and its weights in `model`, and spaCy's from_disk reads both; which
    # components are trainable is read from their factory in config.cfg.
    for name in _trainable_components(model, _join(data, "config.cfg")):
        if not is_dir(model, _join(data, name)):
            yield Expected(_join(data, name), pointer, f"the folder of spaCy component {name!r}",
                           loader=loader, folder=True, within=data)
            continue
        yield Expected(_join(data, name, "cfg"), pointer,
                       f"the cfg file of spaCy component {name!r}", json_document, loader=loader)
        yield Expected(_join(data, name, "model"), pointer,
                       f"the model file of spaCy component {name!r} (msgpack)", msgpack_value,
                       loader=loader)


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
