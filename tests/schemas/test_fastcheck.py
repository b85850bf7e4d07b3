"""schemas/fastcheck.py against jsonschema: the compiled check must say "valid" exactly when
jsonschema finds no error — on every real MLflow file we have and on mutations of them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema_corpus import CORPUS, PUBLIC, decoded_signature, file_kind, iter_files, read_yaml

from mlint.schemas import _fast_check, names, validator

REPO = Path(__file__).resolve().parents[2]
ROOTS = [REPO / "tests" / "data" / "mlflow", REPO / "tests" / "schemas" / "data", REPO / "examples",
         REPO / "tests" / "rules"]


def jsonschema_valid(name: str, instance: Any) -> bool:
    return next(iter(validator(name).iter_errors(instance)), None) is None


def fast_valid(name: str, instance: Any) -> bool:
    check = _fast_check(name)
    assert check is not None, f"schema {name} no longer compiles: the fast path is off for it"
    return check(instance)


def _instances() -> list[tuple[str, str, Any]]:
    """(schema, file, instance) for every schema-described file under ROOTS (the bad fixtures
    of tests/rules included: they are the invalid side), signatures decoded."""
    files = [(p, p.relative_to(REPO).as_posix()) for root in ROOTS for p in sorted(root.rglob("*"))
             if p.is_file()]
    if CORPUS.is_dir():  # the shared corpus of public MLflow files, when present (CI has it)
        files += list(iter_files(*[CORPUS / "mlflow-2.9.2-tree", PUBLIC, CORPUS / "public_folders"]))
    found = []
    for path, logical in files:
        kind = file_kind(logical)
        if kind is None:
            continue
        try:
            doc = read_yaml(path)
        except Exception:  # broken fixtures on purpose (MLT002): nothing to validate
            continue
        found.append((kind, logical, doc))
        if kind == "mlmodel":
            try:
                signatures = list(decoded_signature(doc))
            except Exception:  # a signature string that is not JSON (SIG fixtures)
                signatures = []
            found += [(name, f"{logical}#{key}", decoded) for key, name, decoded in signatures]
    return found


INSTANCES = _instances()


def test_every_schema_compiles() -> None:
    assert [name for name in names() if _fast_check(name) is None] == []


def test_real_files_cover_both_answers() -> None:
    answers = {(kind, jsonschema_valid(kind, doc)) for kind, _, doc in INSTANCES}
    assert {kind for kind, valid in answers if valid} >= {"mlmodel", "run-meta", "conda-env",
                                                           "python-env", "logged-model-meta"}
    assert any(not valid for _, valid in answers)


def test_real_files_agree() -> None:
    disagree = [(kind, where) for kind, where, doc in INSTANCES
                if fast_valid(kind, doc) != jsonschema_valid(kind, doc)]
    assert disagree == []


# Values that sit on jsonschema's edges: bool vs int, 1 vs 1.0, NaN/inf, empty containers.
ODD = st.sampled_from([None, True, False, 0, 1, -1, 1.0, 1.5, math.nan, math.inf, "", "x", "1",
                       "RUN_OUTPUT", "m-0123456789abcdef0123456789abcdef", "active", [], {},
                       [1], {"a": 1}, 3, 4, 10**30, "python_function", "3.10.12"])


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value if action == "replace" else doc
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        copy = dict(doc)
        if not rest and action == "delete":
            del copy[head]
        elif not rest and action == "add":
            copy[f"{head}_extra"] = value
        else:
            copy[head] = _mutate(doc[head], rest, action, value)
        return copy
    copy_list = list(doc)
    if not rest and action == "delete":
        del copy_list[head]
    else:
        copy_list[head] = _mutate(doc[head], rest, action, value)
    return copy_list


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_agree(data: st.DataObject) -> None:
    kind, _, doc = data.draw(st.sampled_from(INSTANCES))
    mutated = doc
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(mutated)))
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        mutated = _mutate(mutated, path, action, data.draw(ODD))
    assert fast_valid(kind, mutated) == jsonschema_valid(kind, mutated)


@pytest.mark.parametrize("instance", [1, 1.0, True, math.nan])
def test_equality_follows_jsonschema_for_numbers_and_booleans(instance: Any) -> None:
    # run-meta's status is an enum of ints: 1.0 is in it for jsonschema, True is not.
    doc = {"run_id": "a", "experiment_id": "0", "user_id": "u", "start_time": 1, "end_time": None,
           "status": instance}
    assert fast_valid("run-meta", doc) == jsonschema_valid("run-meta", doc)
