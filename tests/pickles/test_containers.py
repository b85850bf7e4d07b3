"""Containers: joblib buffers, compression, zips (PyTorch, skops, npz), npy, LFS pointers."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zipfile
import zlib
from pathlib import Path

import pytest
from rawpickle import glob, proto, system_call, u

from mlint.pickles import Container, Kind, scan_bytes, scan_file, sniff, sniff_bytes

np = pytest.importorskip("numpy")
joblib = pytest.importorskip("joblib")

MARKER = "PAYLOAD_MARKER_0123"


def joblib_with_payload_after_buffer(compress: object = 0) -> bytes:
    """A real joblib dump whose string after a 64 KiB raw array is swapped for os.system."""
    buf = io.BytesIO()
    joblib.dump([np.arange(8192, dtype="float64"), MARKER], buf, compress=0)
    data = buf.getvalue()
    needle = u(MARKER)
    assert data.count(needle) == 1 and data.index(needle) > 65536
    return data.replace(needle, glob("os", "system"))  # same stack effect: one pushed value


def test_payload_after_numpy_buffer_in_joblib() -> None:
    rep = scan_bytes(joblib_with_payload_after_buffer())
    assert rep.container is Container.JOBLIB
    d = rep.by_kind(Kind.DANGEROUS_GLOBAL)
    assert d and d[0].offset is not None and d[0].offset > 65536
    assert rep.complete


@pytest.mark.parametrize(
    ("codec", "layer"),
    [(zlib.compress, Container.ZLIB), (gzip.compress, Container.GZIP),
     (bz2.compress, Container.BZ2), (lzma.compress, Container.XZ),
     (lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE), Container.LZMA)],
)
def test_compressed_joblib_payload(codec: object, layer: Container) -> None:
    data = codec(joblib_with_payload_after_buffer())  # type: ignore[operator]
    rep = scan_bytes(data)
    assert rep.layers[0] is layer
    assert Kind.DANGEROUS_GLOBAL in rep.kinds
    assert rep.by_kind(Kind.DANGEROUS_GLOBAL)[0].member == f"<{layer.value}>"


@pytest.mark.parametrize("compress", [("zlib", 3), ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3)])
def test_real_compressed_joblib_is_clean(compress: tuple[str, int]) -> None:
    buf = io.BytesIO()
    joblib.dump({"a": np.arange(1000), "b": np.ones((3, 4), dtype="<U5")}, buf, compress=compress)
    rep = scan_bytes(buf.getvalue())
    assert rep.clean, rep.findings
    assert rep.container is Container.JOBLIB


def test_truncated_compressed_stream() -> None:
    data = gzip.compress(joblib_with_payload_after_buffer())
    rep = scan_bytes(data[: len(data) // 2])
    assert not rep.complete and Kind.TRUNCATED in rep.kinds


def test_joblib_object_array_is_nested_pickle() -> None:
    buf = io.BytesIO()
    joblib.dump([np.array([MARKER, 1], dtype=object), np.arange(4)], buf)
    data = buf.getvalue().replace(u(MARKER), glob("os", "system"))
    rep = scan_bytes(data)
    assert Kind.DANGEROUS_GLOBAL in rep.kinds and rep.complete


def test_lz4_without_codec_is_unsupported() -> None:
    try:
        import lz4  # noqa: F401
    except ImportError:
        rep = scan_bytes(b"\x04\x22\x4d\x18" + b"\x00" * 32)
        assert Kind.UNSUPPORTED_CONTAINER in rep.kinds and not rep.complete
    else:
        pytest.skip("lz4 installed")


def test_renamed_extension_is_sniffed(tmp_path: Path) -> None:
    p = tmp_path / "weights.txt"
    p.write_bytes(system_call())
    assert sniff(p) is Container.PICKLE
    assert Kind.DANGEROUS_GLOBAL in scan_file(p).kinds
    q = tmp_path / "model.pkl"
    q.write_bytes(gzip.compress(system_call()))
    assert sniff(q) is Container.GZIP
    assert Kind.DANGEROUS_GLOBAL in scan_file(q).kinds


def test_lfs_pointer(tmp_path: Path) -> None:
    p = tmp_path / "model.pkl"
    p.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64
                 + "\nsize 12345\n")
    rep = scan_file(p)
    assert rep.container is Container.LFS_POINTER
    assert Kind.LFS_POINTER in rep.kinds and not rep.complete and not rep.clean


def test_empty_and_text_files() -> None:
    assert not scan_bytes(b"").complete
    rep = scan_bytes(b"artifact_path: model\nflavors:\n  sklearn: {}\n")
    assert rep.kinds == {Kind.UNSUPPORTED_CONTAINER} and not rep.complete
    assert sniff_bytes(b'{"a": 1}') is Container.UNKNOWN


def torch_zip(payload: bytes, *, bad_local_name: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/version", "3\n")
        z.writestr("archive/data/0", b"(\x80\xff" * 100)  # raw storage, never a pickle
        z.writestr("archive/byteorder", "little")
    data = buf.getvalue()
    if bad_local_name:
        # Corrupt only the local header's copy of the name: zipfile refuses the member,
        # PyTorch's reader (central directory) does not.
        i = data.index(b"archive/data.pkl")
        data = data[:i] + b"archive/data.pkX" + data[i + 16 :]
    return data


def torch_payload() -> bytes:
    # Typical torch data.pkl shape: persistent ids for storages, plus the payload.
    return (proto(2) + glob("torch._utils", "_rebuild_tensor_v2") + b"(" + u("storage")
            + b"Q" + b"t" + glob("os", "system") + u("id") + b"\x86" + b"R" + b"\x86" + b".")


def test_torch_zip_member_is_scanned() -> None:
    rep = scan_bytes(torch_zip(torch_payload()), flavor="pytorch")
    assert rep.container is Container.TORCH
    d = rep.by_kind(Kind.DANGEROUS_GLOBAL)
    assert d and d[0].member == "archive/data.pkl"
    assert Kind.PERSISTENT_ID not in rep.kinds
    assert "archive/data/0" not in rep.members


def test_torch_zip_with_malformed_local_header() -> None:
    rep = scan_bytes(torch_zip(torch_payload(), bad_local_name=True), flavor="pytorch")
    assert Kind.DANGEROUS_GLOBAL in rep.kinds
    assert Kind.CONTAINER in rep.kinds


def test_deflated_zip_member() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("stuff/payload.pkl", system_call())
    assert Kind.DANGEROUS_GLOBAL in scan_bytes(buf.getvalue()).kinds


def test_npy_object_dtype_embedded_pickle() -> None:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header = header.ljust(118) + "\n"
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    rep = scan_bytes(data + system_call())
    assert rep.container is Container.NPY
    assert Kind.DANGEROUS_GLOBAL in rep.kinds


def test_real_npy_and_npz_are_clean() -> None:
    for arr in (np.arange(10.0), np.array(["a", None, 3], dtype=object)):
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=True)
        rep = scan_bytes(buf.getvalue())
        assert rep.clean, rep.findings
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3), b=np.array([1, "x"], dtype=object))
    rep = scan_bytes(buf.getvalue())
    assert rep.container is Container.NPZ and rep.clean, rep.findings


def test_truncated_npy() -> None:
    buf = io.BytesIO()
    np.save(buf, np.arange(1000.0))
    rep = scan_bytes(buf.getvalue()[:-100])
    assert Kind.TRUNCATED in rep.kinds and not rep.complete


def test_skops_files() -> None:
    sio = pytest.importorskip("skops.io")
    lm = pytest.importorskip("sklearn.linear_model")
    model = lm.LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])
    data = sio.dumps(model)
    rep = scan_bytes(data, flavor="sklearn")
    assert rep.container is Container.SKOPS
    assert rep.clean, rep.findings
    # Now smuggle a dangerous function reference into the schema.
    zin = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(zin.read("schema.json"))
    schema["content"]["extra"] = {"__class__": "system", "__module__": "os",
                                  "__loader__": "FunctionNode", "__id__": 999}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in zin.namelist():
            z.writestr(name, json.dumps(schema) if name == "schema.json" else zin.read(name))
    rep = scan_bytes(out.getvalue(), flavor="sklearn")
    d = rep.by_kind(Kind.DANGEROUS_GLOBAL)
    assert d and d[0].member == "schema.json" and (d[0].module, d[0].name) == ("os", "system")


def test_zip_in_zip_and_bad_zip() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("a/data.pkl", system_call())
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("nested.zip", inner.getvalue())
    rep = scan_bytes(outer.getvalue())
    assert rep.by_kind(Kind.DANGEROUS_GLOBAL)[0].member == "nested.zip!a/data.pkl"
    broken = scan_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert not broken.complete and Kind.UNSUPPORTED_CONTAINER in broken.kinds


def test_legacy_torch_save_format() -> None:
    from rawpickle import STOP

    magic = proto(2) + b"\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little") + STOP
    version = proto(2) + b"M\xe9\x03" + STOP
    sysinfo = proto(2) + b"}" + STOP
    main = (proto(2) + glob("torch._utils", "_rebuild_tensor_v2") + b"(" + u("storage")
            + b"Qt" + b"R" + STOP)
    keys = proto(2) + b"]" + u("0") + b"a" + STOP
    raw_storage = (8).to_bytes(8, "little") + b"\xff\x00" * 4
    rep = scan_bytes(magic + version + sysinfo + main + keys + raw_storage, flavor="pytorch")
    assert rep.clean, rep.findings
    evil = main.replace(glob("torch._utils", "_rebuild_tensor_v2"), glob("os", "system"))
    rep = scan_bytes(magic + version + sysinfo + evil + keys + raw_storage, flavor="pytorch")
    assert Kind.DANGEROUS_GLOBAL in rep.kinds


def test_wrapper_built_through_partial_makes_scan_incomplete() -> None:
    wrapper = glob("joblib.numpy_pickle", "NumpyArrayWrapper")
    data = (proto(2) + glob("functools", "partial") + wrapper + b"\x85R" + b")R" + b"}b"
            + b"\x00\x01\x02garbage-or-payload" + b".")
    rep = scan_bytes(data)
    assert not rep.complete and Kind.UNSUPPORTED_CONTAINER in rep.kinds


def test_zip_member_with_an_empty_name_is_no_internal_error() -> None:
    """zipfile's ZipInfo.is_dir() indexes the last character of the name (found by
    test_properties: a torch zip whose first central-directory name starts with a NUL, which
    zipfile truncates to '')."""
    import zipfile

    from test_properties import CONTAINERS

    from mlint.pickles import scan_bytes

    base = next(c for c in CONTAINERS if c.startswith(b"PK") and b"archive/data.pkl" in c)
    central = base.index(b"PK\x01\x02")
    name_at = base.index(b"archive/data.pkl", central)
    data = base[:name_at] + b"\x00" + base[name_at + 1:]
    assert "" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    rep = scan_bytes(data)
    assert "scan-error" not in rep.kinds, rep.findings
