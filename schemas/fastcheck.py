"""An exact "is this instance valid?" check, compiled from the bundled schemas.

jsonschema's validator is pure Python and walks its keyword table for every node; on a tree of
10k runs it costs ~1 ms per run, for files that are almost always valid (every run's
`meta.yaml` and every `MLmodel` differ, so the instance memo does not help). This module
compiles each schema once into nested closures for the keywords the bundled schemas use,
mirroring jsonschema's semantics (types, its equality for `const`/`enum`, NaN and `minimum`,
`if`/`then`/`else`, `$ref` across the bundled schemas), and answers one question: valid or
not?

`best_errors` uses it one way only: "valid" returns no errors at once; "invalid" runs
jsonschema, which produces the errors as before. So a schema this module cannot compile (a
keyword outside `_KEYWORDS`, a `$ref` it cannot resolve) simply is not compiled, and the only
possible defect is a "valid" that jsonschema would not give:
`tests/schemas/test_fastcheck.py` compares both on real MLflow files and generated mutations.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that only annotate: they never make an instance invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description",
                          "default", "examples", "x-mlint-message", "deprecated"})
_KEYWORDS = frozenset({"type", "properties", "required", "const", "enum", "minLength", "maxLength",
                       "anyOf", "allOf", "not", "if", "then", "else", "additionalProperties",
                       "$ref", "items", "pattern", "minimum", "minProperties", "minItems"})


class Unsupported(Exception):
    """The schema uses something this module does not compile: use jsonschema alone."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    # jsonschema counts 1.0 as an integer; so do we (finite floats with no fraction).
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and math.isfinite(v) and v.is_integer()),
}


def _equal(a: Any, b: Any) -> bool:
    """jsonschema's equality (`jsonschema._utils.equal`): == except that booleans never equal
    numbers, recursively through lists and mappings."""
    if a is b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return bool(a == b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(k in b and _equal(v, b[k]) for k, v in a.items())
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


class _Compiler:
    def __init__(self, load: Callable[[str], dict[str, Any]], prefix: str) -> None:
        self.load = load
        self.prefix = prefix
        self.compiled: dict[tuple[str, str], Check] = {}

    def ref(self, document: str, ref: str) -> Check:
        target, _, pointer = ref.partition("#")
        if target:
            if not target.startswith(self.prefix):
                raise Unsupported(ref)
            document = target[len(self.prefix):].removesuffix(".json")
        key = (document, pointer)
        if key not in self.compiled:
            slot: list[Check] = []
            self.compiled[key] = lambda v: slot[0](v)  # recursion goes through the slot
            slot.append(self.schema(document, _resolve(self.load(document), pointer)))
        return self.compiled[key]

    def schema(self, document: str, schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks = [self.keyword(document, schema, name) for name in sorted(schema)
                  if name in _KEYWORDS and name not in ("then", "else")]
        return _conjunction(checks)

    def keyword(self, document: str, schema: dict[str, Any], name: str) -> Check:
        value = schema[name]
        sub = functools.partial(self.schema, document)
        if name == "type":
            names = value if isinstance(value, list) else [value]
            if not all(isinstance(n, str) and n in _TYPES for n in names):
                raise Unsupported(f"type {value!r}")
            tests = [_TYPES[n] for n in names]
            if len(tests) == 1:
                return tests[0]
            first, second, *rest = tests
            return lambda v: first(v) or second(v) or any(test(v) for test in rest)
        if name == "properties":
            props = [(key, sub(s)) for key, s in value.items()]

            def properties(v: Any) -> bool:
                if isinstance(v, dict):
                    for key, check in props:
                        if key in v and not check(v[key]):
                            return False
                return True
            return properties
        if name == "additionalProperties":
            known = frozenset(schema.get("properties", {}))
            extra = sub(value)
            return lambda v: not isinstance(v, dict) or all(
                extra(item) for key, item in v.items() if key not in known)
        if name == "required":
            keys = list(value)
            return lambda v: not isinstance(v, dict) or all(key in v for key in keys)
        if name == "const":
            return lambda v: _equal(v, value)
        if name == "enum":
            options = list(value)
            return lambda v: any(_equal(v, option) for option in options)
        if name in ("minLength", "maxLength"):
            bound = value
            if name == "minLength":
                return lambda v: not isinstance(v, str) or len(v) >= bound
            return lambda v: not isinstance(v, str) or len(v) <= bound
        if name == "pattern":
            regex = re.compile(value)
            return lambda v: not isinstance(v, str) or regex.search(v) is not None
        if name == "minimum":
            return lambda v: not _is_number(v) or not v < value  # NaN passes, as in jsonschema
        if name == "minProperties":
            return lambda v: not isinstance(v, dict) or len(v) >= value
        if name == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= value
        if name == "items":
            item = sub(value)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        if name == "anyOf":
            options = [sub(s) for s in value]
            return lambda v: any(option(v) for option in options)
        if name == "allOf":
            return _conjunction([sub(s) for s in value])
        if name == "not":
            inner = sub(value)
            return lambda v: not inner(v)
        if name == "if":
            condition, then = sub(value), sub(schema.get("then", True))
            otherwise = sub(schema.get("else", True))
            return lambda v: then(v) if condition(v) else otherwise(v)
        if name == "$ref":
            return self.ref(document, value)
        raise Unsupported(name)  # pragma: no cover - _KEYWORDS and this table agree


def _conjunction(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]

    def every(v: Any) -> bool:  # a loop, not all(<generator>): this is the hot path
        for check in checks:  # noqa: SIM110
            if not check(v):
                return False
        return True
    return every


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for token in [t for t in pointer.split("/") if t]:
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            raise Unsupported(pointer)
        node = node[token]
    return node


def compile_valid(name: str, load: Callable[[str], dict[str, Any]], prefix: str) -> Check | None:
    """The compiled check for schema `name`, or None when it uses something not compiled."""
    try:
        return _Compiler(load, prefix).ref(name, "#")
    except Unsupported:
        return None
