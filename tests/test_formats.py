"""mlint.reading.formats: the cheap structure checks behind MLM130-MLM133, on the real MLflow-written
flavor files (tests/data/flavors) and on every truncation of them."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from mlint.reading import formats, wireformats
from mlint.reading.formats import OK, TRUNCATED, WRONG, Reader, Verdict, check_file

FLAVORS = Path(__file__).resolve().parent / "data" / "flavors" / "3.17.2"

REAL = [
    ("lightgbm_booster/model.lgb", formats.lightgbm_text),
    ("xgboost_ubj/model.ubj", wireformats.ubjson_object),
    ("xgboost_json/model.json", formats.json_document),
    ("catboost_classifier/model.cb", formats.catboost_binary),
    ("onnx_external_data/model.onnx", wireformats.onnx_model),
    ("pytorch_pt2/data/model.pt2", formats.zip_archive),
    ("pytorch_pickle/data/model.pth", formats.zip_archive),
    ("pytorch_torchscript/data/model.pth", formats.zip_archive),
    ("keras_v3/data/model.keras", formats.zip_archive),
    ("spacy_textcat/model.spacy/meta.json", formats.json_document),
    ("tensorflow_keras/data/model.keras", formats.zip_archive),
    ("tensorflow_keras_h5/data/model.h5", formats.hdf5_file),
    ("spacy_textcat/model.spacy/tokenizer", wireformats.msgpack_value),
    ("spacy_textcat/model.spacy/textcat/model", wireformats.msgpack_value),
]


def _verdict(tmp_path: Path, data: bytes, check: Callable[[Reader], Verdict]) -> Verdict:
    path = tmp_path / "f"
    path.write_bytes(data)
    verdict = check_file(path, tmp_path, check)
    assert isinstance(verdict, Verdict)
    return verdict


@pytest.mark.parametrize(("rel", "check"), REAL, ids=[r for r, _ in REAL])
def test_real_files_are_whole(rel: str, check: Callable[[Reader], Verdict]) -> None:
    verdict = check_file(FLAVORS / rel, FLAVORS, check)
    assert isinstance(verdict, Verdict) and verdict.state == OK, verdict


@pytest.mark.parametrize(("rel", "check"), REAL, ids=[r for r, _ in REAL])
def test_every_cut_of_a_real_file_is_reported(rel: str, check: Callable[[Reader], Verdict],
                                              tmp_path: Path) -> None:
    """Cut the file at 40 places (always keeping its magic): each cut is truncated (or, for
    a cut that leaves no recognisable start, the wrong format), never OK."""
    data = (FLAVORS / rel).read_bytes()
    cuts = sorted({max(8, len(data) * i // 40) for i in range(1, 40)} | {len(data) - 1})
    for cut in cuts:
        verdict = _verdict(tmp_path, data[:cut], check)
        assert verdict.state in (TRUNCATED, WRONG), (cut, len(data), verdict)


def test_onnx_names_its_external_data() -> None:
    verdict = check_file(FLAVORS / "onnx_external_data" / "model.onnx", FLAVORS, wireformats.onnx_model)
    assert isinstance(verdict, Verdict)
    [(location, needed)] = verdict.needs
    assert (FLAVORS / "onnx_external_data" / location).stat().st_size == needed == 1600


def test_zip64_and_empty_archives(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, archive.open("a.bin", "w", force_zip64=True) as member:
        member.write(b"x" * 100)
    assert _verdict(tmp_path, buffer.getvalue(), formats.zip_archive).state == OK
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    assert _verdict(tmp_path, empty.getvalue(), formats.zip_archive).state == OK
    assert _verdict(tmp_path, b"\x80\x04K\x01.", formats.zip_archive).state == WRONG


def test_wrong_formats(tmp_path: Path) -> None:
    ubj = (FLAVORS / "xgboost_ubj" / "model.ubj").read_bytes()
    text = (FLAVORS / "xgboost_json" / "model.json").read_bytes()
    assert _verdict(tmp_path, text, wireformats.ubjson_object).state == WRONG
    assert _verdict(tmp_path, ubj, formats.json_document).state == WRONG
    assert _verdict(tmp_path, text, formats.lightgbm_text).state == WRONG
    assert _verdict(tmp_path, text, formats.catboost_binary).state == WRONG
    assert _verdict(tmp_path, text, wireformats.onnx_model).state == WRONG
    assert _verdict(tmp_path, b"tree\nversion=v4\n", wireformats.onnx_model).state == WRONG
    assert _verdict(tmp_path, b'{"a": 1,, }', formats.json_document).state == WRONG
    assert _verdict(tmp_path, json.dumps({"a": [1] * 10}).encode(), formats.json_document).state == OK


def test_hdf5_superblock_end_of_file(tmp_path: Path) -> None:
    """Superblock version 0 (what h5py writes by default) and version 2, built from the HDF5
    file format specification: the end-of-file address must fit the file."""
    def v0(eof: int) -> bytes:
        head = formats.HDF5_MAGIC + bytes([0, 0, 0, 0, 0, 8, 8, 0]) + b"\x04\x00\x10\x00" + b"\0" * 4
        return head + (0).to_bytes(8, "little") + (2**64 - 1).to_bytes(8, "little") + \
            eof.to_bytes(8, "little") + (2**64 - 1).to_bytes(8, "little")

    def v2(eof: int) -> bytes:
        head = formats.HDF5_MAGIC + bytes([2, 8, 8, 0])
        return head + (0).to_bytes(8, "little") + (2**64 - 1).to_bytes(8, "little") + \
            eof.to_bytes(8, "little") + (48).to_bytes(8, "little") + b"\0" * 4

    for build in (v0, v2):
        whole = build(200).ljust(200, b"\0")
        assert _verdict(tmp_path, whole, formats.hdf5_file).state == OK
        assert _verdict(tmp_path, whole[:150], formats.hdf5_file).state == TRUNCATED
        assert _verdict(tmp_path, whole[:20], formats.hdf5_file).state == TRUNCATED
    assert _verdict(tmp_path, b"PK\x03\x04rest", formats.hdf5_file).state == WRONG


def test_special_files_are_never_opened(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe")
    assert not isinstance(check_file(tmp_path / "pipe", tmp_path, formats.zip_archive), Verdict)


def test_zip_names_and_keras_archives(tmp_path: Path) -> None:
    real = FLAVORS / "keras_v3" / "data" / "model.keras"
    reader = formats.open_reader(real, FLAVORS)
    assert isinstance(reader, Reader)
    try:
        assert sorted(formats.zip_names(reader) or []) == [
            "config.json", "metadata.json", "model.weights.h5"]
        assert formats.keras_archive(reader).state == OK
    finally:
        import os

        os.close(reader.fd)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", "{}")
    assert _verdict(tmp_path, buffer.getvalue(), formats.keras_archive).state == WRONG
