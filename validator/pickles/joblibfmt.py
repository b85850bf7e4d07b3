"""joblib's NumpyArrayWrapper framing, read statically.

`joblib.dump` pickles a NumpyArrayWrapper (subclass, shape, order, dtype, allow_mmap,
numpy_array_alignment_bytes) in place of each ndarray, commits the pickle frame, and writes
the array right after the wrapper's BUILD opcode: one padding-length byte plus that many
0xff bytes when the alignment attribute is set (joblib >= 1.2), then the raw C/F-ordered
data, prod(shape) * itemsize bytes. Object arrays are instead a complete nested pickle
stream at that position. `NumpyUnpickler.load_build` reads them at exactly that point, so
the walk must skip the same bytes and resume (a naive walk stops at the first buffer and
never sees payloads after it).
"""

from __future__ import annotations

import re
from typing import Any

from .opcodes import Truncated
from .stream import Reader
from .values import GlobalVal, Map, Obj

_WRAPPER_MODULES = frozenset(
    {"joblib.numpy_pickle", "sklearn.externals.joblib.numpy_pickle"}
)
# What numpy's dtype.__reduce__ writes: a kind letter and (mostly) the item size ('f8',
# 'O8', 'V16', 'U3', 'M8'). Anything else is not what joblib writes: not guessed, refused.
_DESCR = re.compile(r"^[<>|=]?([?bBhHiIqQefdgFDGSUVOMmuca])(\d*)$")
# Sizes that do not depend on the platform (no 'l', 'L', 'p', 'P', 'g', 'G' without digits).
_FIXED = {"?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "q": 8, "Q": 8, "e": 2,
          "f": 4, "d": 8, "F": 8, "D": 16, "M": 8, "m": 8}
# Flexible kinds: numpy's dtype.__setstate__ honours the pickled elsize and flags for these
# (verified with numpy 2.4: 'V8' + flags 63 -> hasobject; 'f8' ignores both).
_FLEXIBLE = frozenset("SUVa")
_NPY_ITEM_HASOBJECT = 0x01


class JoblibFrameError(Exception):
    """The wrapper's metadata cannot be read statically, so the data length is unknown."""

    def __init__(self, offset: int, msg: str) -> None:
        super().__init__(f"{msg} at offset {offset}")
        self.offset = offset


def wrapper_class(module: str, name: str) -> bool:
    return name == "NumpyArrayWrapper" and module in _WRAPPER_MODULES


def _is_dtype(v: Any) -> bool:
    return (isinstance(v, Obj) and isinstance(v.func, GlobalVal) and v.func.name == "dtype"
            and v.func.module.split(".")[0] == "numpy")


def _dtype_info(v: Any, off: int) -> tuple[int, bool]:
    """(itemsize, hasobject) of a symbolic numpy.dtype(descr, align, copy) + BUILD state, as
    numpy would compute them after `__setstate__` (which joblib's reader then trusts)."""
    if not _is_dtype(v):
        raise JoblibFrameError(off, "joblib array dtype is not a numpy.dtype reconstruction")
    args = v.args
    descr = args[0] if isinstance(args, tuple) and args else None
    if not isinstance(descr, str):
        raise JoblibFrameError(off, "joblib array dtype has no constant type string")
    m = _DESCR.match(descr)
    if m is None:
        raise JoblibFrameError(off, f"unrecognised dtype {descr!r}")
    char, digits = m.group(1), m.group(2)
    if char == "O":
        return 8, True  # numpy forces hasobject for 'O' whatever the state says
    state = v.state
    flexible = char in _FLEXIBLE
    elsize, flags, structural = -1, None, False
    if state is not None:
        if not isinstance(state, tuple) or len(state) < 8:
            raise JoblibFrameError(off, "dtype state is not numpy's 8/9-tuple")
        elsize, flags = state[5], state[7]
        if not isinstance(elsize, int) or not isinstance(flags, int):
            raise JoblibFrameError(off, "dtype state elsize/flags are not constant ints")
        structural = _fields_have_object(state[4], off) or _subarray_has_object(state[2], off)
    if flexible:
        hasobject = flags is not None and bool(flags & _NPY_ITEM_HASOBJECT)
        if structural and not hasobject:
            # numpy then believes the fields hold no objects and joblib reads raw bytes as
            # object pointers: not a load anyone can reason about statically.
            raise JoblibFrameError(off, "dtype has object fields but its flags deny it")
        if hasobject:
            return 8, True
        if elsize > 0:
            return elsize, False
        if digits:
            return int(digits) * (4 if char == "U" else 1), False
        raise JoblibFrameError(off, f"cannot size flexible dtype {descr!r}")
    if structural:
        raise JoblibFrameError(off, f"fixed-size dtype {descr!r} with structured state")
    if digits:
        if char not in _FIXED and char not in "iufcb":
            raise JoblibFrameError(off, f"cannot size dtype {descr!r}")
        return int(digits), False
    if char in _FIXED:
        return _FIXED[char], False
    raise JoblibFrameError(off, f"cannot size dtype {descr!r}")


def _fields_have_object(fields: Any, off: int) -> bool:
    if fields is None:
        return False
    if not isinstance(fields, Map):
        raise JoblibFrameError(off, "structured dtype fields are not a plain dict")
    if fields.count > len(fields.items):
        raise JoblibFrameError(off, "structured dtype with too many fields to inspect")
    return any(isinstance(spec, tuple) and spec and _dtype_info(spec[0], off)[1]
               for _, spec in fields.items)


def _subarray_has_object(sub: Any, off: int) -> bool:
    if sub is None:
        return False
    if not isinstance(sub, tuple) or not sub:
        raise JoblibFrameError(off, "dtype subarray state is not (dtype, shape)")
    return _dtype_info(sub[0], off)[1]


def skip_wrapper_payload(r: Reader, state: Any, off: int) -> bool:
    """Skip the raw buffer after a wrapper's BUILD. True if a nested pickle follows instead."""
    if not isinstance(state, Map):
        raise JoblibFrameError(off, "NumpyArrayWrapper state is not a plain dict")
    shape = state.get("shape")
    if not isinstance(shape, tuple) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise JoblibFrameError(off, "NumpyArrayWrapper shape is not a tuple of constant ints")
    itemsize, hasobject = _dtype_info(state.get("dtype"), off)
    if hasobject:
        return True
    count = 1
    for d in shape:
        count *= d
    align = state.get("numpy_array_alignment_bytes") if state.has(
        "numpy_array_alignment_bytes") else None
    if align is not None:
        if not isinstance(align, int):
            raise JoblibFrameError(off, "alignment attribute is not an int")
        pad = r.byte()
        if pad < 0 or r.skip(pad) < pad:
            raise Truncated(r.pos, "joblib array padding")
    size = count * itemsize
    if r.skip(size) < size:
        raise Truncated(r.pos, f"joblib array data ({size} bytes expected)")
    return False
