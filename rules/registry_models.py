"""The file-based model registry (`mlruns/models/<name>/`): names, versions, sources, aliases."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import RegisteredModel
from mlint.rulekit.tracking import local_path, logged_model_exists, meta_of, run_index, tree_of

STAGES = ("None", "Staging", "Production", "Archived")
# The file registry's delete_model_version keeps the folder and writes this stage; the client
# then reports the version as not found, and the migration skips it.
DELETED = "Deleted_Internal"
STATUSES = ("READY", "PENDING_REGISTRATION", "FAILED_REGISTRATION")
VERSION_DIR = re.compile(r"^version-([0-9]+)$")
ALIAS = re.compile(r"^[\w\-]*$")


def versions(model: RegisteredModel) -> dict[str, dict[str, Any]]:
    """version folder name → its meta mapping (folders with unreadable metas are left out)."""
    out = {}
    for folder in model.version_dirs():
        meta = meta_of(model, f"{folder}/meta.yaml")
        if meta is not None:
            out[folder] = meta
    return out


@rule("REG100", "model-version-inconsistent", scope=RegisteredModel, severity=ERROR)
def model_versions_consistent(model: RegisteredModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Each `version-<N>/meta.yaml` must say `version: N` and name its registered model, with a
    `current_stage` in None/Staging/Production/Archived (or `Deleted_Internal`, which
    `MlflowClient.delete_model_version` writes) and a `status` in READY, PENDING_REGISTRATION,
    FAILED_REGISTRATION.

    Why: the registry finds version N by the folder `version-N` and trusts the meta: a mismatch
    makes `models:/<name>/<N>` load another version's files, and two folders claiming the same
    number make `mlflow migrate-filestore` abort on the primary key. Unknown stages or statuses
    raise when MLflow reads the version.
    Fix: rename the folder or correct `version`; set a valid stage/status.
    """
    for folder, meta in versions(model).items():
        rel = f"{folder}/meta.yaml"
        match = VERSION_DIR.match(folder)
        version = meta.get("version")
        if match is None:
            yield Problem(f"folder {folder!r} is not version-<number>; MLflow cannot address it",
                          file=rel, subject=folder)
        elif str(version) != match.group(1) or isinstance(version, bool):
            yield Problem(f"version {version!r} does not match the folder {folder!r}", file=rel,
                          pointer="/version" if "version" in meta else "")
        name = meta.get("name")
        if name is not None and str(name) != model.name:
            yield Problem(f"name {name!r} does not match the registered model folder {model.name!r}",
                          file=rel, pointer="/name")
        stage, status = meta.get("current_stage"), meta.get("status")
        if stage is not None and stage not in STAGES and stage != DELETED:
            yield Problem(f"current_stage {stage!r} is not one of {', '.join(STAGES)}", file=rel,
                          pointer="/current_stage")
        if status is not None and status not in STATUSES:
            yield Problem(f"status {status!r} is not one of {', '.join(STATUSES)}", file=rel,
                          pointer="/status")


def name_problem(name: str) -> str:
    if not name:
        return "is empty"
    if "/" in name or ":" in name:
        return "contains '/' or ':'"
    if posixpath.normpath(name) != name or name in (".", ".."):
        return "is not path-normalisation stable"
    return ""


@rule("REG101", "registered-model-name-invalid", scope=RegisteredModel, severity=ERROR)
def registered_model_name_valid(model: RegisteredModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A registered model's `name` must equal its folder name and be a valid registry name
    (non-empty, no `/` or `:`, path-normalisation stable).

    Why: the file registry looks models up by folder (`models/<name>/`); a model whose meta
    says another name is unreachable under either name, and renaming by hand leaves this.
    Fix: use `MlflowClient().rename_registered_model`, or make the folder and `name` agree.
    """
    meta = meta_of(model)
    if meta is None:
        return
    name = meta.get("name")
    if name is not None and str(name) != model.name:
        yield Problem(f"name {name!r} does not match the folder {model.name!r}", file="meta.yaml",
                      pointer="/name")
    why = name_problem(model.name)
    if why:
        yield Problem(f"registered model name {model.name!r} {why}", file="meta.yaml",
                      pointer="/name" if "name" in meta else "")


def _source_problem(model: RegisteredModel, meta: dict[str, Any]) -> tuple[str, str]:
    """(why, pointer) when the version's files cannot be found in the tree."""
    source, run_id, model_id = meta.get("source"), meta.get("run_id"), meta.get("model_id")
    tree = tree_of(model)
    if tree is None:
        return "", ""
    if isinstance(model_id, str) and model_id.startswith("m-") and meta.get("storage_location"):
        # MLflow 3: `models:/<name>/<version>` downloads from `storage_location or source`, and
        # registration set storage_location to the logged model's artifacts (from model_id):
        # a stale `source` is never read (verified: load_model works with one).
        if logged_model_exists(model, model_id) is False:
            return f"model_id {model_id!r} names a logged model that does not exist in this tree", \
                "/model_id"
        return "", ""
    return _plain_source_problem(model, source, run_id), "/source"


def _plain_source_problem(model: RegisteredModel, source: Any, run_id: Any) -> str:
    tree = tree_of(model)
    if not isinstance(source, str) or not source or tree is None:
        return ""
    if source.startswith("models:/m-"):
        model_id = source[len("models:/"):].split("/")[0]
        if logged_model_exists(model, model_id) is False:
            return f"source {source!r} names a logged model that does not exist in this tree"
        return ""
    if source.startswith("runs:/"):
        parts = source[len("runs:/"):].split("/", 1)
        run_id, rel = parts[0], parts[1] if len(parts) > 1 else ""
    else:
        path = local_path(source)
        marker = f"/{run_id}/artifacts" if isinstance(run_id, str) and run_id else None
        if path is None or marker is None or marker not in path + "/":
            return ""  # another store, or an artifact location mlint cannot map into the tree
        rel = path.split(marker, 1)[1].strip("/")
    run_dir = run_index(tree).get(str(run_id))
    if run_dir is None:
        return f"source {source!r} is in run {run_id!r}, which does not exist in this tree"
    mlmodel = run_dir / "artifacts" / rel / "MLmodel"
    if not mlmodel.is_file():
        return f"source {source!r} has no MLmodel in run {run_id!r} (artifacts/{rel})"
    return ""


@rule("REG102", "model-version-source-missing", scope=RegisteredModel, severity=ERROR)
def model_version_sources_exist(model: RegisteredModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A model version's `source` must resolve inside the tree — in 2.x a run artifact folder
    with an MLmodel, in 3.x `models:/m-…` an existing logged model — and its `run_id` must be
    an existing run. When an MLflow 3 version has a `model_id` and a `storage_location`, MLflow
    loads from there and never reads `source`, so the logged model is checked instead. Deleted
    versions (`current_stage: Deleted_Internal`) are skipped.

    Why: `mlflow.pyfunc.load_model("models:/<name>/<version>")` and serving read the version's
    source; if the run or logged model was deleted and garbage-collected, or its artifacts never
    made it into the tree, the registered version is an empty shell.
    Fix: restore the run/model, or delete the version (`MlflowClient().delete_model_version`).
    """
    tree = tree_of(model)
    for folder, meta in versions(model).items():
        if meta.get("current_stage") == DELETED:
            continue  # deleted: MLflow never resolves it again, its source may well be gone
        rel = f"{folder}/meta.yaml"
        why, pointer = _source_problem(model, meta)
        if why:
            yield Problem(why, file=rel, pointer=pointer)
        run_id = meta.get("run_id")
        if tree is not None and isinstance(run_id, str) and run_id and run_id not in run_index(tree):
            yield Problem(f"run_id {run_id!r} does not exist in this tree", file=rel,
                          pointer="/run_id", severity=WARNING)


def alias_problem(alias: str) -> str:
    if not ALIAS.match(alias):
        return "may only contain letters, digits, '_' and '-'"
    if alias.lower() == "latest" or re.match(r"^v\d+$", alias):
        return "is reserved ('latest' and v<number> are version references)"
    return ""


@rule("REG103", "model-alias-dangling", scope=RegisteredModel, severity=ERROR)
def aliases_resolve(model: RegisteredModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Every alias — the `aliases/<alias>` files and the `aliases` mapping in the model's
    meta.yaml — must name an existing version, both must agree, and alias names must be valid.

    Why: `models:/<name>@<alias>` resolves through these; a dangling alias (its version deleted
    by hand) makes deployments pointing at `@champion` fail, and a file holding something other
    than a version number is silently dropped by `mlflow migrate-filestore`.
    Fix: `MlflowClient().set_registered_model_alias(name, alias, version)` or
    `delete_registered_model_alias`.
    """
    existing = {m.group(1) for m in map(VERSION_DIR.match, model.version_dirs()) if m}
    files: dict[str, str] = {}
    for alias in model.entries("aliases"):
        doc = model.text(f"aliases/{alias}")
        if doc is None:
            continue
        files[alias] = target = doc.text.strip()
        rel = f"aliases/{alias}"
        why = alias_problem(alias)
        if why:
            yield Problem(f"alias name {alias!r} {why}", file=rel, line=1, subject=alias)
        if not target.isdigit():
            yield Problem(f"alias {alias!r} holds {target[:40]!r}, not a version number", file=rel,
                          line=1, subject=alias)
        elif str(int(target)) not in existing:
            yield Problem(f"alias {alias!r} points to version {target}, which does not exist",
                          file=rel, line=1, subject=alias)
    meta = meta_of(model) or {}
    mapping = meta.get("aliases")
    if isinstance(mapping, dict):
        for alias, version in mapping.items():
            if str(version) not in existing:
                yield Problem(f"alias {alias!r} points to version {version}, which does not exist",
                              file="meta.yaml", pointer=f"/aliases/{alias}", subject=str(alias))
            elif str(alias) in files and files[str(alias)] != str(version):
                yield Problem(f"alias {alias!r} is version {version} here but "
                              f"{files[str(alias)]} in aliases/{alias}", file="meta.yaml",
                              pointer=f"/aliases/{alias}", subject=str(alias))


PROMPT_FLAG, PROMPT_TEXT = "mlflow.prompt.is_prompt", "mlflow.prompt.text"


@rule("REG104", "prompt-version-incomplete", scope=RegisteredModel, severity=ERROR)
def prompt_versions_complete(model: RegisteredModel, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Each version of a prompt (a registered model tagged `mlflow.prompt.is_prompt: true`,
    as `mlflow.genai.register_prompt` writes it) must carry the version tags
    `mlflow.prompt.is_prompt` and `mlflow.prompt.text` (the template).

    Why: `mlflow.genai.load_prompt` reads the template from the version's
    `mlflow.prompt.text` tag ("Prompt ... does not contain a prompt text") and finds prompt
    versions by their `mlflow.prompt.is_prompt` tag (without it, load_prompt fails with
    AttributeError).
    Fix: restore the version's `tags/` files, or register the prompt version again.
    """
    flag = model.text(f"tags/{PROMPT_FLAG}") if model.exists(f"tags/{PROMPT_FLAG}") else None
    if flag is None or flag.text.strip().lower() != "true":
        return
    for folder, meta in versions(model).items():
        if meta.get("current_stage") == "Deleted_Internal":
            continue  # what delete_model_version leaves behind; never loaded
        missing = [tag for tag in (PROMPT_FLAG, PROMPT_TEXT) if not model.exists(f"{folder}/tags/{tag}")]
        if missing:
            yield Problem(f"prompt version {folder!r} has no {' and no '.join(missing)} tag: "
                          "mlflow.genai.load_prompt fails on it", file=f"{folder}/meta.yaml",
                          subject=",".join(missing))
