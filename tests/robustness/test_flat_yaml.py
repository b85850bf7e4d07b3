"""`mlint.reading.flatyaml.flat_mapping` (the flat `meta.yaml` fast path) against PyYAML:
whenever it answers, the value must be exactly `yaml.safe_load`'s — same keys, same values,
same types (True is not 1, '1' is not 1), same order. Inputs: tricky scalars one by one,
hypothesis-built mappings written as MLflow writes them (`safe_dump`) and as hand-made lines,
and every real `meta.yaml`-like file in the fixtures and the shared corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mlint.reading import files
from mlint.reading.flatyaml import flat_mapping
from tests.robustness.conftest import fuzz

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path("/work/shared/corpus")

TRICKY = [
    "", "''", "'a'", "'it''s'", "'a: b'", "'#x'", "' x '", "'null'", "\"dq\"", "null", "Null", "NULL",
    "~", "true", "True", "TRUE", "false", "yes", "Yes", "no", "NO", "on", "On", "off", "OFF", "y", "n",
    "Y", "N", "0", "-0", "+1", "1", "-12", "007", "0o7", "0x1F", "0b101", "1_000", "1:30", "190:20:30",
    "1.5", "1e3", "1.0e+3", "-.inf", ".inf", ".NaN", ".nan", "1.", "2024-01-01",
    "2024-01-01 10:00:00", "2001-12-14t21:59:43.10-05:00", "123456789012345678",
    "1234567890123456789", "99999999999999999999", "<<", "=", "-", "- a", "-a", "-1a", "a b",
    "a  b", "a: b", "a:", "a:b", "a #b", "a#b", "#c", "&a x", "*a", "!!str 1", "!x", "[]", "{}",
    "[1]", "{a: 1}", "|", ">", "%x", "@x", "`x", "?", "? x", ",", "a,b", "a]", "file:///tmp/x y",
    "mlflow-artifacts:/1/abc", "s3://bucket/key", "m-0123abcd", "...", "---", "..", "./x", "/abs",
    "_x", "x=y", "a~b", "~x", "é", "a\tb",
]


def _same(text: str) -> None:
    fast = flat_mapping(text)
    if fast is None:
        return
    expected = yaml.safe_load(text)
    assert type(expected) is dict, text
    assert list(fast.items()) == list(expected.items()), text
    assert [type(v) for v in fast.values()] == [type(v) for v in expected.values()], text


def _agree(text: str) -> None:
    """Text PyYAML rejects is never taken by the fast path; anything else reads the same."""
    try:
        yaml.safe_load(text)
    except Exception:
        assert flat_mapping(text) is None, text
        return
    _same(text)


@pytest.mark.parametrize("value", TRICKY)
def test_each_tricky_scalar_is_read_as_pyyaml_reads_it(value: str) -> None:
    for key in ("key", "on", "null", "yes", "n", "_k", "k1"):
        for text in (f"{key}: {value}\n", f"a: 1\n{key}: {value}\nb: x\n", f"{key}: {value}"):
            _agree(text)


def test_the_fast_path_is_taken_for_what_mlflow_writes() -> None:
    text = ("artifact_uri: file:///tmp/x/mlruns/1/0003/artifacts\nend_time: 1796416991436\n"
            "entry_point_name: ''\nexperiment_id: '418493941914042618'\nlifecycle_stage: active\n"
            "model_type: null\nrun_name: template run\nstatus: 3\ntags: []\nparams: {}\n")
    assert flat_mapping(text) == yaml.safe_load(text)
    for shape in ("", "\n", "a: 1\n\nb: 2\n", "a: 1\r\nb: 2\r\n", "---\na: 1\n", "a: 1\na: 2\n",
                  "a: 1 # c\n", "# c\na: 1\n", "a:\n  b: 1\n", "a: b\n  c\n", "- a\n", "a: 1\n...\n"):
        assert flat_mapping(shape) is None, shape


_SCALARS = st.one_of(
    st.sampled_from(TRICKY), st.integers(), st.booleans(), st.none(),
    st.floats(allow_nan=False), st.text(max_size=20),
    st.text(alphabet="abz019_-./:@+=~ '#", max_size=12),
)
_KEYS = st.one_of(st.sampled_from(["on", "null", "yes", "y", "true", "_a", "a1"]),
                  st.text(alphabet="abcdxyz_019", min_size=1, max_size=8))


@fuzz(300)
@given(st.dictionaries(_KEYS, _SCALARS, min_size=1, max_size=8))
def test_safe_dump_output_round_trips(mapping: dict[str, Any]) -> None:
    # What MLflow's meta.yaml writer (yaml.safe_dump, block style) produces.
    _same(yaml.safe_dump(mapping, default_flow_style=False))
    _same(yaml.safe_dump(mapping, default_flow_style=False, allow_unicode=True, width=20))


@fuzz(400)
@given(st.lists(st.tuples(_KEYS, st.sampled_from(TRICKY) | st.text(alphabet="ab01:-' #.~", max_size=8)),
                min_size=1, max_size=6))
def test_hand_written_lines_agree(pairs: list[tuple[str, str]]) -> None:
    _agree("".join(f"{k}: {v}\n" for k, v in pairs))


def _real_files() -> list[Path]:
    found: list[Path] = []
    for base in (REPO / "tests", REPO / "examples", CORPUS):
        if base.is_dir():
            found += [p for p in base.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml")
                      and p.stat().st_size < 65536] + list(base.rglob("MLmodel"))
    return sorted(set(found))


def test_real_files_agree_and_meta_files_take_the_fast_path() -> None:
    taken = compared = 0
    for path in _real_files():
        try:
            text = path.read_bytes().decode("utf-8-sig")
            yaml.safe_load(text)
        except Exception:
            continue
        compared += 1
        _same(text)
        if path.name == "meta.yaml" and flat_mapping(text) is not None:
            taken += 1
    assert compared > 100 and taken > 50, (compared, taken)


def test_parse_yaml_gives_the_same_value_and_the_same_caps() -> None:
    text = "a: 1\nb: x\n"
    assert files.parse_yaml(text, "meta.yaml") == {"a": 1, "b": "x"}
    capped = files.parse_yaml(text, "meta.yaml", max_nodes=2)
    assert isinstance(capped, files.FileFailure) and capped.code == "MLT004"
    assert capped == files.check_structure(yaml.safe_load(text), "meta.yaml", max_nodes=2)
