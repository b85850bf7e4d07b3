"""Artifacts that leave a trace (a marker file, an environment variable) if anything loads them.

Every payload writes `<markers>/<name>` and sets `MLINT_CANARY_<NAME>`; the markers folder is
outside the checked tree. None of these is ever loaded by the test suite itself: the pickles
are built from raw opcodes, the modules are only written to disk.
"""

from __future__ import annotations

from pathlib import Path

from tests.robustness.corpus import MLMODEL_PYFUNC, _model_files, write_tree


def payload(markers: Path, name: str) -> str:
    return (f"import os, pathlib; os.environ['MLINT_CANARY_{name.upper()}'] = '1'; "
            f"pathlib.Path({str(markers / name)!r}).write_text('executed')")


def reduce_pickle(code: str, protocol: int = 2) -> bytes:
    """`builtins.exec(code)` via GLOBAL + REDUCE, written opcode by opcode (never pickled)."""
    body = code.encode()
    return (b"\x80" + bytes([protocol]) + b"cbuiltins\nexec\n"
            + b"X" + len(body).to_bytes(4, "little") + body + b"\x85R.")


def stack_global_pickle(code: str) -> bytes:
    """The same through STACK_GLOBAL and a memo, protocol 4 framing."""
    body = code.encode()
    inner = (b"\x8c\x08builtins\x94\x8c\x04exec\x94\x93\x94"
             + b"X" + len(body).to_bytes(4, "little") + body + b"\x85R.")
    return b"\x80\x04\x95" + len(inner).to_bytes(8, "little") + inner


SHADOWING_MODULES = ["sitecustomize.py", "usercustomize.py", "conftest.py", "yaml.py", "mlint.py",
                     "json.py", "os.py"]


def canary_model(root: Path, markers: Path) -> Path:
    """A model folder in which every file MLflow (or Python) could execute is a canary."""
    mlmodel = MLMODEL_PYFUNC.replace("loader_module: mlflow.pyfunc.model", "loader_module: canary_loader")
    mlmodel = mlmodel.replace("    python_model: python_model.pkl\n",
                              "    python_model: python_model.pkl\n    model_code_path: code/model_code.py\n")
    files: dict[str, str | bytes] = dict(_model_files(mlmodel))
    files.pop("model.pkl")
    files["python_model.pkl"] = reduce_pickle(payload(markers, "python_model"))
    files["model.pkl"] = stack_global_pickle(payload(markers, "model_pkl"))
    files["data/model.joblib"] = reduce_pickle(payload(markers, "joblib"), protocol=4)
    files["code/canary_loader.py"] = payload(markers, "loader_module") + "\n"
    files["code/model_code.py"] = payload(markers, "model_code_path") + "\n"
    files["code/__init__.py"] = payload(markers, "code_init") + "\n"
    for name in SHADOWING_MODULES:
        stem = name.split(".")[0]
        files[name] = payload(markers, stem) + "\n"
        files[f"code/{name}"] = payload(markers, "code_" + stem) + "\n"
    files["setup.py"] = payload(markers, "setup_py") + "\n"
    files["requirements.txt"] = "-e .\n./code\nmlflow==3.17.2\n"
    return write_tree(root, files)
