"""`mlint.enforcement.fastcols` against the pandas path it short-cuts: whenever the fast path
answers, its warnings and its rejection are exactly those of `parse_serving_payload` (the
`dataframe_split` pre-cast) followed by `enforce_schema_report` — same kinds, inputs, messages
and examples. Where it cannot be sure it must answer None (and pandas decides)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import mlint
from mlint import Config
from mlint.enforcement import (
    EnforcementError,
    EnforcementWarning,
    enforce_schema_report,
    parse_schema,
    parse_serving_payload,
)
from mlint.enforcement.fastcols import SplitVerdict, split_verdict

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

Outcome = tuple[Any, ...]


def _warnings(ws: tuple[EnforcementWarning, ...]) -> Outcome:
    # repr keeps NaN comparable and tells 1 from 1.0 and np.float32 from float.
    return tuple((w.kind, repr(w.input), w.message, repr(w.examples)) for w in ws)


def _error(e: EnforcementError) -> Outcome:
    return ("error", type(e).__name__, e.reason, repr(e.inputs))


def pandas_path(split: Any, schema_json: list[dict[str, Any]]) -> tuple[Outcome, Outcome] | None:
    """The reference: what SIG120/SIG121 get from the pandas path (None: the load step fails)."""
    schema = parse_schema(schema_json)
    try:
        parsed = parse_serving_payload({"dataframe_split": split}, schema)
    except EnforcementError:
        return None
    try:
        enforced: Outcome = _warnings(enforce_schema_report(parsed.data, schema).warnings)
    except EnforcementError as e:
        enforced = _error(e)
    return _warnings(parsed.warnings), enforced


def fast_path(split: Any, schema_json: list[dict[str, Any]]) -> tuple[Outcome, Outcome] | None:
    verdict = split_verdict(split, parse_schema(schema_json))
    if verdict is None:
        return None
    assert isinstance(verdict, SplitVerdict)
    enforce = verdict.enforce
    return _warnings(verdict.load), (
        _error(enforce) if isinstance(enforce, EnforcementError) else _warnings(enforce))


def assert_same(split: Any, schema_json: list[dict[str, Any]]) -> bool:
    """True when the fast path answered (and then agreed with pandas)."""
    fast = fast_path(split, schema_json)
    if fast is None:
        return False
    assert fast == pandas_path(split, schema_json)
    return True


# ------------------------------------------------------------------ generated signatures/examples

NAMES = ["a", "b", "c", "d"]
SIMPLE = ["boolean", "integer", "long", "float", "double", "string"]
BIG = [2**31, -(2**31) - 1, 2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 2**63, 2**64,
       -(2**63) - 1]

ints = st.one_of(st.integers(-3, 3), st.integers(-(2**40), 2**40), st.sampled_from(BIG))
floats = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 0.5, 0.1, 1.4, 2.0, 1e39, -1e39, 3.4e38, 1e-50,
                                    2.0**53, 2.0**63, 2.0**64]),
                   st.floats(allow_nan=False, allow_infinity=False),
                   st.sampled_from([float("nan"), float("inf")]))
bools = st.booleans()
strs = st.sampled_from(["a", "", "1", "1.5", "true", "False", "2024-01-01", "NaN"])
CELLS = {"int": ints, "float": floats, "bool": bools, "str": strs,
         "number": st.one_of(ints, floats), "any": st.one_of(ints, floats, bools, strs)}


@st.composite
def signatures(draw: st.DrawFn, wild: bool = True) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    kinds = st.sampled_from(SIMPLE + (["datetime", "binary"] if wild else []))
    return [{"type": draw(kinds), "name": n, "required": draw(st.booleans())} for n in names]


@st.composite
def splits(draw: st.DrawFn, schema: list[dict[str, Any]], wild: bool = True) -> Any:
    """A split payload for `schema`: declared columns in any order, some missing, some extra,
    each column drawn from one kind of JSON value (or any), with or without nulls. `wild` adds
    duplicate columns, ragged rows and an `index` now and then (which pandas must decide)."""
    declared = [c["name"] for c in schema]
    pool = [*declared, "x", "y"]
    columns = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5,
                            unique=not wild or draw(st.integers(0, 9)) > 0))
    # "any" mixes kinds within a column, which mostly leaves the decision to pandas.
    kinds = sorted(CELLS) if wild else sorted(set(CELLS) - {"any"})
    cells = [st.one_of(CELLS[draw(st.sampled_from(kinds))], st.none())
             if draw(st.booleans()) else CELLS[draw(st.sampled_from(kinds))]
             for _ in columns]
    n = draw(st.integers(0, 4))
    rows = [[draw(c) for c in cells] for _ in range(n)]
    if wild and rows and draw(st.integers(0, 9)) == 0:
        rows[-1] = rows[-1][:-1]  # ragged
    split: dict[str, Any] = {"columns": columns, "data": rows}
    if wild and draw(st.integers(0, 14)) == 0:
        split["index"] = list(range(n))
    return split


@given(data=st.data())
def test_fast_path_equals_pandas_path_when_it_answers(data: st.DataObject) -> None:
    schema = data.draw(signatures())
    split = data.draw(splits(schema))
    assert_same(split, schema)


@settings(max_examples=150)
@given(data=st.data())
def test_fast_path_equals_pandas_path_on_the_inputs_it_targets(data: st.DataObject) -> None:
    """Only scalar column types and well-formed payloads: most of these are answered, so the
    comparison runs on many of them (over half, measured over 3,000 examples)."""
    schema = data.draw(signatures(wild=False))
    split = data.draw(splits(schema, wild=False))
    assert_same(split, schema)


# ------------------------------------------------------------------ named cases: answered or not

def _sig(*cols: tuple[str, str, bool]) -> list[dict[str, Any]]:
    return [{"type": t, "name": n, "required": r} for n, t, r in cols]


ANSWERED = [
    ("ints in a double column", _sig(("a", "double", True)), {"columns": ["a"], "data": [[1], [2]]}),
    ("floats in a long column", _sig(("a", "long", True)), {"columns": ["a"], "data": [[1.5], [2.0]]}),
    ("floats in an integer column", _sig(("a", "integer", True)),
     {"columns": ["a"], "data": [[1.0], [2.0**40]]}),
    ("big ints in an integer column", _sig(("a", "integer", True)),
     {"columns": ["a"], "data": [[2**40], [-(2**63)]]}),
    ("big ints in a double column", _sig(("a", "double", True)),
     {"columns": ["a"], "data": [[2**53 + 1], [2**63 - 1]]}),
    ("bools in a long column", _sig(("a", "long", True)), {"columns": ["a"], "data": [[True], [False]]}),
    ("ints in a boolean column", _sig(("a", "boolean", True)), {"columns": ["a"], "data": [[0], [2]]}),
    ("floats in a float column", _sig(("a", "float", True)), {"columns": ["a"], "data": [[0.1], [1e39]]}),
    ("nulls in a double column", _sig(("a", "double", True)), {"columns": ["a"], "data": [[None], [1]]}),
    ("nulls in a boolean column", _sig(("a", "boolean", True)), {"columns": ["a"], "data": [[None], [1.5]]}),
    ("nulls in a string column", _sig(("a", "string", True)), {"columns": ["a"], "data": [[None], ["x"]]}),
    ("numbers in a string column", _sig(("a", "string", True)), {"columns": ["a"], "data": [[1], [2]]}),
    ("missing required column", _sig(("a", "long", True), ("b", "string", True)),
     {"columns": ["a", "x"], "data": [[1, 2]]}),
    ("missing optional column", _sig(("a", "long", True), ("b", "string", False)),
     {"columns": ["a"], "data": [[1]]}),
    ("extra column", _sig(("a", "long", True)), {"columns": ["a", "x", "y"], "data": [[1, "s", None]]}),
    ("empty data", _sig(("a", "long", True), ("b", "string", True)), {"columns": ["b", "a"], "data": []}),
]

FALLBACK = [
    ("datetime column", _sig(("a", "datetime", True)), {"columns": ["a"], "data": [["2024-01-01"]]}),
    ("binary column", _sig(("a", "binary", True)), {"columns": ["a"], "data": [["AA=="]]}),
    ("strings into long", _sig(("a", "long", True)), {"columns": ["a"], "data": [["1"]]}),
    ("null into long", _sig(("a", "long", True)), {"columns": ["a"], "data": [[None], [1]]}),
    ("bools mixed with ints", _sig(("a", "double", True)), {"columns": ["a"], "data": [[True], [1]]}),
    ("uint64 values", _sig(("a", "double", True)), {"columns": ["a"], "data": [[2**63]]}),
    ("index key", _sig(("a", "long", True)), {"columns": ["a"], "data": [[1]], "index": [0]}),
    ("ragged rows", _sig(("a", "long", True)), {"columns": ["a"], "data": [[1, 2]]}),
    ("duplicate columns", _sig(("a", "long", True)), {"columns": ["a", "a"], "data": [[1, 2]]}),
    ("nested cell", _sig(("a", "long", True)), {"columns": ["a", "x"], "data": [[1, [2]]]}),
    ("array column", [{"type": "array", "items": {"type": "long"}, "name": "a", "required": True}],
     {"columns": ["a"], "data": [[[1]]]}),
    ("unnamed schema", [{"type": "long"}], {"columns": ["a"], "data": [[1]]}),
]


@pytest.mark.parametrize(("case", "schema", "split"), ANSWERED, ids=[c[0] for c in ANSWERED])
def test_common_cases_are_answered_and_equal(case: str, schema: list[dict[str, Any]], split: Any) -> None:
    assert assert_same(split, schema), f"{case}: the fast path should decide this"


@pytest.mark.parametrize(("case", "schema", "split"), FALLBACK, ids=[c[0] for c in FALLBACK])
def test_uncertain_cases_are_left_to_pandas(case: str, schema: list[dict[str, Any]], split: Any) -> None:
    assert fast_path(split, schema) is None, case


def test_findings_can_differ_between_cases() -> None:
    """The comparison is not vacuous: the cases above include lossy casts and a rejection."""
    outcomes = [fast_path(split, schema) for _, schema, split in ANSWERED]
    assert any(o is not None and o[0] for o in outcomes)  # lossy/coerced pre-cast warnings
    assert any(o is not None and o[1] and o[1][0] == "error" for o in outcomes)


# ------------------------------------------------------------------ real MLflow-written examples

def _column_models() -> list[Path]:
    found = []
    for mlmodel in sorted(DATA.rglob("MLmodel")):
        text = mlmodel.read_text(encoding="utf-8")
        if "type: dataframe" in text and "pandas_orient: split" in text:
            meta = yaml.safe_load(text)
            if (meta.get("signature") or {}).get("inputs"):  # no signature: nothing to enforce
                found.append(mlmodel.parent)
    return found


COLUMN_MODELS = _column_models()


def _examples(folder: Path) -> list[tuple[str, Any, list[dict[str, Any]]]]:
    meta = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    schema = json.loads(meta["signature"]["inputs"])
    info = meta["saved_input_example_info"]
    out = []
    example_path = folder / info["artifact_path"]
    if example_path.is_file():
        value = json.loads(example_path.read_text(encoding="utf-8"))
        if info.get("params") is not None and isinstance(value, dict) and "inputs" in value:
            value = value["inputs"]
        out.append((info["artifact_path"], value, schema))
    serving = info.get("serving_input_path")
    if serving and (folder / serving).is_file():
        payload = json.loads((folder / serving).read_text(encoding="utf-8"))
        if isinstance(payload, dict) and "dataframe_split" in payload:
            out.append((serving, payload["dataframe_split"], schema))
    return out


def test_there_are_real_column_examples() -> None:
    assert len(COLUMN_MODELS) >= 15


@pytest.mark.parametrize("folder", COLUMN_MODELS, ids=[str(p.relative_to(DATA)) for p in COLUMN_MODELS])
def test_real_mlflow_examples_agree(folder: Path) -> None:
    for _, split, schema in _examples(folder):
        assert_same(split, schema)


def test_the_iris_examples_mlflow_writes_take_the_fast_path() -> None:
    answered = [(folder, rel) for folder in COLUMN_MODELS for rel, split, schema in _examples(folder)
                if assert_same(split, schema)]
    names = {str(folder.relative_to(DATA)) for folder, _ in answered}
    assert "mlflow/3.17.2/models/sklearn_default" in names
    assert "mlflow/3.17.2/models/lightgbm_sklearn_api" in names
    assert len(answered) >= 20


def _findings(paths: list[Path], monkeypatch: pytest.MonkeyPatch, fast: bool) -> list[str]:
    from mlint.enforcement import fastcols
    from mlint.rulekit import sigsupport

    monkeypatch.setattr(sigsupport, "_VERDICTS", {})  # the per-process verdict memo
    if not fast:
        monkeypatch.setattr(fastcols, "split_verdict", lambda split, schema: None)
    found = mlint.run([str(p) for p in paths], Config(select=("SIG",))).diagnostics
    monkeypatch.undo()
    return sorted(f"{d.code} {d.path} {d.pointer} {d.message}" for d in found)


def test_the_rules_give_the_same_findings_with_and_without_the_fast_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: SIG120/SIG121 on the real fixtures and on the SIG rule fixtures (which
    include rejected and lossy column examples)."""
    rule_fixtures = [p.parent for code in ("SIG120", "SIG121")
                     for p in sorted((ROOT / "tests/rules" / code).rglob("MLmodel"))]
    paths = COLUMN_MODELS + rule_fixtures
    with_fast = _findings(paths, monkeypatch, fast=True)
    assert with_fast == _findings(paths, monkeypatch, fast=False)
    assert any(f.startswith("SIG120") for f in with_fast)


def _iris_variant(root: Path, name: str, inputs: list[dict[str, Any]], example: dict[str, Any]) -> Path:
    """examples/model with another signature and split example (both example files)."""
    folder = root / name
    folder.mkdir()
    for f in (ROOT / "examples/model").iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    meta = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    meta["signature"]["inputs"] = json.dumps(inputs)
    (folder / "MLmodel").write_text(yaml.safe_dump(meta), encoding="utf-8")
    (folder / "input_example.json").write_text(json.dumps(example), encoding="utf-8")
    (folder / "serving_input_example.json").write_text(json.dumps({"dataframe_split": example}),
                                                       encoding="utf-8")
    return folder


def test_lossy_and_rejected_examples_give_the_same_findings_through_the_fast_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule fixtures barely reach the fast path with a finding; these do, for both rules."""
    iris = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    rows = [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2]]
    lossy = _iris_variant(tmp_path, "lossy", _sig(*[(n, "long", True) for n in iris]),
                          {"columns": iris, "data": rows})
    missing = _iris_variant(tmp_path, "missing", _sig(*[(n, "double", True) for n in iris]),
                            {"columns": [*iris[:3], "extra"], "data": [[*r[:3], 1] for r in rows]})
    for folder in (lossy, missing):
        for _, split, schema in _examples(folder):
            assert fast_path(split, schema) is not None
    with_fast = _findings([lossy, missing], monkeypatch, fast=True)
    assert with_fast == _findings([lossy, missing], monkeypatch, fast=False)
    joined = "\n".join(with_fast)
    assert "SIG120" in joined and "SIG121" in joined
    assert "only by changing values" in joined and "rejects" in joined
