"""The scanner never raises on arbitrary input: it always returns a report."""

from __future__ import annotations

import pickle

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlint.pickles import Limits, ScanReport, scan_bytes

BENIGN = [
    pickle.dumps({"a": [1, 2.5, "x", b"y", None, True], "b": (1, 2), "c": {3, 4}}, protocol=p)
    for p in range(6)
]
LIMITS = Limits(max_seconds=5.0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(scan_bytes(data, limits=LIMITS), ScanReport)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BENIGN), st.data())
def test_bitflipped_pickles_never_raise(base: bytes, data: st.DataObject) -> None:
    buf = bytearray(base)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(buf) - 1))
        buf[i] ^= 1 << data.draw(st.integers(0, 7))
    rep = scan_bytes(bytes(buf), limits=LIMITS)
    assert isinstance(rep, ScanReport)
    if not rep.complete:
        assert not rep.clean


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(BENIGN), st.integers(0, 200))
def test_prefixes_of_pickles(base: bytes, cut: int) -> None:
    rep = scan_bytes(base[: min(cut, len(base) - 1)], limits=LIMITS)
    assert not rep.clean
