"""Structure walks of the two model formats whose completeness only their framing tells:
UBJSON (xgboost `.ubj`) and protobuf (ONNX `ModelProto`). Lengths and markers are followed,
values are skipped; nothing is decoded into objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlint.reading.formats import (
    HDF5_MAGIC,
    MAX_PARSE_BYTES,
    OK,
    TRUNCATED,
    WRONG,
    ZIP_LOCAL,
    Reader,
    Verdict,
)

# --- UBJSON (xgboost .ubj) --------------------------------------------------------------------


_UBJ_INT = {b"i": (1, True), b"U": (1, False), b"I": (2, True), b"l": (4, True),
            b"L": (8, True)}
_UBJ_FIXED = {b"Z": 0, b"N": 0, b"T": 0, b"F": 0, b"C": 1, b"d": 4, b"D": 8,
              **{k: w for k, (w, _) in _UBJ_INT.items()}}


class _UbjCut(Exception):
    pass


def _ubj_walk(data: bytes) -> int:
    """Walk one UBJSON value from offset 0; returns where it ends (raises _UbjCut when the data
    ends inside it, ValueError when a byte is no UBJSON marker)."""

    def need(pos: int, count: int) -> None:
        if pos + count > len(data):
            raise _UbjCut()

    def integer(pos: int) -> tuple[int, int]:
        need(pos, 1)
        spec = _UBJ_INT.get(data[pos:pos + 1])
        if spec is None:
            raise ValueError(f"no integer marker at byte {pos}")
        need(pos + 1, spec[0])
        value = int.from_bytes(data[pos + 1:pos + 1 + spec[0]], "big", signed=spec[1])
        if value < 0:
            raise ValueError(f"negative length at byte {pos}")
        return value, pos + 1 + spec[0]

    # stack entries: [is_object, remaining count or -1, element type or None, expecting key]
    stack: list[list[Any]] = []
    pos = 0
    while True:
        if stack:
            top = stack[-1]
            if top[1] == 0:
                stack.pop()
                if not stack:
                    return pos
                continue
            if top[1] < 0:
                need(pos, 1)
                if data[pos:pos + 1] == (b"}" if top[0] else b"]"):
                    stack.pop()
                    pos += 1
                    if not stack:
                        return pos
                    continue
            if top[0] and top[3]:
                length, pos = integer(pos)
                need(pos, length)
                pos += length
                top[3] = False
                continue
            if top[1] > 0:
                top[1] -= 1
            if top[0]:
                top[3] = True
            marker = top[2]
            if marker is None:
                need(pos, 1)
                marker, pos = data[pos:pos + 1], pos + 1
        else:
            need(pos, 1)
            marker, pos = data[pos:pos + 1], pos + 1
        if marker in _UBJ_FIXED:
            need(pos, _UBJ_FIXED[marker])
            pos += _UBJ_FIXED[marker]
        elif marker in (b"S", b"H"):
            length, pos = integer(pos)
            need(pos, length)
            pos += length
        elif marker in (b"[", b"{"):
            element, count = None, -1
            need(pos, 1)
            if data[pos:pos + 1] == b"$":
                need(pos + 1, 1)
                element, pos = data[pos + 1:pos + 2], pos + 2
                need(pos, 1)
                if data[pos:pos + 1] != b"#":
                    raise ValueError(f"'$' without '#' at byte {pos}")
            if data[pos:pos + 1] == b"#":
                count, pos = integer(pos + 1)
                if element is not None and element in _UBJ_FIXED and element not in (b"[", b"{"):
                    width = _UBJ_FIXED[element]
                    if marker == b"[":  # a typed array of fixed-width values: skip it whole
                        need(pos, width * count)
                        pos += width * count
                        if not stack:
                            return pos
                        continue
            stack.append([marker == b"{", count, element, marker == b"{"])
            continue
        else:
            raise ValueError(f"no UBJSON marker at byte {pos - 1}")
        if not stack:
            return pos


def ubjson_object(r: Reader) -> Verdict:
    """xgboost's UBJSON model: one `{` object (xgboost checks the first byte), whole."""
    head = r.read(0, 2)
    if head[:1] != b"{" or head[1:2] in (b'"', b"\n", b" ", b"\r", b"\t", b"}"):
        return Verdict(WRONG, "not a UBJSON object (xgboost's .ubj format)")
    if r.size > MAX_PARSE_BYTES:
        return Verdict(OK) if r.tail(1) == b"}" else Verdict(
            TRUNCATED, "the UBJSON object does not end with '}'")
    try:
        _ubj_walk(r.read(0, r.size))
    except _UbjCut:
        return Verdict(TRUNCATED, "the UBJSON object ends early")
    except ValueError as exc:
        return Verdict(WRONG, f"not valid UBJSON ({exc})")
    return Verdict(OK)


# --- ONNX (protobuf ModelProto) ---------------------------------------------------------------

_GRAPH, _OPSET_IMPORT, _INITIALIZER, _SPARSE_INITIALIZER = 7, 8, 5, 15
_EXTERNAL_DATA, _DATA_LOCATION = 13, 14


class _Cut(Exception):
    """The protobuf stream ends inside a field."""


class _Bad(Exception):
    """The bytes are not a protobuf message."""


def _varint(r: Reader, pos: int, end: int) -> tuple[int, int]:
    raw = r.read(pos, min(10, end - pos))
    value = 0
    for i, byte in enumerate(raw):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, pos + i + 1
    if len(raw) == 10:
        raise _Bad("a varint is longer than 10 bytes")
    raise _Cut()


def _fields(r: Reader, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or payload offset, payload length) of one message."""
    pos = start
    while pos < end:
        key, pos = _varint(r, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Bad("field number 0")
        if wire == 0:
            value, pos = _varint(r, pos, end)
            yield number, wire, value, 0
        elif wire == 2:
            length, pos = _varint(r, pos, end)
            if pos + length > end:
                raise _Cut()
            yield number, wire, pos, length
            pos += length
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > end:
                raise _Cut()
            yield number, wire, pos, width
            pos += width
        else:
            raise _Bad(f"wire type {wire}")


def _external(r: Reader, start: int, end: int) -> tuple[str, int] | None:
    """(location, offset + length) of a TensorProto stored as external data, else None."""
    entries: dict[str, str] = {}
    external = False
    for number, wire, at, length in _fields(r, start, end):
        if number == _DATA_LOCATION and wire == 0:
            external = at == 1
        elif number == _EXTERNAL_DATA and wire == 2:
            key = value = ""
            for inner, inner_wire, inner_at, inner_len in _fields(r, at, at + length):
                if inner_wire == 2 and inner in (1, 2):
                    text = r.read(inner_at, min(inner_len, 4096)).decode("utf-8", "replace")
                    key, value = (text, value) if inner == 1 else (key, text)
            entries[key] = value
    if not external or "location" not in entries:
        return None
    try:
        needed = int(entries.get("offset") or 0) + int(entries.get("length") or 0)
    except ValueError:
        needed = 0
    return entries["location"], needed


def onnx_model(r: Reader) -> Verdict:
    """An ONNX ModelProto whose fields all fit the file; collects the external data files its
    graph's initializers name (onnx.load reads them from the model file's folder)."""
    if r.size == 0:
        return Verdict(TRUNCATED, "empty")
    head = r.read(0, 4)
    if head.startswith((ZIP_LOCAL, b"\x80", b"{", HDF5_MAGIC[:4])) or head[:1] not in (
            b"\x08", b"\x12", b"\x1a", b"\x22", b"\x28", b"\x32", b"\x3a", b"\x42"):
        return Verdict(WRONG, "not an ONNX model (protobuf ModelProto)")
    needs: dict[str, int] = {}
    seen: set[int] = set()
    try:
        for number, wire, at, length in _fields(r, 0, r.size):
            seen.add(number)
            if number != _GRAPH or wire != 2:
                continue
            for g_number, g_wire, g_at, g_length in _fields(r, at, at + length):
                if g_wire != 2 or g_number not in (_INITIALIZER, _SPARSE_INITIALIZER):
                    continue
                tensors = [(g_at, g_length)] if g_number == _INITIALIZER else [
                    (s_at, s_len) for s_num, s_wire, s_at, s_len in _fields(r, g_at, g_at + g_length)
                    if s_wire == 2 and s_num in (1, 2)]
                for t_at, t_len in tensors:
                    found = _external(r, t_at, t_at + t_len)
                    if found:
                        needs[found[0]] = max(needs.get(found[0], 0), found[1])
    except _Cut:
        return Verdict(TRUNCATED, "a protobuf field runs past the end of the file")
    except _Bad as exc:
        return Verdict(WRONG, f"not a valid protobuf message ({exc})")
    # onnx writes the fields in number order, graph (7) then opset_import (8): a cut between
    # two fields leaves a valid but incomplete message.
    missing = [name for number, name in ((_GRAPH, "graph"), (_OPSET_IMPORT, "opset_import"))
               if number not in seen]
    if missing:
        return Verdict(TRUNCATED, f"the model has no {' and no '.join(missing)}")
    return Verdict(OK, needs=tuple(sorted(needs.items())))


# --- msgpack (spaCy tokenizer and component weights, thinc's Model.to_bytes) --------------------

# marker → (bytes of the length/count field, fixed payload bytes, kind: v value, s sized
# payload, a array, m map)
_MSGPACK: dict[int, tuple[int, int, str]] = {
    0xC0: (0, 0, "v"), 0xC2: (0, 0, "v"), 0xC3: (0, 0, "v"),
    0xC4: (1, 0, "s"), 0xC5: (2, 0, "s"), 0xC6: (4, 0, "s"),  # bin
    0xC7: (1, 1, "s"), 0xC8: (2, 1, "s"), 0xC9: (4, 1, "s"),  # ext: length, type byte
    0xCA: (0, 4, "v"), 0xCB: (0, 8, "v"),
    0xCC: (0, 1, "v"), 0xCD: (0, 2, "v"), 0xCE: (0, 4, "v"), 0xCF: (0, 8, "v"),
    0xD0: (0, 1, "v"), 0xD1: (0, 2, "v"), 0xD2: (0, 4, "v"), 0xD3: (0, 8, "v"),
    0xD4: (0, 2, "v"), 0xD5: (0, 3, "v"), 0xD6: (0, 5, "v"), 0xD7: (0, 9, "v"), 0xD8: (0, 17, "v"),
    0xD9: (1, 0, "s"), 0xDA: (2, 0, "s"), 0xDB: (4, 0, "s"),  # str
    0xDC: (2, 0, "a"), 0xDD: (4, 0, "a"), 0xDE: (2, 0, "m"), 0xDF: (4, 0, "m"),
}


def msgpack_value(r: Reader) -> Verdict:
    """One complete msgpack value (spaCy's `tokenizer` and component `model` files)."""
    if r.size > MAX_PARSE_BYTES:
        return Verdict(OK)  # not walked; say nothing rather than guess
    data = r.read(0, r.size)
    pending, pos = 1, 0
    while pending:
        if pos >= len(data):
            return Verdict(TRUNCATED, "the msgpack data ends early")
        marker = data[pos]
        pos += 1
        pending -= 1
        if marker <= 0x7F or marker >= 0xE0:
            continue  # fixint
        if 0x80 <= marker <= 0x9F:  # fixmap, fixarray
            pending += (marker & 0x0F) * 2 if marker < 0x90 else marker & 0x0F
            continue
        if 0xA0 <= marker <= 0xBF:  # fixstr
            pos += marker & 0x1F
            continue
        spec = _MSGPACK.get(marker)
        if spec is None:
            return Verdict(WRONG, f"not msgpack (byte 0x{marker:02x} at {pos - 1})")
        width, fixed, kind = spec
        if pos + width > len(data):
            return Verdict(TRUNCATED, "the msgpack data ends early")
        count = int.from_bytes(data[pos:pos + width], "big")
        pos += width + fixed
        if kind == "s":
            pos += count
        elif kind == "a":
            pending += count
        elif kind == "m":
            pending += 2 * count
    if pos > len(data):
        return Verdict(TRUNCATED, "the msgpack data ends early")
    return Verdict(OK)
