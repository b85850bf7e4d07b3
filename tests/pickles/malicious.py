"""A malicious corpus built opcode by opcode: one case per detection class of issue 13.

Every payload would at most touch a canary file under /tmp if some loader ever ran it;
nothing here is ever loaded, and nothing imports mlint or any library (so the same builders
serve tests/data/pickles/measure_detection.py against older mlint versions).
"""

from __future__ import annotations

import io
import lzma
import struct
import tarfile
from dataclasses import dataclass
from pathlib import Path

from rawpickle import STOP, binbytes, call1, glob, proto, stack_global, u

CANARY = "/tmp/mlint-canary"


def cmd(tag: str) -> str:
    return f"touch {CANARY}-{tag}"


@dataclass(frozen=True)
class Case:
    name: str
    klass: str  # detection class (issue 13)
    data: bytes
    flavor: str | None = "sklearn"
    role: str | None = "pickled_model"


def s0(text: str) -> bytes:
    """Protocol-0 STRING (valid in every protocol)."""
    return b"S'" + text.encode() + b"'\n"


def call(module: str, name: str, *args: bytes) -> bytes:
    """module.name(*args) via GLOBAL, MARK, TUPLE, REDUCE."""
    return glob(module, name) + b"(" + b"".join(args) + b"tR"


def p2(body: bytes) -> bytes:
    return proto(2) + body + STOP


# ---------------------------------------------------------------------------------------
# joblib and .npy framing


def _dtype(descr: str, state: bytes | None) -> bytes:
    out = glob("numpy", "dtype") + s0(descr) + b"\x89\x88\x87R"  # dtype(descr, False, True)
    return out + (state + b"b" if state is not None else b"")


def _state(byteorder: str, elsize: int, alignment: int, flags: int) -> bytes:
    # (3, byteorder, None, None, None, elsize, alignment, flags) as MARK ... TUPLE
    return (b"(K\x03" + s0(byteorder) + b"NNN" + b"J" + struct.pack("<i", elsize)
            + b"J" + struct.pack("<i", alignment) + b"J" + struct.pack("<i", flags) + b"t")


def joblib_wrapper(dtype: bytes, shape: int) -> bytes:
    """NumpyArrayWrapper(...) with its state, ending at the BUILD after which joblib reads
    the array (raw bytes, or a nested pickle when the dtype has objects)."""
    return (glob("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + b"}("
            + s0("subclass") + glob("numpy", "ndarray")
            + s0("shape") + b"K" + bytes([shape]) + b"\x85"
            + s0("order") + s0("C")
            + s0("dtype") + dtype
            + s0("allow_mmap") + b"\x89"
            + b"ub")


def npy(descr: str, payload: bytes, shape: str = "(1,)") -> bytes:
    header = f"{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}"
    pad = 64 - (10 + len(header) + 1) % 64
    text = (header + " " * pad + "\n").encode()
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


def lzma_alone(data: bytes, dict_size: int) -> bytes:
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size}]
    return lzma.compress(data, format=lzma.FORMAT_ALONE, filters=filters)


def legacy_torch_tar(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (("sys_info", p2(b"}")), ("pickle", payload), ("storages", p2(b"K\x00")),
                           ("tensors", p2(b"K\x00"))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _padded_payload(length: int, tag: str) -> bytes:
    """GLOBAL os.system + REDUCE + POP, padded with NONE/POP pairs to exactly `length`."""
    base = glob("os", "system") + b"(" + s0(cmd(tag)) + b"tR0"
    if (length - len(base)) % 2:
        base = glob("os", "system") + b"(" + s0(cmd(tag) + " ") + b"tR0"
    rest = length - len(base)
    assert rest >= 0, rest
    return base + b"N0" * (rest // 2)


# ---------------------------------------------------------------------------------------


def cases() -> list[Case]:
    system = p2(call("os", "system", s0(cmd("plain"))))
    out = [
        Case("control-os-system", "denylist", system),
        # 1. a called global on neither list (was only a warning, exit 0)
        Case("unlisted-pydoc-pipepager", "unlisted callable",
             p2(call("pydoc", "pipepager", s0("x"), s0(cmd("pydoc"))))),
        Case("unlisted-osx-read-output", "unlisted callable",
             p2(call("_osx_support", "_read_output", s0(cmd("osx"))))),
        Case("unlisted-numpy2-savetxt", "unlisted callable",
             p2(call("numpy.lib._npyio_impl", "savetxt", s0(CANARY), b"]"))),
        Case("unlisted-open-memmap", "unlisted callable",
             p2(call("numpy.lib.format", "open_memmap", s0(CANARY), s0("w+")))),
        Case("unlisted-logging-fileconfig", "unlisted callable",
             p2(call("logging.config", "fileConfig", s0(CANARY)))),
        # 2. allowlisted (through wildcards) callables that write, load or evaluate
        Case("allowed-numpy-memmap-w", "allowlisted dangerous",
             p2(call("numpy", "memmap", s0(CANARY), glob("numpy", "uint8"), s0("w+"), b"K\x00",
                     b"K\x01\x85"))),
        Case("allowed-pandas-eval", "allowlisted dangerous",
             p2(call("pandas.core.computation.eval", "eval",
                     s0("@__import__('os').system('true')")))),
        Case("allowed-sklearn-testing-script", "allowlisted dangerous",
             p2(call("sklearn.utils._testing", "assert_run_python_script_without_output",
                     s0("import os; os.system('true')")))),
        Case("allowed-mlflow-load-model", "allowlisted dangerous",
             p2(call("mlflow.pyfunc", "load_model", s0(CANARY))), "python_function", "data"),
        Case("allowed-mlflow-code-paths", "allowlisted dangerous",
             p2(call("mlflow.pyfunc", "_add_code_from_conf_to_system_path", s0(CANARY), b"}")),
             "python_function", "data"),
        Case("allowed-torch-save", "allowlisted dangerous",
             p2(call("torch", "save", b"}", s0(CANARY))), "pytorch", "data"),
        Case("allowed-patsy-formula", "allowlisted dangerous",
             p2(call("patsy.highlevel", "dmatrix", s0("I(__import__('os').system('true'))"))),
             "statsmodels", "data"),
        # 3. re-exports under an allowlisted package (attrgetter('system')(sklearn.base.os))
        Case("reexport-attrgetter-os", "re-export",
             p2(glob("sklearn.pipeline", "attrgetter") + b"(" + s0("system") + b"tR"
                + b"(" + glob("sklearn.base", "os") + b"tR" + b"(" + s0(cmd("reexport")) + b"tR")),
        Case("reexport-import-module", "re-export",
             p2(call("pandas.core.frame", "import_module", s0("os")))),
        # 4. builtins.getattr beyond the two shapes pickle writes
        Case("getattr-dunder", "getattr",
             p2(call("builtins", "getattr", glob("sklearn.base", "BaseEstimator"),
                     s0("__init__")))),
        Case("getattr-method-write", "getattr",
             p2(call("builtins", "getattr", glob("numpy", "ndarray"), s0("tofile"))
                + b"(" + s0(CANARY) + b"tR")),
        Case("getattr-bound-method-via-partial", "getattr",
             p2(glob("functools", "partial") + b"("
                + call("builtins", "getattr", call("pathlib", "PosixPath", s0(CANARY)),
                       s0("write_text"))
                + s0("payload") + b"tR" + b")R")),
        # 5. a by-value function called while loading, where code is otherwise expected
        Case("code-called-at-load", "code called",
             p2(call("cloudpickle.cloudpickle", "_make_function", b"N", b"}", b"N", b"N")
                + b"(" + s0(cmd("code")) + b"tR"), "pytorch", "cloudpickle"),
        # 6. parser differentials (object arrays hidden from the scanner)
        Case("npy-descr-object-word", "parser differential", npy("'object'", system)),
        Case("npy-descr-repeat-2O", "parser differential", npy("'2O'", system)),
        Case("npy-descr-tuple-subarray", "parser differential", npy("('O', (2,))", system)),
        Case("npy-descr-shape-prefix", "parser differential", npy("'(2,)O'", system)),
        Case("npy-descr-commastring", "parser differential", npy("'f8,O'", system)),
        Case("npy-descr-unknown", "parser differential", npy("'q8x'", system)),
        Case("joblib-void-flags-hasobject", "parser differential",
             proto(2) + joblib_wrapper(_dtype("V8", _state("|", 8, 1, 63)), 1)
             + p2(call("os", "system", s0(cmd("jobv")))) + STOP),
        Case("joblib-f8-elsize-64", "parser differential",
             proto(2) + joblib_wrapper(_dtype("f8", _state("<", 64, -1, 0)), 1)
             + b"\x00" * 8 + _padded_payload(56, "jobf") + b"N" + STOP),
        # 7. containers the sniffer did not recognise
        Case("lzma-custom-dict", "format", lzma_alone(system, 0x10100)),
        Case("protocol0-int-bool", "format",
             b"I01\n0" + call("os", "system", s0(cmd("int"))) + STOP, None, None),
        Case("protocol0-int-octal", "format",
             b"I010\n0" + call("os", "system", s0(cmd("oct"))) + STOP, None, None),
        Case("protocol0-int-hex", "format",
             b"I0x1f\n0" + call("os", "system", s0(cmd("hex"))) + STOP, None, None),
        Case("legacy-torch-tar", "format", legacy_torch_tar(system), "pytorch", "data"),
        Case("gzip-in-xz", "format", lzma.compress(__import__("gzip").compress(system))),
        Case("binbytes-wrapped", "control", proto(2) + binbytes(b"x") + b"0"
             + call1(stack_global("subprocess", "Popen"), u("true")) + STOP),
    ]
    return out


# ---------------------------------------------------------------------------------------
# Folder-level cases: where a payload sits (rules see these through pickle_targets).

SKLEARN_MLMODEL = """flavors:
  python_function:
    env:
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
mlflow_version: 2.22.0
model_size_bytes: 10
model_uuid: 0123456789abcdef0123456789abcdef
"""
BENIGN = p2(b"}")  # an empty dict


def _model(folder: Path, **files: bytes) -> None:
    folder.mkdir(parents=True)
    (folder / "MLmodel").write_text(SKLEARN_MLMODEL)
    (folder / "model.pkl").write_bytes(BENIGN)
    for rel, data in files.items():
        path = folder / rel.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def build_folders(root: Path) -> list[str]:
    """Write one model folder or tracking tree per placement/format class under `root`;
    returns their names. Each holds exactly one payload."""
    system = p2(call("os", "system", s0(cmd("folder"))))
    _model(root / "unref-lzma-custom-dict", weights_bin=lzma_alone(system, 0x10100))
    _model(root / "unref-protocol0-hex-int",
           extra_bin=b"I0x1f\n0" + call("os", "system", s0(cmd("hex"))) + STOP)
    _model(root / "unref-legacy-torch-tar", ckpt_tar=legacy_torch_tar(system))
    _model(root / "unref-npy-object-word", arr_npy=npy("'object'", system))
    _model(root / "nested-empty-mlmodel", sub__MLmodel=b"", sub__evil_pkl=system)
    (root / "empty-mlmodel").mkdir()
    (root / "empty-mlmodel" / "MLmodel").write_bytes(b"")
    (root / "empty-mlmodel" / "evil.pkl").write_bytes(system)
    run = root / "run-artifacts" / "mlruns" / "1" / "0123456789abcdef0123456789abcdef"
    (run / "artifacts" / "data").mkdir(parents=True)
    (run / "artifacts" / "data" / "evil.pkl").write_bytes(system)
    (run / "meta.yaml").write_text(
        "artifact_uri: file:///x/mlruns/1/0123456789abcdef0123456789abcdef/artifacts\n"
        "end_time: 2\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\n"
        "run_id: 0123456789abcdef0123456789abcdef\nrun_name: r\nrun_uuid: "
        "0123456789abcdef0123456789abcdef\nsource_name: ''\nsource_type: 4\n"
        "source_version: ''\nstart_time: 1\nstatus: 3\ntags: []\nuser_id: u\n")
    (run.parent / "meta.yaml").write_text(
        "artifact_location: file:///x/mlruns/1\nexperiment_id: '1'\nlifecycle_stage: active\n"
        "name: e\n")
    return sorted(p.name for p in root.iterdir())
