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


def _container_seeds() -> list[bytes]:
    import gzip
    import io
    import zipfile

    seeds = [gzip.compress(BENIGN[4])]
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", BENIGN[2])
        zf.writestr("archive/data/0", b"\0" * 64)
    seeds.append(z.getvalue())
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }".ljust(118) + "\n"
    seeds.append(b"\x93NUMPY\x01\x00" + bytes([len(header), 0]) + header.encode() + BENIGN[3])
    return seeds


CONTAINERS = _container_seeds()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CONTAINERS), st.data())
def test_mutated_containers_have_no_internal_errors(base: bytes, data: st.DataObject) -> None:
    buf = bytearray(base)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(buf) - 1))
        if data.draw(st.booleans()):
            buf[i] = data.draw(st.integers(0, 255))
        else:
            del buf[i : i + data.draw(st.integers(1, 16))]
    rep = scan_bytes(bytes(buf), limits=LIMITS)
    assert "scan-error" not in rep.kinds, rep.findings
