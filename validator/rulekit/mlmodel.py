"""Shared, cached views of a model folder's MLmodel that several rule families need.

Signature values are JSON strings inside YAML; they are decoded once per unit here, and a
decoding failure is a value pointing at the YAML key that holds the string.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from mlint.discovery.units import ModelDir
from mlint.reading.files import FileFailure, read_head, stat_regular
from mlint.reading.structure import structure_problem

SIGNATURE_PARTS = ("inputs", "outputs", "params")


@dataclass(frozen=True)
class SignaturePart:
    """One decoded `signature.<part>`: `value` is the decoded JSON, or `error` says why not."""

    part: str
    pointer: str
    value: Any = None
    error: str = ""


def mlmodel_data(unit: ModelDir) -> dict[str, Any] | None:
    """The MLmodel mapping, or None when missing, unparsable or not a mapping."""
    doc = unit.yaml("MLmodel")
    return doc.data if doc is not None and isinstance(doc.data, dict) else None


def flavors(unit: ModelDir) -> dict[str, dict[str, Any]]:
    """`flavors`, keeping only mapping-valued entries (the schema rule reports the rest)."""
    data = mlmodel_data(unit)
    # ~25 callers per folder: rebuilt only when the parsed MLmodel is another object (the
    # file goes through the FileCache on every call all the same, so the result cache still
    # sees the dependency). Callers must not mutate the result.
    memo = unit.__dict__.get("_flavors")
    if memo is not None and data is not None and memo[0] is data:
        return cast("dict[str, dict[str, Any]]", memo[1])
    raw = (data or {}).get("flavors")
    found = {str(k): v for k, v in raw.items() if isinstance(v, dict)} if isinstance(raw, dict) else {}
    if data is not None:
        unit.__dict__["_flavors"] = (data, found)
    return found


def signature_parts(unit: ModelDir) -> dict[str, SignaturePart]:
    """Decoded signature parts that are present and truthy (as `ModelSignature.from_dict` reads)."""
    memo = unit.__dict__.setdefault("_signature_parts", None)
    if memo is not None:
        return cast("dict[str, SignaturePart]", memo)
    parts: dict[str, SignaturePart] = {}
    data = mlmodel_data(unit) or {}
    signature = data.get("signature")
    if isinstance(signature, Mapping):
        for part in SIGNATURE_PARTS:
            raw = signature.get(part)
            if not raw:  # MLflow treats null and "" as absent
                continue
            pointer = f"/signature/{part}"
            if not isinstance(raw, str):
                kind = type(raw).__name__
                parts[part] = SignaturePart(part, pointer, error=f"must be a JSON string, not {kind}")
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                error = f"is not valid JSON: {exc.msg} at character {exc.pos}"
                parts[part] = SignaturePart(part, pointer, error=error)
                continue
            except RecursionError:
                parts[part] = SignaturePart(part, pointer, error="is nested too deeply to decode")
                continue
            except ValueError as exc:  # an int past Python's 4300-digit conversion limit
                parts[part] = SignaturePart(part, pointer, error=f"is not valid JSON: {exc}"[:160])
                continue
            # The same caps as for files: rules and jsonschema recurse into the decoded value.
            problem = structure_problem(value)
            parts[part] = SignaturePart(part, pointer, value=None if problem else value, error=problem)
    unit.__dict__["_signature_parts"] = parts
    return parts


# --- paths an MLmodel references ------------------------------------------------------------

FILE, DIR, ANY = "file", "folder", "any"

# flavor → ((key, kind), …): keys whose value is a model-relative path MLflow opens at load.
# `code` of any flavor is handled separately (a folder, when truthy).
FLAVOR_PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "python_function": (("model_path", ANY), ("data", ANY), ("python_model", FILE)),
    "sklearn": (("pickled_model", FILE),),
    "pytorch": (("model_data", DIR),),
    "tensorflow": (("data", DIR), ("saved_model_dir", DIR)),
    "keras": (("data", DIR),),
    "xgboost": (("data", FILE),),
    "lightgbm": (("data", FILE),),
    "catboost": (("data", FILE),),
    "onnx": (("data", FILE),),
    "shap": (("serialized_explainer", FILE),),
    "statsmodels": (("data", FILE),),
    "spark": (("model_data", DIR),),
    "transformers": (("model_binary", DIR), ("peft_adaptor", DIR)),
    "langchain": (("model_data", ANY), ("agent_data", FILE), ("tools_data", FILE),
                  ("loader_fn", FILE), ("persist_dir", DIR), ("agent_primitive_data", FILE)),
}


@dataclass(frozen=True)
class Reference:
    """A path MLflow resolves against the model folder: where it is written and what it must be."""

    pointer: str
    path: str  # as MLflow resolves it, relative to the model folder
    kind: str  # FILE, DIR or ANY
    written: str = ""  # the value as written, when MLflow transforms it (model_code_path)


def _pointer(*tokens: object) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def references(unit: ModelDir) -> list[Reference]:
    """Every model-relative path the MLmodel references, in document order of discovery."""
    memo = unit.__dict__.get("_references")
    if memo is not None:
        return cast("list[Reference]", memo)
    refs: list[Reference] = []
    data = mlmodel_data(unit) or {}
    found = flavors(unit)

    def add(kind: str, value: Any, *tokens: object) -> None:
        if isinstance(value, str) and value:
            refs.append(Reference(_pointer(*tokens), value, kind))

    for flavor, conf in found.items():
        for key, kind in FLAVOR_PATHS.get(flavor, ()):
            add(kind, conf.get(key), "flavors", flavor, key)
        add(DIR, conf.get("code"), "flavors", flavor, "code")
        extra = conf.get("extra_files")
        if isinstance(extra, list):
            for i, item in enumerate(extra):
                if isinstance(item, dict):
                    add(FILE, item.get("path"), "flavors", flavor, "extra_files", i, "path")
    pyfunc = found.get("python_function", {})
    env = pyfunc.get("env")
    if isinstance(env, str):  # MLflow < 2.0 wrote the conda file name as a string
        add(FILE, env, "flavors", "python_function", "env")
    elif isinstance(env, dict):
        for key in ("conda", "virtualenv"):
            add(FILE, env.get(key), "flavors", "python_function", "env", key)
    artifacts = pyfunc.get("artifacts")
    if isinstance(artifacts, dict):
        for name, spec in artifacts.items():
            if isinstance(spec, dict):
                add(ANY, spec.get("path"), "flavors", "python_function", "artifacts", name, "path")
    code_path = pyfunc.get("model_code_path")
    if isinstance(code_path, str) and code_path:
        # Models-from-code: MLflow loads os.path.join(model_dir, basename(model_code_path)); the
        # value is an absolute path on the logging machine (any OS) and is never opened as is.
        base = code_path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        if base:
            refs.append(Reference(_pointer("flavors", "python_function", "model_code_path"),
                                  base, FILE, written=code_path))
    transformers = found.get("transformers", {})
    components = transformers.get("components")
    if isinstance(components, list):
        for i, name in enumerate(components):
            if isinstance(name, str) and name:
                refs.append(Reference(_pointer("flavors", "transformers", "components", i),
                                      f"components/{name}", DIR))
    example = data.get("saved_input_example_info")
    if isinstance(example, dict):
        add(FILE, example.get("artifact_path"), "saved_input_example_info", "artifact_path")
        add(FILE, example.get("serving_input_path"), "saved_input_example_info", "serving_input_path")
    unit.__dict__["_references"] = refs
    return refs


def head_bytes(unit: ModelDir, rel: str, size: int = 64) -> bytes | None:
    """The first bytes of a regular file inside the model folder, or None (never follows a
    symlink out of the checked root, never opens FIFOs)."""
    path = unit.file(rel)
    if unit.outside(rel) or isinstance(stat_regular(path, unit.context.root), FileFailure):
        return None
    head = read_head(path, size)
    return None if isinstance(head, FileFailure) else head
