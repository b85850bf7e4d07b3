"""Differential tests: the scanner reads what the real loaders read.

Only benign twins are loaded, built in the test by the real library (numpy, joblib, pickle);
no untrusted file is ever loaded. Each test compares the loader's view (dtype itemsize and
hasobject, the value of a protocol-0 INT, where the next opcode starts after a joblib array)
with the scanner's.
"""

from __future__ import annotations

import io
import pickle
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlint.pickles import Kind, scan_bytes
from mlint.pickles.containers import descr_info
from mlint.pickles.opcodes import _c_int

np = pytest.importorskip("numpy")
hnp = pytest.importorskip("hypothesis.extra.numpy")
fmt = np.lib.format

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def dtypes() -> st.SearchStrategy[object]:
    leaf = hnp.scalar_dtypes() | st.just(np.dtype(object))
    sub = st.tuples(leaf, st.integers(1, 3)).map(lambda t: np.dtype((t[0], (t[1],))))
    structured = hnp.array_dtypes(subtype_strategy=leaf | sub, min_size=1, max_size=3)
    return leaf | sub | structured


@SETTINGS
@given(dtypes())
def test_npy_descr_sizes_and_objects_match_numpy(dt: object) -> None:
    descr = fmt.dtype_to_descr(dt)
    real = fmt.descr_to_dtype(descr)
    size, has_object = descr_info(descr)
    assert has_object == real.hasobject, descr
    if not real.hasobject:
        assert size == real.itemsize, descr


OBJECT_SPELLINGS = ["'O'", "'|O'", "'=O'", "'O8'", "'object'", "'2O'", "'(2,)O'", "'(2, 3)O'",
                    "'f8,O'", "'O,i4'", "('O', (2,))", "('|O', 3)", "[('a', 'O')]",
                    "[('a', '<f8'), ('b', 'O', (2,))]", "[('a', [('x', 'O')])]"]


@pytest.mark.parametrize("spelling", OBJECT_SPELLINGS)
def test_every_object_spelling_numpy_accepts_is_an_object_array(spelling: str) -> None:
    import ast

    descr = ast.literal_eval(spelling)
    assert fmt.descr_to_dtype(descr).hasobject  # what np.load would decide
    assert descr_info(descr)[1], spelling


def test_npy_files_written_by_numpy_scan_clean() -> None:
    arrays = [np.arange(7, dtype="i2"), np.zeros((2, 3), dtype="f8"),
              np.array(["ab", "c"], dtype="U2"), np.zeros(2, dtype=[("a", "i4"), ("b", "f4", (2,))]),
              np.array(["2020-01-01"], dtype="M8[D]"), np.array([1 + 2j])]
    for arr in arrays:
        buf = io.BytesIO()
        np.save(buf, arr)
        rep = scan_bytes(buf.getvalue())
        assert rep.clean and not rep.findings, (arr.dtype, rep.findings)


joblib = pytest.importorskip("joblib")


@SETTINGS
@given(dt=dtypes(), n=st.integers(0, 4))
def test_joblib_framing_resumes_where_joblib_does(dt: object, n: int) -> None:
    """joblib.dump([array, marker]): the scanner must see the marker's global right after
    the array bytes, i.e. skip exactly what joblib's reader consumes."""
    from collections import OrderedDict

    arr = np.zeros(n, dtype=dt)
    buf = io.BytesIO()
    joblib.dump([arr, OrderedDict(a=1)], buf)
    data = buf.getvalue()
    assert joblib.load(io.BytesIO(data))[1] == OrderedDict(a=1)  # our own benign twin
    rep = scan_bytes(data, flavor="sklearn")
    assert rep.complete, (dt, rep.findings)
    assert ("collections", "OrderedDict") in {(g.module, g.name) for g in rep.globals}, dt
    assert not [f for f in rep.findings if f.severity.value != "info"], (dt, rep.findings)


def _real_int(line: bytes) -> object:
    try:
        return pickle.loads(b"I" + line + b"\n.")
    except Exception:
        return Exception


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=string.digits + "xXabcdefABCDEF+-_ \t\r", min_size=1, max_size=8))
def test_protocol0_int_parses_like_the_c_unpickler(text: str) -> None:
    line = text.encode()
    real = _real_int(line)
    try:
        ours: object = _c_int(line)
    except ValueError:
        ours = Exception
    assert ours == real and type(ours) is type(real), (line, real, ours)


@pytest.mark.parametrize("line", [b"01", b"00", b"+1", b"-0", b" 1", b"010", b"0x1f", b"1_0"])
def test_protocol0_int_forms_are_pickles_to_the_sniffer(line: bytes) -> None:
    data = b"I" + line + b"\n0cos\nsystem\n(S'true'\ntR."
    assert _real_int(line) is not Exception
    rep = scan_bytes(data)
    assert Kind.DANGEROUS_GLOBAL in rep.kinds, line
