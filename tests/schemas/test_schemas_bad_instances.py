"""Invalid documents, per schema, with the JSON pointer the error must carry."""

from __future__ import annotations

from typing import Any

import pytest

from mlint.schemas import best_errors

GOOD_RUN: dict[str, Any] = {
    "artifact_uri": "file:///x/mlruns/1/abc/artifacts",
    "end_time": None,
    "experiment_id": "1",
    "lifecycle_stage": "active",
    "run_id": "abc",
    "start_time": 1,
    "status": 1,
    "user_id": "me",
}
GOOD_EXP = {
    "artifact_location": "file:///x",
    "experiment_id": "1",
    "lifecycle_stage": "active",
    "name": "e",
}
GOOD_LM = {
    "artifact_location": "file:///x",
    "creation_timestamp": 1,
    "experiment_id": "1",
    "model_id": "m-" + "a" * 32,
    "name": "model",
    "status": 2,
}
GOOD_MV = {"name": "m", "version": 1, "creation_timestamp": 1, "current_stage": "None"}
GOOD_IN = {
    "source_type": "DATASET",
    "source_id": "d",
    "destination_type": "RUN",
    "destination_id": "d",
}
GOOD_OUT = {
    "source_type": "RUN_OUTPUT",
    "source_id": "m-" + "b" * 32,
    "destination_type": "MODEL_OUTPUT",
    "destination_id": "m-" + "b" * 32,
    "step": 0,
    "tags": {},
}
PYFUNC = {"loader_module": "mlflow.sklearn"}

CASES: list[tuple[str, Any, list[str]]] = [
    # mlmodel
    ("mlmodel", [], [""]),
    (
        "mlmodel",
        {"signature": {"inputs": [{"type": "double"}]}},
        ["/signature", "/signature/inputs"],
    ),
    ("mlmodel", {"signature": {"inputs": None, "outputs": ""}}, ["/signature"]),
    ("mlmodel", {"utc_time_created": "yesterday"}, ["/utc_time_created"]),
    (
        "mlmodel",
        {"flavors": {"python_function": {"env": "conda.yaml"}}},
        ["/flavors/python_function"],
    ),
    (
        "mlmodel",
        {"flavors": {"python_function": {**PYFUNC, "env": 1}}},
        ["/flavors/python_function/env"],
    ),
    (
        "mlmodel",
        {"flavors": {"sklearn": {"pickled_model": "m", "serialization_format": "joblib"}}},
        ["/flavors/sklearn/serialization_format"],
    ),
    ("mlmodel", {"flavors": {"xgboost": "model.xgb"}}, ["/flavors/xgboost"]),
    ("mlmodel", {"env_vars": "A"}, ["/env_vars"]),
    ("mlmodel", {"is_signature_from_type_hint": "false"}, ["/is_signature_from_type_hint"]),
    (
        "mlmodel",
        {"saved_input_example_info": {"artifact_path": "a", "type": "csv"}},
        ["/saved_input_example_info/type"],
    ),
    # input-example-info
    ("input-example-info", {"type": "ndarray"}, [""]),
    ("input-example-info", {"artifact_path": "a", "type": "ndarray", "params": True}, ["/params"]),
    # signature-schema
    ("signature-schema", [], [""]),
    ("signature-schema", {"type": "double"}, [""]),
    ("signature-schema", [{"type": "double", "optional": True}], ["/0/optional"]),
    ("signature-schema", [{"type": "double", "name": "a", "extra": 1}], ["/0"]),
    ("signature-schema", [{"type": "Double"}], ["/0/type"]),
    ("signature-schema", [{"name": "a"}], ["/0"]),
    ("signature-schema", [{"type": "double", "required": "no"}], ["/0/required"]),
    ("signature-schema", [{"type": "array", "items": {"type": "strin"}}], ["/0/items/type"]),
    ("signature-schema", [{"type": "array"}], ["/0"]),
    ("signature-schema", [{"type": "map", "values": {}}], ["/0/values"]),
    ("signature-schema", [{"type": "object", "properties": {}}], ["/0/properties"]),
    (
        "signature-schema",
        [{"type": "object", "properties": {"a": {"type": "sparkml_vector"}}}],
        ["/0/properties/a/type"],
    ),
    ("signature-schema", [{"type": "tensor"}], ["/0"]),
    (
        "signature-schema",
        [{"type": "tensor", "tensor-spec": {"dtype": "<U5", "shape": [-1]}}],
        ["/0/tensor-spec/dtype"],
    ),
    (
        "signature-schema",
        [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": 5}}],
        ["/0/tensor-spec/shape"],
    ),
    (
        "signature-schema",
        [{"type": "tensor", "tensor-spec": {"dtype": "float32"}}],
        ["/0/tensor-spec"],
    ),
    # signature-params
    ("signature-params", [{"name": "a", "type": "binary", "default": None}], ["/0/type"]),
    ("signature-params", [{"name": "a", "type": "long"}], ["/0"]),
    ("signature-params", [{"name": "a", "default": 1}], ["/0"]),
    ("signature-params", [{"name": "a", "type": "long", "default": "1"}], ["/0/default"]),
    ("signature-params", [{"name": "a", "type": "long", "default": True}], ["/0/default"]),
    ("signature-params", [{"name": "a", "type": "string", "default": ["x"]}], ["/0/default"]),
    (
        "signature-params",
        [{"name": "a", "type": "string", "default": None, "shape": [-1]}],
        ["/0/default"],
    ),
    (
        "signature-params",
        [{"name": "a", "type": "double", "default": 1.0, "shape": [2]}],
        ["/0/shape"],
    ),
    ("signature-params", [{"name": "a", "type": "object", "default": {}}], ["/0"]),
    (
        "signature-params",
        [{"name": "a", "dtype": "object", "default": {}, "properties": {"x": {"type": "long"}}}],
        ["/0"],
    ),
    # conda-env
    ("conda-env", {"dependencies": "python=3.11"}, ["/dependencies"]),
    ("conda-env", {"dependencies": [{"conda": ["x"]}]}, ["/dependencies/0"]),
    ("conda-env", {"channels": [1]}, ["/channels/0"]),
    # python-env
    ("python-env", {"python": 3.1}, ["/python"]),
    ("python-env", {"python": "3.11", "deps": []}, [""]),
    ("python-env", {"dependencies": "-r requirements.txt"}, ["/dependencies"]),
    # experiment-meta
    ("experiment-meta", {**GOOD_EXP, "lifecycle_stage": "archived"}, ["/lifecycle_stage"]),
    ("experiment-meta", {k: v for k, v in GOOD_EXP.items() if k != "name"}, [""]),
    ("experiment-meta", {**GOOD_EXP, "creation_time": "2020"}, ["/creation_time"]),
    # run-meta
    ("run-meta", {**GOOD_RUN, "status": 6}, ["/status"]),
    ("run-meta", {**GOOD_RUN, "status": "FINISHED"}, ["/status"]),
    ("run-meta", {**GOOD_RUN, "start_time": None}, ["/start_time"]),
    ("run-meta", {**GOOD_RUN, "user_id": None}, ["/user_id"]),
    ("run-meta", {k: v for k, v in GOOD_RUN.items() if k != "end_time"}, [""]),
    ("run-meta", {**GOOD_RUN, "run_id": ""}, ["/run_id"]),
    # logged-model-meta
    ("logged-model-meta", {**GOOD_LM, "status": "READY"}, ["/status"]),
    ("logged-model-meta", {**GOOD_LM, "status": 4}, ["/status"]),
    ("logged-model-meta", {**GOOD_LM, "model_id": "abc"}, ["/model_id"]),
    # registered-model-meta
    ("registered-model-meta", {"name": "", "creation_timestamp": 1}, ["/name"]),
    (
        "registered-model-meta",
        {"name": "m", "creation_timestamp": 1, "aliases": "champion"},
        ["/aliases"],
    ),
    # model-version-meta
    ("model-version-meta", {**GOOD_MV, "current_stage": None}, ["/current_stage"]),
    ("model-version-meta", {**GOOD_MV, "status": "DONE"}, ["/status"]),
    ("model-version-meta", {k: v for k, v in GOOD_MV.items() if k != "version"}, [""]),
    # run-input-meta / run-output-meta
    ("run-input-meta", {**GOOD_IN, "destination_type": "MODEL"}, ["/destination_type"]),
    ("run-input-meta", {**GOOD_IN, "source_type": "TABLE"}, ["/source_type"]),
    ("run-output-meta", {**GOOD_OUT, "source_id": "abc"}, ["/source_id"]),
    ("run-output-meta", {**GOOD_OUT, "step": "0"}, ["/step"]),
    # dataset-meta
    (
        "dataset-meta",
        {"name": "d", "digest": "x" * 37, "source_type": "code", "source": "{}"},
        ["/digest"],
    ),
    (
        "dataset-meta",
        {"name": "d", "digest": "x", "source_type": "code", "source": {}},
        ["/source"],
    ),
]


@pytest.mark.parametrize(("name", "instance", "pointers"), CASES)
def test_bad_instance(name: str, instance: Any, pointers: list[str]) -> None:
    errs = best_errors(name, instance)
    assert sorted({e.pointer for e in errs}) == pointers, errs
    assert all(e.message for e in errs)


GOOD: list[tuple[str, Any]] = [
    ("run-meta", GOOD_RUN),
    (
        "run-meta",
        {**GOOD_RUN, "experiment_id": 3, "run_uuid": "abc"},
    ),  # legacy int id, 2.x run_uuid
    ("run-meta", {**GOOD_RUN, "run_id": "AutoML_0c2f4b2e-aaaa-bbbb-cccc-0123456789ab_3"}),  # Azure
    ("experiment-meta", {**GOOD_EXP, "experiment_id": 0}),
    ("logged-model-meta", GOOD_LM),
    ("model-version-meta", GOOD_MV),
    ("run-input-meta", GOOD_IN),
    ("run-output-meta", GOOD_OUT),
    ("mlmodel", {"flavors": {"python_function": {**PYFUNC, "env": "conda.yaml"}}}),  # 1.x env
    ("mlmodel", {"utc_time_created": "2026-11-26 17:43:22"}),  # microsecond == 0
    ("mlmodel", {"signature": None, "flavors": None, "some_future_key": [1]}),
    ("mlmodel", {"signature": {"inputs": "[]", "outputs": None}}),  # decoded separately
    ("signature-schema", [{"type": "double", "name": ""}, {"type": "long", "name": 5}]),
    ("signature-schema", [{"type": "array", "items": {"type": "double"}, "name": "v", "foo": 1}]),
    ("signature-schema", [{"type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}]),
    ("signature-params", []),
    ("signature-params", [{"name": "a", "dtype": "long", "default": 1}]),
    ("signature-params", [{"name": "a", "type": "float", "default": 1}]),
    ("signature-params", [{"name": "a", "type": "long", "default": None, "shape": None}]),
    ("python-env", {"python": None, "dependencies": None}),
]


@pytest.mark.parametrize(("name", "instance"), GOOD)
def test_tolerated_instance(name: str, instance: Any) -> None:
    assert best_errors(name, instance) == []
