"""Flavor consistency: the pyfunc entry point, its loader, and flavor values versus the files
they describe (sniffing only the first bytes of a file; nothing is unpickled)."""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.rulekit.mlmodel import flavors, head_bytes, mlmodel_data

PYFUNC = "python_function"
PYTHON_MODEL_LOADER = "mlflow.pyfunc.model"
# Loaders that unpickle `python_model` (all go through `_load_context_model_and_signature`):
# pyfunc.save_model picks the one matching the PythonModel subclass (`_get_pyfunc_loader_module`).
PYTHON_MODEL_LOADERS = frozenset({
    PYTHON_MODEL_LOADER, "mlflow.pyfunc.loaders.chat_model", "mlflow.pyfunc.loaders.chat_agent",
    "mlflow.pyfunc.loaders.responses_agent",
})
# `mlflow.<module>` loader → the flavor its `_load_pyfunc` reads the configuration of.
LOADER_FLAVORS = {
    f"mlflow.{name}": name for name in (
        "sklearn", "xgboost", "lightgbm", "pytorch", "tensorflow", "keras", "onnx",
        "transformers", "langchain", "spark", "catboost", "statsmodels", "h2o", "prophet",
        "pmdarima", "spacy", "paddle", "diviner", "sentence_transformers", "openai",
        "llama_index", "dspy", "johnsnowlabs", "gluon", "fastai", "mleap", "shap",
    )
}
# Every `mlflow.*` loader module MLflow 1.x-3.x writes into `python_function.loader_module`:
# the flavor modules above, MLflow 3.17.2's other `add_to_model(loader_module="mlflow.…")`
# literals and the PythonModel loaders (tests/test_fidelity_round2.py checks the installed
# MLflow against this list), plus flavors MLflow has since removed (gluon, fastai, diviner,
# promptflow), whose models a matching old MLflow still loads.
MLFLOW_LOADERS = frozenset(LOADER_FLAVORS) | frozenset({
    "mlflow.diffusers", "mlflow.promptflow", "mlflow.prompt.promptlab_model", *PYTHON_MODEL_LOADERS,
    "mlflow.pyfunc.loaders.code_model",
})
# mlflow.sklearn._load_pyfunc falls back to plain pickle when the sklearn flavor is absent.
LENIENT_LOADERS = frozenset({"mlflow.sklearn"})
# mlflow/sklearn/__init__.py SUPPORTED pyfunc predict functions.
SKLEARN_PREDICT_FNS = ("predict", "predict_proba", "predict_log_proba", "predict_joint_log_proba", "score")
ZIP_MAGIC = b"PK\x03\x04"
# `python_model_compression` values (mlflow.pyfunc.model._COMPRESSION_INFO) → file magic.
COMPRESSION_MAGIC = {"gzip": b"\x1f\x8b", "lzma": b"\xfd7zXZ\x00", "bzip2": b"BZh"}
LFS_MAGIC = b"version https://git-lfs"


@rule("MLM110", "no-pyfunc-flavor", scope=ModelDir, severity=WARNING)
def pyfunc_flavor_present(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The MLmodel has flavors but no `python_function` flavor: the model is not servable by
    pyfunc. An MLmodel without any flavor (no `flavors` key, or an empty one) is an error:
    nothing can load it.

    Why: `mlflow.pyfunc.load_model`, `mlflow models serve`, batch inference (`spark_udf`) and
    model evaluation all need `python_function` ("Model does not have the python_function
    flavor"); only the native flavor loader works. MLflow omits it, with only a log warning,
    e.g. when a scikit-learn model lacks `predict_fn`. `Model.load` accepts an MLmodel
    without flavors, so the model looks fine until something loads it.
    Fix: give the model the method `pyfunc_predict_fn` names and re-save it, or wrap it in a
    `mlflow.pyfunc.PythonModel`; restore a lost `flavors` section from the original.
    """
    data = mlmodel_data(model)
    found = flavors(model)
    if data is None or PYFUNC in found:
        return
    if not found:
        if "flavors" in data and data["flavors"] is not None and not isinstance(data["flavors"], dict):
            return  # not a mapping: the schema rule reports it
        yield Problem("MLmodel has no flavors: mlflow.pyfunc.load_model fails (\"Model does not "
                      "have the python_function flavor\") and no flavor loader applies",
                      file="MLmodel", pointer="/flavors" if "flavors" in data else "",
                      severity=ERROR, hint="Restore the flavors section, or re-save the model.")
        return
    names = ", ".join(sorted(found))
    yield Problem(f"no python_function flavor (flavors: {names}); pyfunc loading and serving "
                  "will fail", file="MLmodel", pointer="/flavors",
                  hint="Re-save the model so that MLflow adds the python_function flavor.")


@rule("MLM111", "loader-module-flavor-missing", scope=ModelDir, severity=ERROR)
def loader_module_has_flavor(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`python_function.loader_module` names an MLflow flavor module (e.g. `mlflow.xgboost`)
    whose flavor is missing from `flavors`, or an `mlflow.…` module that no MLflow release
    ships (e.g. the typo `mlflow.sklern`). Custom loader modules outside `mlflow.` are not
    reported.

    Why: the loader's `_load_pyfunc` reads its own flavor's configuration and raises
    `RESOURCE_DOES_NOT_EXIST` ("Model does not have the … flavor"). `mlflow.sklearn` alone
    falls back to plain pickle, so it is reported as a warning. A module MLflow does not
    ship fails `mlflow.pyfunc.load_model` with ModuleNotFoundError.
    Fix: restore the flavor section (re-save the model with its flavor's `save_model`), or
    correct the module name.
    """
    found = flavors(model)
    loader = found.get(PYFUNC, {}).get("loader_module")
    if isinstance(loader, str) and loader.startswith("mlflow.") and loader not in MLFLOW_LOADERS:
        yield Problem(f"loader_module '{loader}' is not a module MLflow ships; "
                      "mlflow.pyfunc.load_model fails with ModuleNotFoundError",
                      file="MLmodel", pointer="/flavors/python_function/loader_module", subject=loader,
                      hint="Correct the name (the flavor modules are mlflow.<flavor>, e.g. "
                           "mlflow.sklearn), or re-save the model.")
        return
    if not isinstance(loader, str) or loader not in LOADER_FLAVORS:
        return
    flavor = LOADER_FLAVORS[loader]
    if flavor in found:
        return
    yield Problem(f"loader_module '{loader}' needs the '{flavor}' flavor, which is missing",
                  file="MLmodel", pointer="/flavors/python_function/loader_module", subject=loader,
                  severity=WARNING if loader in LENIENT_LOADERS else None,
                  hint=f"Re-save the model with mlflow.{flavor}.save_model.")


@rule("MLM112", "python-model-loader-mismatch", scope=ModelDir, severity=ERROR)
def python_model_with_its_loader(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`python_model` belongs to the loaders of a PythonModel saved as an object
    (`mlflow.pyfunc.model`, and for ChatModel, ChatAgent and ResponsesAgent
    `mlflow.pyfunc.loaders.chat_model`, `…chat_agent`, `…responses_agent`), and they need it.

    Why: these loaders raise "Python model path was not specified" without `python_model`
    (unless the model is saved as code, `model_code_path`); any other loader ignores the key,
    so the pickled PythonModel is never used.
    Fix: re-log the PythonModel with `mlflow.pyfunc.log_model(python_model=…)`.
    """
    pyfunc = flavors(model).get(PYFUNC)
    if pyfunc is None:
        return
    # Wrong types are MLM001's (schema); an unhashable value must not crash the lookups here.
    loader = pyfunc.get("loader_module") if isinstance(pyfunc.get("loader_module"), str) else None
    has_model = "python_model" in pyfunc and pyfunc.get("python_model") is not None
    from_code = pyfunc.get("model_code_path") is not None
    unknown = isinstance(loader, str) and loader.startswith("mlflow.") and loader not in MLFLOW_LOADERS
    # A custom loader module (outside `mlflow.`) may well read python_model: not judged.
    if has_model and isinstance(loader, str) and loader.startswith("mlflow.") \
            and loader not in PYTHON_MODEL_LOADERS and not unknown:
        yield Problem(f"python_model is set but loader_module is '{loader}', which ignores it",
                      file="MLmodel", pointer="/flavors/python_function/python_model",
                      hint=f"Use loader_module '{PYTHON_MODEL_LOADER}' or drop python_model.")
    elif loader in PYTHON_MODEL_LOADERS and not has_model and not from_code:
        yield Problem(f"loader_module '{loader}' needs python_model, which is missing",
                      file="MLmodel", pointer="/flavors/python_function/loader_module",
                      hint="Re-log the model with mlflow.pyfunc.log_model(python_model=...).")


@rule("MLM113", "predict-fn-invalid", scope=ModelDir, severity=ERROR)
def predict_fn_supported(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`python_function.predict_fn` of a scikit-learn model must be one of `predict`,
    `predict_proba`, `predict_log_proba`, `predict_joint_log_proba`, `score`.

    Why: the sklearn pyfunc wrapper calls that method by name; any other value fails when
    MLflow loads or calls the model (`save_model` rejects it up front).
    Fix: re-save with a supported `pyfunc_predict_fn`.
    """
    pyfunc = flavors(model).get(PYFUNC)
    if pyfunc is None or pyfunc.get("loader_module") != "mlflow.sklearn" or "predict_fn" not in pyfunc:
        return
    value = pyfunc.get("predict_fn")
    if value not in SKLEARN_PREDICT_FNS:
        yield Problem(f"predict_fn {value!r} is not one MLflow supports for scikit-learn "
                      f"({', '.join(SKLEARN_PREDICT_FNS)})",
                      file="MLmodel", pointer="/flavors/python_function/predict_fn",
                      hint="Re-save with mlflow.sklearn.save_model(..., pyfunc_predict_fn='predict').")


def _content_kind(head: bytes) -> str:
    if head.startswith(LFS_MAGIC):
        return "lfs"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    # MLflow dumps with pickle's default protocol or cloudpickle's (both >= 2): PROTO first.
    # Protocol 0/1 streams are left to the pickle scanner (text such as a LightGBM model
    # also starts with bytes that are pickle opcodes).
    if head[:1] == b"\x80":
        return "pickle"
    return "other"


@rule("MLM114", "serialization-format-mismatch", scope=ModelDir, severity=ERROR)
def serialization_matches_content(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The sklearn (or lightgbm scikit-learn API) `serialization_format` must match the model
    file's content: `skops` files are zip archives, `pickle`/`cloudpickle` files start with a
    pickle opcode. Likewise a PythonModel's `python_model_compression` (`gzip`, `lzma`,
    `bzip2`, or none) must match how `python_model` is compressed. Only the first bytes are
    read.

    Why: MLflow picks the deserializer from `serialization_format` (missing means `pickle`)
    and the decompressor from `python_model_compression` (missing or unknown means none); a
    skops zip fed to pickle, a pickle fed to skops, a gzip file read as lzma or as a plain
    pickle fails at load time (verified with 3.17.2: LZMAError, "invalid load key '\\x1f'",
    BadGzipFile).
    Fix: set the key to what the file is, or re-save the model.
    """
    for flavor, key in (("sklearn", "pickled_model"), ("lightgbm", "data")):
        conf = flavors(model).get(flavor)
        if conf is None:
            continue
        rel = conf.get(key)
        if not isinstance(rel, str) or not rel:
            continue
        booster = conf.get("model_class", "lightgbm.basic.Booster") == "lightgbm.basic.Booster"
        if flavor == "lightgbm" and booster:
            continue  # a native Booster (text model.lgb): MLflow ignores serialization_format
        declared = conf.get("serialization_format", "pickle")
        if declared not in ("pickle", "cloudpickle", "skops"):
            continue  # the schema rule reports unknown values
        head = head_bytes(model, rel, 8)
        if not head:
            continue
        kind = _content_kind(head)
        if kind in ("lfs", "other") and not (declared == "skops" and kind == "other"):
            continue  # LFS pointers are MLM102; unknown content is left to the pickle scanner
        expected = "zip" if declared == "skops" else "pickle"
        if kind != expected:
            actual = {"zip": "a zip archive (skops)", "pickle": "a pickle",
                      "other": "neither a zip nor a pickle"}[kind]
            pointer = f"/flavors/{flavor}/serialization_format" if "serialization_format" in conf \
                else f"/flavors/{flavor}/{key}"
            yield Problem(f"serialization_format is '{declared}' but '{rel}' is {actual}",
                          file="MLmodel", pointer=pointer, subject=rel, related=(rel,),
                          hint="Make serialization_format match the file, or re-save the model.")
    yield from _compression_matches(model)


def _compression_matches(model: ModelDir) -> Iterator[Problem]:
    pyfunc = flavors(model).get(PYFUNC, {})
    rel = pyfunc.get("python_model")
    loader = pyfunc.get("loader_module")
    if not isinstance(loader, str) or loader not in PYTHON_MODEL_LOADERS or not isinstance(rel, str) \
            or not rel:
        return
    head = head_bytes(model, rel, 8)
    if not head or head.startswith(LFS_MAGIC):
        return  # missing or empty: MLM011 / the pickle scanner; LFS pointers: MLM102
    actual = next((name for name, magic in COMPRESSION_MAGIC.items() if head.startswith(magic)), None)
    declared = pyfunc.get("python_model_compression")
    # MLflow falls back to an uncompressed read for a missing or unknown method (with a warning).
    expected = declared if isinstance(declared, str) and declared in COMPRESSION_MAGIC else None
    if actual == expected:
        return
    what = f"{actual}-compressed" if actual else ("a plain pickle" if head[:1] == b"\x80"
                                                   else "not compressed")
    said = f"python_model_compression is '{declared}'" if declared is not None \
        else "python_model_compression is not set"
    pointer = "/flavors/python_function/python_model_compression" \
        if "python_model_compression" in pyfunc else "/flavors/python_function/python_model"
    yield Problem(f"{said} but '{rel}' is {what}; MLflow fails to load it",
                  file="MLmodel", pointer=pointer, subject=rel, related=(rel,),
                  hint="Make python_model_compression match the file, or re-save the model.")


@rule("MLM115", "xgboost-format-mismatch", scope=ModelDir, severity=INFO, default=False)
def xgboost_format_matches_file(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The xgboost flavor's `model_format` does not match the extension of its `data` file
    (MLflow always writes `model.<model_format>`). Informational and off by default
    (`--extend-select MLM115`).

    Why: only a sign of a hand edit or a renamed file. `mlflow.xgboost._load_model` never
    reads `model_format`: it opens the `data` file and xgboost reads it by its own name and
    content, so a stale `model_format` alone breaks nothing.
    Fix: make `model_format` and the file name agree (re-save with `model_format=`).
    """
    conf = flavors(model).get("xgboost")
    if conf is None:
        return
    fmt, data = conf.get("model_format"), conf.get("data")
    if not isinstance(fmt, str) or not isinstance(data, str) or not data:
        return
    ext = data.rsplit(".", 1)[-1] if "." in data.rsplit("/", 1)[-1] else ""
    if ext != fmt:
        yield Problem(f"model_format is '{fmt}' but the data file '{data}' has "
                      + (f"extension '.{ext}'" if ext else "no extension"),
                      file="MLmodel", pointer="/flavors/xgboost/model_format",
                      hint="Re-save with mlflow.xgboost.save_model(..., model_format=...).")


@rule("MLM116", "model-is-external", scope=ModelDir, severity=WARNING)
def model_not_external(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`metadata.mlflow.model.isExternal` is true: MLflow refuses to load this model.

    Why: MLflow 3 marks models whose artifacts live outside MLflow (created by
    `mlflow.create_external_model` / `set_active_model` without artifacts) and
    `pyfunc.load_model` raises "This model's artifacts are external".
    Fix: log the real model with a flavor's `log_model`, or don't deploy this entry.
    """
    data = mlmodel_data(model)
    metadata = data.get("metadata") if data else None
    if isinstance(metadata, dict) and metadata.get("mlflow.model.isExternal") is True:
        yield Problem("metadata mlflow.model.isExternal is true: the model's artifacts are not in "
                      "this folder and mlflow.pyfunc.load_model refuses to load it",
                      file="MLmodel", pointer="/metadata/mlflow.model.isExternal",
                      hint="Log the actual model with a flavor's log_model.")
