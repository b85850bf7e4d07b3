"""Locating and classifying the shared corpus of real MLflow files (read-only, never copied)."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


def _find_corpus() -> Path:
    """`<repo>/../shared/corpus` (CI keeps shared/ beside the clone); $MLINT_CORPUS overrides,
    and a git worktree one level deeper (`<root>/wt/<name>`) also finds `<root>/shared`."""
    env = os.environ.get("MLINT_CORPUS")
    candidates = [Path(env)] if env else []
    candidates += [REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


CORPUS = _find_corpus()
TREE_292 = CORPUS / "mlflow-2.9.2-tree"
PUBLIC = CORPUS / "public"
PUBLIC_FOLDERS = CORPUS / "public_folders"

_VERSION_DIR = re.compile(r"^version-\d+$")


def meta_kind(logical_path: str) -> str | None:
    """Schema name for a `meta.yaml` from its path inside an mlruns/ tree, else None."""
    parts = logical_path.split("/")
    if parts[-1] != "meta.yaml":
        return None
    roots = [i for i, p in enumerate(parts) if p == "mlruns" or p.endswith("__mlruns")]
    if not roots:
        return None
    rel = parts[roots[-1] + 1 : -1]
    if rel and rel[0] == ".trash":
        rel = rel[1:]
    if len(rel) == 1:
        return "experiment-meta"
    if len(rel) == 2:
        return "registered-model-meta" if rel[0] == "models" else "run-meta"
    if len(rel) == 3:
        if rel[0] == "models" and _VERSION_DIR.match(rel[2]):
            return "model-version-meta"
        return {"models": "logged-model-meta", "datasets": "dataset-meta"}.get(rel[1])
    if len(rel) == 4:
        return {"inputs": "run-input-meta", "outputs": "run-output-meta"}.get(rel[2])
    return None


def file_kind(logical_path: str) -> str | None:
    """Schema name for any MLflow file from its (logical) path, else None."""
    base = logical_path.rsplit("/", 1)[-1]
    if base == "MLmodel":
        return "mlmodel"
    if base == "conda.yaml":
        return "conda-env"
    if base == "python_env.yaml":
        return "python-env"
    return meta_kind(logical_path)


def public_index() -> list[dict[str, str]]:
    with (PUBLIC / "INDEX.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def iter_files(*roots: Path) -> Iterator[tuple[Path, str]]:
    """(real path, logical path) of every file under the given folders and, if PUBLIC is
    among them, of every public file with its original repository path."""
    for root in roots:
        if root == PUBLIC:
            for row in public_index():
                yield PUBLIC / row["saved_name"], row["path"]
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield path, path.relative_to(CORPUS).as_posix()


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_bytes())


def decoded_signature(mlmodel: Any) -> Iterator[tuple[str, str, Any]]:
    """(key, schema name, decoded JSON) for each non-empty signature string of an MLmodel."""
    sig = mlmodel.get("signature") if isinstance(mlmodel, dict) else None
    if not isinstance(sig, dict):
        return
    for key in ("inputs", "outputs", "params"):
        text = sig.get(key)
        if isinstance(text, str) and text:
            name = "signature-params" if key == "params" else "signature-schema"
            yield key, name, json.loads(text)
