"""Hypothesis strategies: random bytes, mutated real files, YAML/JSON values, schema instances."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import strategies as st

from mlint import schemas
from tests.robustness.corpus import seed_files

SEEDS = seed_files()
TEXT_SEEDS = [s for s in SEEDS if not s[0].endswith(".pkl")]

# Scalars that have broken YAML/JSON consumers before: huge ints, NaN, odd floats, dates.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from([
        "", " ", "-1", "0", "1e999", "NaN", "null", "~", "true", "None", "2026-13-45",
        "m-" + "0" * 32, "/", "../../etc/passwd", "C:\\model\\model.pkl", "\u202e", "\x00",
        10**40, -(2**63), 2**64, 1e308, -0.0,
    ]),
)

JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=20,
)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[tuple[str, bytes]] = SEEDS) -> bytes:
    """A real file, truncated, bit-flipped, spliced or with bytes inserted/deleted."""
    _, data = draw(st.sampled_from(seeds))
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "splice", "dup"]))
        pos = draw(st.integers(0, len(buf))) if buf else 0
        if op == "truncate":
            del buf[pos:]
        elif op == "flip" and buf:
            i = min(pos, len(buf) - 1)
            buf[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=16) | st.sampled_from(
                [b"&a", b"*a", b"\n- ", b": ", b"{", b"[", b"\"", b"'", b"!!", b"\r\n", b"\xef\xbb\xbf",
                 b"\t", b"\\u0000", b"1e99999", b"0x" + b"f" * 40, b" 2001-13-01", b" !!float x",
                 b" !!timestamp 1", b" !!str", b"<<: *a", b"? ", b"%YAML 1.1\n", b"---\n"]))
        elif op == "delete":
            del buf[pos:pos + draw(st.integers(1, 32))]
        elif op == "splice":
            _, other = draw(st.sampled_from(seeds))
            cut = draw(st.integers(0, len(other)))
            buf[pos:] = other[cut:]
        elif op == "dup" and buf:
            end = min(len(buf), pos + draw(st.integers(1, 64)))
            buf[pos:pos] = buf[pos:end] * draw(st.integers(1, 4))
    return bytes(buf)


def dump(value: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(value, allow_nan=True, default=str)
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=False)


ANY_CONTENT = st.one_of(
    st.binary(max_size=512),
    mutated(),
    mutated(TEXT_SEEDS),
    st.builds(lambda v, j: dump(v, j).encode(), JSON_VALUES, st.booleans()),
)


# --- instances generated from our own JSON Schemas ----------------------------------------
# hypothesis-jsonschema does not work with the bundled draft 2020-12 schemas (urn: $refs) and
# the current hypothesis, so this is a small generator for the keywords the schemas use. It
# aims at *nearly* valid documents: mostly schema-conforming values, with a wrong type at a
# random key now and then, which is what reaches the deep branches of the rules.

def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema, root
    target, _, fragment = ref.partition("#")
    if target:
        root = schemas.load(target.removeprefix(schemas.ID_PREFIX))
    node: Any = root
    for token in [t for t in fragment.split("/") if t]:
        node = node[token]
    return _resolve(node, root)


_TYPE_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=20) | st.sampled_from(["double", "string", "tensor", "float32", "-1"]),
    "integer": st.integers(-5, 10**13),
    "number": st.floats(allow_nan=False) | st.integers(),
    "boolean": st.booleans(),
    "null": st.none(),
}


def from_schema(schema: Any, root: dict[str, Any] | None = None, depth: int = 0) -> st.SearchStrategy[Any]:
    if not isinstance(schema, dict) or depth > 8:
        return JSON_VALUES
    root = root if root is not None else schema
    schema, root = _resolve(schema, root)
    nested = lambda s: from_schema(s, root, depth + 1)  # noqa: E731
    wrong = JSON_VALUES  # a value of any type, usually the wrong one
    if "const" in schema:
        return st.just(schema["const"]) | wrong if depth else st.just(schema["const"])
    if isinstance(schema.get("enum"), list):
        return st.sampled_from(schema["enum"]) | wrong
    branches = [b for key in ("anyOf", "oneOf") for b in schema.get(key, []) if isinstance(b, dict)]
    branches += [b for key in ("then", "else") if isinstance(schema.get(key), dict)
                 for b in [{**{k: v for k, v in schema.items() if k not in ("if", "then", "else")},
                            **schema[key]}]]
    for part in schema.get("allOf", []):
        if isinstance(part, dict) and "properties" in part:
            branches.append({**schema, **part, "allOf": []})
    if branches:
        return st.one_of([nested(b) for b in branches])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([nested({**schema, "type": k}) for k in kind])
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = [k for k in schema.get("required", []) if k in props]

        @st.composite
        def obj(draw: st.DrawFn) -> dict[str, Any]:
            keys = required + [k for k in props if k not in required and draw(st.booleans())]
            out = {k: draw(nested(props[k]) if draw(st.integers(0, 9)) else wrong) for k in keys}
            if draw(st.integers(0, 5)) == 0:
                out[draw(st.text(max_size=8))] = draw(wrong)
            return out

        return obj()
    if kind == "array":
        return st.lists(nested(schema.get("items", {})), max_size=4)
    if isinstance(kind, str) and kind in _TYPE_STRATEGIES:
        return _TYPE_STRATEGIES[kind]
    return wrong


def schema_instance(name: str) -> st.SearchStrategy[Any]:
    return from_schema(schemas.load(name))
