"""Never crashes: every registered rule, run by the real engine on mutated MLflow trees.

A file of the template tree (synthetic + every real-MLflow tree) gets hostile content: random
bytes, a truncated/bit-flipped/spliced real file, a random YAML/JSON document, a real document
with a wrong-typed value at a random key, or an instance generated from our own JSON Schema for
that file. Then the engine checks the unit that holds the file with ALL rules selected; an
`MLT900` (a rule raised) fails the test with the rule's message (exception and source line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import find, given
from hypothesis import strategies as st

from mlint.core.diagnostics import ERROR, Problem
from mlint.core.registry import load_registry, rule
from mlint.discovery.units import ModelDir
from mlint.discovery.walk import discover
from mlint.reading.filecache import FileCache
from tests.robustness.conftest import fuzz
from tests.robustness.corpus import synthetic_files, write_tree
from tests.robustness.engine_helpers import (
    REGISTRY,
    assert_no_crash,
    crashes,
    replaced,
    run_all,
    template_files,
)
from tests.robustness.strategies import ANY_CONTENT, JSON_VALUES, dump, schema_instance

# File location → the schema describing it (for nearly-valid generated instances).
SCHEMA_OF: list[tuple[str, str]] = [
    (r"(^|/)MLmodel$", "mlmodel"),
    (r"(^|/)conda\.yaml$", "conda-env"),
    (r"(^|/)python_env\.yaml$", "python-env"),
    (r"/inputs/[^/]+/meta\.yaml$", "run-input-meta"),
    (r"/outputs/[^/]+/meta\.yaml$", "run-output-meta"),
    (r"/datasets/[^/]+/meta\.yaml$", "dataset-meta"),
    (r"/version-[^/]+/meta\.yaml$", "model-version-meta"),
    (r"mlruns/models/[^/]+/meta\.yaml$", "registered-model-meta"),
    (r"/models/m-[^/]+/meta\.yaml$", "logged-model-meta"),
    (r"mlruns/(\.trash/)?[^/]+/meta\.yaml$", "experiment-meta"),
    (r"mlruns/(\.trash/)?[^/]+/[^/]+/meta\.yaml$", "run-meta"),
]


def schema_for(rel: str) -> str | None:
    return next((name for pattern, name in SCHEMA_OF if re.search(pattern, rel)), None)


@pytest.fixture(scope="module")
def files(template: Path) -> list[Path]:
    return template_files(template)


def check_with(path: Path, content: bytes) -> None:
    with replaced(path, content):
        assert_no_crash(run_all([path, path.parent]))


def test_template_is_clean_and_covers_every_rule(template: Path) -> None:
    """The unmutated template must not crash either, and every rule must have a unit to run on
    (so a new rule family is fuzzed as soon as it is registered)."""
    report = run_all([template])
    assert_no_crash(report)
    units = discover([template], FileCache()).units
    for meta in REGISTRY:
        if meta.func is not None:
            assert any(meta.applies_to(u) for u in units), f"{meta.code}: no unit in the fuzz template"


@fuzz(200)
@given(st.data(), ANY_CONTENT)
def test_random_content_in_any_file(files: list[Path], data: st.DataObject, content: bytes) -> None:
    check_with(data.draw(st.sampled_from(files), label="file"), content)


def _parsed(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return None


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _set(value: Any, where: tuple[Any, ...], new: Any) -> Any:
    if not where:
        return new
    value[where[0]] = _set(value[where[0]], where[1:], new)
    return value


def structured_files(files: list[Path]) -> list[Path]:
    return [f for f in files if f.suffix in (".yaml", ".json") or f.name in ("MLmodel",)
            or (f.parent.name == "tags" and f.name == "mlflow.log-model.history")]


@st.composite
def wrong_type_somewhere(draw: st.DrawFn, files: list[Path]) -> tuple[Path, bytes]:
    """A real document with one value (or the whole document) replaced by a random value."""
    path = draw(st.sampled_from(files), label="file")
    value = _parsed(path)
    where = draw(st.sampled_from(_paths(value)), label="key")
    mutated = _set(value, where, draw(JSON_VALUES, label="new value"))
    return path, dump(mutated, path.suffix == ".json" or path.parent.name == "tags").encode()


@fuzz(200)
@given(st.data())
def test_wrong_type_at_any_key(files: list[Path], data: st.DataObject) -> None:
    check_with(*data.draw(wrong_type_somewhere(structured_files(files))))


@rule("MLM999", "fragile-test-rule", scope=ModelDir, severity=ERROR)
def fragile(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A deliberately unguarded rule: trusts MLmodel's types. Why: tests the fuzzer. Fix: none."""
    doc = model.yaml("MLmodel")
    if doc is not None:
        env = doc.data["flavors"]["python_function"]["env"]
        yield Problem(env["conda"].lower(), file="MLmodel")


def test_the_fuzzer_catches_an_unguarded_rule(files: list[Path]) -> None:
    """Power check: within the CI budget, the wrong-type strategy makes a naive rule crash."""
    registry = load_registry(plugins=False)
    registry.add(fragile.__mlint_rule__)  # type: ignore[attr-defined]
    models = [f for f in structured_files(files) if f.name == "MLmodel"]

    def crashes_it(case: tuple[Path, bytes]) -> bool:
        with replaced(*case):
            return any("MLM999" in c for c in crashes(run_all([case[0]], registry)))

    path, content = find(wrong_type_somewhere(models), crashes_it, settings=fuzz(100))
    assert path.name == "MLmodel" and content


@fuzz(120)
@given(st.data())
def test_schema_generated_documents(files: list[Path], data: st.DataObject) -> None:
    candidates = [(f, s) for f in files if (s := schema_for(f.as_posix()))]
    path, schema = data.draw(st.sampled_from(candidates), label="file")
    instance = data.draw(schema_instance(schema), label="instance")
    if schema == "mlmodel" and isinstance(instance, dict) and data.draw(st.booleans()):
        # Signatures are JSON strings inside the YAML: generate those from their schemas too.
        instance["signature"] = {
            part: json.dumps(data.draw(schema_instance(
                "signature-params" if part == "params" else "signature-schema")))
            for part in ("inputs", "outputs", "params")
        }
    check_with(path, dump(instance, False).encode())


def test_nul_bytes_in_every_referenced_path(tmp_path: Path) -> None:
    """Found by the deep profile: a NUL in an MLmodel path made os.path.realpath/lstat raise
    ValueError in MLM011, MLM100-102 and every PKL rule."""
    tree = write_tree(tmp_path, {k: v for k, v in synthetic_files().items() if k.startswith("saved_pyfunc/")})
    mlmodel = tree / "saved_pyfunc" / "MLmodel"
    data = yaml.safe_load(mlmodel.read_text())
    pyfunc = data["flavors"]["python_function"]
    pyfunc["python_model"] = "python\0model.pkl"
    pyfunc["code"] = "co\0de"
    pyfunc["env"] = {"conda": "conda\0.yaml", "virtualenv": "\0"}
    data["saved_input_example_info"]["artifact_path"] = "input\0example.json"
    mlmodel.write_text(yaml.safe_dump(data))
    assert "\x00" in yaml.safe_load(mlmodel.read_text())["flavors"]["python_function"]["code"]
    report = run_all([tree / "saved_pyfunc"])
    assert_no_crash(report)
    assert any(d.code == "MLM011" for d in report.diagnostics), [d.code for d in report.diagnostics]
