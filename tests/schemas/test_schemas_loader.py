"""The schema files and their loader."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import mlint.schemas as schemas
from mlint.schemas import SchemaError, best_errors, load, names, validator

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

EXPECTED = {
    "conda-env",
    "dataset-meta",
    "experiment-meta",
    "input-example-info",
    "logged-model-meta",
    "mlmodel",
    "mlruns-meta",
    "model-version-meta",
    "python-env",
    "registered-model-meta",
    "run-input-meta",
    "run-meta",
    "run-output-meta",
    "signature-params",
    "signature-schema",
}


def test_loader_finds_every_file_through_importlib_resources() -> None:
    on_disk = {p.stem for p in SCHEMA_DIR.glob("*.json")}
    via_resources = {
        e.name[:-5] for e in resources.files("mlint.schemas").iterdir() if e.name.endswith(".json")
    }
    assert set(names()) == on_disk == via_resources == EXPECTED
    assert list(names()) == sorted(names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"https://mlint.dev/schemas/{name}.json"
    assert schema.get("title")
    assert schema.get("description")


def test_ids_are_unique() -> None:
    ids = [load(n)["$id"] for n in names()]
    assert len(ids) == len(set(ids))


def test_files_are_plain_json_objects() -> None:
    for path in SCHEMA_DIR.glob("*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


def test_every_property_has_a_description() -> None:
    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and node.get("type") in ("object", ["object", "null"]):
                for key, sub in props.items():
                    if isinstance(sub, dict) and "$ref" not in sub:
                        assert "description" in sub, f"{where}/properties/{key}"
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    for name in names():
        walk(load(name), name)


def test_unknown_schema_name() -> None:
    with pytest.raises(KeyError, match="unknown schema"):
        load("nope")


def test_load_and_validator_are_cached() -> None:
    assert load("mlmodel") is load("mlmodel")
    assert validator("mlmodel") is validator("mlmodel")
    assert isinstance(validator("mlmodel"), jsonschema.Draft202012Validator)


def test_cross_file_ref_resolves_offline() -> None:
    # mlmodel -> input-example-info, signature-params -> signature-schema
    errs = best_errors("mlmodel", {"saved_input_example_info": {"artifact_path": "x"}})
    assert [e.pointer for e in errs] == ["/saved_input_example_info"]
    errs = best_errors(
        "signature-params",
        [{"name": "o", "type": "object", "default": None, "properties": {"p": {"type": "x"}}}],
    )
    assert [e.pointer for e in errs] == ["/0/properties/p/type"]


def test_pointer_escapes_tilde_and_slash() -> None:
    doc = {"flavors": {"a/b~c": 5}}
    (err,) = best_errors("mlmodel", doc)
    assert err.pointer == "/flavors/a~1b~0c"
    assert isinstance(err, SchemaError)


def test_long_instances_are_truncated() -> None:
    (err,) = best_errors("python-env", {"python": ["x" * 500]})
    assert len(err.message) < 200
    assert "…" in err.message


def test_any_of_message_names_best_match_and_alternatives() -> None:
    (err,) = best_errors("conda-env", {"dependencies": [{"pip": "x"}]})
    assert err.pointer == "/dependencies/0"
    assert "alternatives of anyOf failed" in err.message


def test_errors_sorted_and_limited() -> None:
    doc = [{"type": "nope"} for _ in range(30)]
    errs = best_errors("signature-schema", doc)
    assert len(errs) == 20
    assert [e.pointer for e in errs] == sorted(e.pointer for e in errs)
    assert best_errors("signature-schema", doc, limit=3) == errs[:3]
    assert best_errors("signature-schema", doc) == errs  # deterministic


def test_module_exports() -> None:
    assert set(schemas.__all__) >= {"names", "load", "validator", "best_errors", "SchemaError"}
