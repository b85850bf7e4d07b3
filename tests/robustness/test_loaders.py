"""Never crashes: every loader in `mlint.reading.files` and `mlint.reading.linemap` on hostile input.

Each loader returns a value or a `FileFailure` with an MLT code; no input makes it raise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st

from mlint.reading.files import Document, FileFailure, decode_text, load, parse_json, parse_yaml, read_file
from mlint.reading.linemap import join_pointer, locate_pointer, split_pointer
from tests.robustness.conftest import fuzz
from tests.robustness.strategies import ANY_CONTENT, JSON_VALUES, dump, mutated

PARSE_CODES = {"MLT002", "MLT004"}


def _text(raw: bytes) -> str:
    decoded = decode_text(raw, "f")
    assume(isinstance(decoded, str))
    assert isinstance(decoded, str)
    return decoded


@fuzz(300)
@given(ANY_CONTENT)
def test_decode_text_returns_text_or_mlt006(raw: bytes) -> None:
    result = decode_text(raw, "f")
    if isinstance(result, FileFailure):
        assert result.code == "MLT006"
        assert result.line >= 0 and result.column >= 0
    else:
        assert isinstance(result, str)


@fuzz(400)
@given(ANY_CONTENT)
@example(b"a: 2001-13-01")  # PyYAML's timestamp constructor raised ValueError
@example(b"a: 2001-02-30 10:00:00")
@example(b"a: !!float abc")  # explicit tags reach constructors that raise ValueError
@example(b"a: !!int abc")
@example(b"a: !!timestamp x")  # ... or AttributeError
@example(b"a: " + b"1" * 5000)  # over Python's 4300-digit int conversion limit
@example(b"a: 0x" + b"f" * 5000)  # parses, but str() of it raises in any rule
@example(b"[" * 5000 + b"]" * 5000)
def test_parse_yaml_never_raises(raw: bytes) -> None:
    text = raw.decode("utf-8", "replace")
    result = parse_yaml(text, "f")
    if isinstance(result, FileFailure):
        assert result.code in PARSE_CODES, result
    else:
        repr(result)  # what rules do with values (f-strings of huge ints raised here once)


@fuzz(400)
@given(ANY_CONTENT)
@example(b"1" * 5000)  # json raises ValueError past the int conversion limit
@example(b"[" * 100_000)
@example(b'{"a": 1e99999, "b": NaN, "c": -Infinity}')
def test_parse_json_never_raises(raw: bytes) -> None:
    result = parse_json(raw.decode("utf-8", "replace"), "f")
    if isinstance(result, FileFailure):
        assert result.code in PARSE_CODES, result
    else:
        repr(result)


@fuzz(150)
@given(JSON_VALUES, st.booleans())
def test_dumped_values_round_trip_or_fail_cleanly(value: Any, as_json: bool) -> None:
    text = dump(value, as_json)
    result = parse_json(text, "f") if as_json else parse_yaml(text, "f")
    assert not isinstance(result, FileFailure) or result.code in PARSE_CODES


@fuzz(150)
@given(ANY_CONTENT, st.sampled_from(["yaml", "json", "text"]))
def test_read_and_load_never_raise(tmp_path_factory: Any, raw: bytes, kind: str) -> None:
    folder = tmp_path_factory.mktemp("load")
    path = folder / "MLmodel"
    path.write_bytes(raw)
    assert read_file(path, folder) == raw
    result = load(path, folder, kind)
    assert isinstance(result, (Document, FileFailure))
    if isinstance(result, Document):
        assert result.kind == kind
        assert result.locate("/a/0/b")[0] >= 0


@fuzz(60)
@given(ANY_CONTENT, st.integers(0, 64))
def test_size_cap_is_enforced_before_reading(tmp_path_factory: Any, raw: bytes, cap: int) -> None:
    folder = tmp_path_factory.mktemp("cap")
    path = folder / "meta.yaml"
    path.write_bytes(raw)
    result = read_file(path, folder, max_bytes=cap)
    if len(raw) > cap:
        assert isinstance(result, FileFailure) and result.code == "MLT004"
    else:
        assert result == raw


POINTERS = st.lists(st.one_of(st.text(max_size=8), st.integers(-2, 50).map(str)), max_size=6)


@fuzz(300)
@given(st.one_of(mutated(), st.builds(lambda v: dump(v, False).encode(), JSON_VALUES)), POINTERS)
def test_locate_pointer_never_raises_and_stays_in_the_file(raw: bytes, tokens: list[str]) -> None:
    text = _text(raw)
    doc = Document(Path("MLmodel"), "yaml", text, None)
    line, column = locate_pointer(doc, join_pointer(*tokens))
    assert line >= 0 and column >= 0
    if line:
        assert line <= text.count("\n") + text.count("\r") + 1


@fuzz(200)
@given(st.lists(st.text(max_size=10), max_size=6))
def test_pointer_tokens_round_trip(tokens: list[str]) -> None:
    pointer = join_pointer(*tokens)
    assert split_pointer(pointer) == tokens
