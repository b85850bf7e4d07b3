"""The shipped schemas work on their own, as editors and CI use them: no `$ref` leaves the
file, `$id`s are stable https URIs, the bundled copies match their sources, and
`check-jsonschema` (nothing fetched from the network) accepts every MLflow-written file in
the repository under the mapping docs/schemas.md gives for VS Code."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from mlint import schemas
from mlint.schemas import bundle
from tests.conftest import DATA, REPO

SCHEMA_DIR = REPO / "schemas"
FIXTURE_ROOTS = (DATA / "mlflow", REPO / "examples")
NOT_CLEAN = (REPO / "examples" / "defective",)  # deliberately broken copies
CHECK_JSONSCHEMA = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) \
    or shutil.which("check-jsonschema")


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + \
            [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@pytest.mark.parametrize("name", schemas.names())
def test_schema_is_self_contained_with_a_stable_https_id(name: str) -> None:
    data = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
    assert data["$id"] == f"https://mlint.dev/schemas/{name}.json"
    outside = [r for r in _refs(data) if not r.startswith("#")]
    assert outside == [], f"{name}.json refers to other files: {outside}"


def test_bundled_copies_are_in_sync_with_their_sources() -> None:
    assert bundle.stale() == [], "run `python -m mlint.schemas.bundle` and commit the result"
    assert bundle.main(["--check"]) == 0


def test_a_stale_copy_is_detected(tmp_path: Path) -> None:
    for path in SCHEMA_DIR.glob("*.json"):
        shutil.copy2(path, tmp_path / path.name)
    source = json.loads((tmp_path / "input-example-info.json").read_text())
    source["properties"]["type"]["description"] = "changed in the source only"
    (tmp_path / "input-example-info.json").write_text(json.dumps(source))
    assert bundle.stale(tmp_path) == ["mlmodel"]


def test_bundling_rewrites_references_into_the_copy(tmp_path: Path) -> None:
    for path in SCHEMA_DIR.glob("*.json"):
        shutil.copy2(path, tmp_path / path.name)
    (tmp_path / "uses.json").write_text(json.dumps({
        "$id": "https://mlint.dev/schemas/uses.json",
        "items": {"$ref": "https://mlint.dev/schemas/signature-schema.json#/$defs/name"}}))
    bundled = bundle.bundle("uses", tmp_path)
    assert bundled["items"] == {"$ref": "#/$defs/signature-schema/$defs/name"}
    copy = bundled["$defs"]["signature-schema"]
    assert "$id" not in copy and copy["$comment"].startswith("bundled from https://mlint.dev/")
    assert all(r.startswith("#/$defs/signature-schema/") for r in _refs(copy))


def schema_for(path: Path) -> str | None:
    """Which schema an MLflow-written file follows, by name and place."""
    if path.name == "MLmodel":
        return "mlmodel"
    if path.name == "conda.yaml":
        return "conda-env"
    if path.name == "python_env.yaml":
        return "python-env"
    if path.name != "meta.yaml" or "mlruns" not in path.parts:
        return None
    parts = list(path.parts[len(path.parts) - 1 - path.parts[::-1].index("mlruns"):])[1:-1]
    if parts[:1] == [".trash"]:
        parts = parts[1:]
    if parts[:1] == ["models"]:
        return "registered-model-meta" if len(parts) == 2 else "model-version-meta"
    shapes = {1: "experiment-meta", 2: "run-meta"}
    if len(parts) in shapes:
        return shapes[len(parts)]
    kinds = {"inputs": "run-input-meta", "outputs": "run-output-meta"}
    if len(parts) == 4 and parts[2] in kinds:
        return kinds[parts[2]]
    return {"datasets": "dataset-meta", "models": "logged-model-meta"}.get(parts[1])


def fixtures() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = defaultdict(list)
    for root in FIXTURE_ROOTS:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or any(n in path.parents for n in NOT_CLEAN):
                continue
            name = schema_for(path)
            if name is not None:
                found[name].append(path)
                if path.name == "meta.yaml":  # the one schema for `mlruns/**/meta.yaml`
                    found["mlruns-meta"].append(path)
    return found


def test_every_kind_of_fixture_is_covered() -> None:
    found = fixtures()
    assert set(found) == set(schemas.names()) - {"input-example-info", "signature-schema",
                                                 "signature-params"}
    assert len(found["mlmodel"]) >= 30 and len(found["run-meta"]) >= 30


@pytest.mark.skipif(CHECK_JSONSCHEMA is None, reason="check-jsonschema is in the test extra")
@pytest.mark.parametrize("name", sorted(fixtures()))
def test_check_jsonschema_accepts_every_mlflow_written_file(name: str) -> None:
    files = fixtures()[name]
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--no-cache", "--default-filetype", "yaml",
                           "--schemafile", str(SCHEMA_DIR / f"{name}.json"), *map(str, files)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert re.search(r"ok -- validation done", done.stdout), done.stdout


@pytest.mark.skipif(CHECK_JSONSCHEMA is None, reason="check-jsonschema is in the test extra")
def test_check_jsonschema_rejects_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "MLmodel"
    broken.write_text("flavors: {}\nsaved_input_example_info: {artifact_path: x}\n")
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--no-cache", "--default-filetype", "yaml",
                           "--schemafile", str(SCHEMA_DIR / "mlmodel.json"), str(broken)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1 and "saved_input_example_info" in done.stdout
