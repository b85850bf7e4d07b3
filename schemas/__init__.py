"""JSON Schemas describing the files MLflow writes, and their one loader.

Every schema is a draft 2020-12 document bundled as package data (`<name>.json`) with
`$id` ``https://mlint.dev/schemas/<name>.json``, self-contained: a schema that uses another
carries a copy of it in `$defs` (`mlint.schemas.bundle` keeps the copies in sync). This
module is the only place in mlint that loads them (through `importlib.resources`, so it
works from a wheel, an sdist or an editable install).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from mlint.reading.quoting import quote
from mlint.schemas.fastcheck import Check, compile_valid

if TYPE_CHECKING:
    import jsonschema.exceptions
    import jsonschema.protocols
    import referencing

# jsonschema and referencing (~50 ms to import) are imported when an instance is not valid by the
# compiled check (schemas/fastcheck.py), so a check of clean files never imports them.

__all__ = ["ID_PREFIX", "SchemaError", "best_errors", "load", "names", "validator"]

ID_PREFIX = "https://mlint.dev/schemas/"
_SUFFIX = ".json"
_REPR_LIMIT = 80
# A schema may carry "x-mlint-message" (a str.format template with {instance}) to replace
# jsonschema's generic text for these keywords, whose default messages are unreadable.
_CUSTOM = "x-mlint-message"
_CUSTOMIZABLE = frozenset({"not", "anyOf", "oneOf", "pattern"})


@dataclass(frozen=True)
class SchemaError:
    """One schema violation.

    `pointer` is the RFC 6901 JSON pointer of the failing instance location ("" = document
    root), `message` a concise human text, `schema_path` the failing keyword's location in
    the schema (slash-separated, for debugging and tests).
    """

    pointer: str
    message: str
    schema_path: str


def _files() -> Any:
    return resources.files(__name__)


@functools.cache
def names() -> tuple[str, ...]:
    """Names of all bundled schemas, sorted (the file names without `.json`)."""
    found = [
        entry.name[: -len(_SUFFIX)]
        for entry in _files().iterdir()
        if entry.name.endswith(_SUFFIX) and entry.is_file()
    ]
    return tuple(sorted(found))


@functools.cache
def _load_cached(name: str) -> dict[str, Any]:
    if name not in names():
        raise KeyError(f"unknown schema {name!r} (bundled: {', '.join(names())})")
    text = _files().joinpath(name + _SUFFIX).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"schema {name!r} is not a JSON object")
    return data


def load(name: str) -> dict[str, Any]:
    """The parsed schema `name` (cached; do not mutate the returned dict)."""
    return _load_cached(name)


@functools.cache
def _registry() -> referencing.Registry[Any]:
    import referencing
    import referencing.jsonschema

    pairs = []
    for schema_name in names():
        contents = load(schema_name)
        resource = referencing.Resource.from_contents(
            contents, default_specification=referencing.jsonschema.DRAFT202012
        )
        pairs.append((contents.get("$id", f"{ID_PREFIX}{schema_name}.json"), resource))
    return referencing.Registry().with_resources(pairs).crawl()


@functools.cache
def validator(name: str) -> jsonschema.protocols.Validator:
    """A compiled Draft 2020-12 validator for schema `name`, built once.

    Its registry holds every bundled schema, so `$ref` to ``https://mlint.dev/schemas/<other>.json``
    resolves without network access.
    """
    import jsonschema

    schema = load(name)
    cls = jsonschema.Draft202012Validator
    return cls(schema, registry=_registry())


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _pointer(path: Any) -> str:
    return "".join("/" + _escape(part) for part in path)


def _short_repr(instance: Any) -> str:
    return quote(instance, _REPR_LIMIT)


def _shorten(text: str, instance: Any) -> str:
    """Replace an embedded repr of a long instance by a truncated one."""
    full = repr(instance)
    if len(full) <= _REPR_LIMIT or full not in text:
        return text
    return text.replace(full, _short_repr(instance))


def _message(error: jsonschema.exceptions.ValidationError) -> str:
    custom = error.schema.get(_CUSTOM) if isinstance(error.schema, dict) else None
    if isinstance(custom, str) and error.validator in _CUSTOMIZABLE:
        return custom.format(instance=_short_repr(error.instance))
    if error.validator in ("anyOf", "oneOf") and error.context:
        import jsonschema.exceptions

        best = jsonschema.exceptions.best_match(error.context)
        if best is not None:
            total = len(error.validator_value) if isinstance(error.validator_value, list) else 0
            inner = _message(best)
            where = _pointer(best.relative_path)
            if where:
                inner = f"at {where}: {inner}"
            return f"{inner} (all {total} alternatives of {error.validator} failed)"
    return _shorten(error.message, error.instance)


def _sort_key(error: SchemaError) -> tuple[str, str, str]:
    return (error.pointer, error.schema_path, error.message)


# Performance (docs/performance.md): valid instances are answered by the compiled check
# (schemas/fastcheck.py); for the rest, jsonschema runs, and in a real tree the same broken env
# file or signature often repeats across runs.
# The result is a pure function of (schema, instance), and repr() tells apart every value a
# YAML/JSON loader produces (1 vs '1' vs True, 1.0 vs 1), so identical reprs share it.
_MEMO: dict[tuple[str, int, str], list[SchemaError]] = {}
_MEMO_MAX_ENTRIES, _MEMO_MAX_REPR = 4096, 65536


def best_errors(name: str, instance: Any, limit: int = 20) -> list[SchemaError]:
    """Validate `instance` against schema `name`; the errors, sorted by pointer.

    At most `limit` errors are returned. The order is deterministic (pointer, then schema
    path, then message).
    """
    if _valid(name, instance):
        return []  # exact (schemas/fastcheck.py): no repr, no memo entry, no jsonschema
    try:
        text = repr(instance)
    except RecursionError:
        text = ""
    if not text or len(text) > _MEMO_MAX_REPR:
        return _best_errors(name, instance, limit)
    key = (name, limit, text)
    if key not in _MEMO:
        if len(_MEMO) >= _MEMO_MAX_ENTRIES:
            _MEMO.clear()
        _MEMO[key] = _best_errors(name, instance, limit)
    return list(_MEMO[key])


@functools.cache
def _fast_check(name: str) -> Check | None:
    return compile_valid(name, load, ID_PREFIX)


def _valid(name: str, instance: Any) -> bool:
    """The compiled check's answer; False (jsonschema decides) where it has none."""
    check = _fast_check(name)
    try:
        return check is not None and check(instance)
    except RecursionError:
        return False


def _best_errors(name: str, instance: Any, limit: int) -> list[SchemaError]:
    found = [
        SchemaError(
            pointer=_pointer(error.absolute_path),
            message=_message(error),
            schema_path="/".join(str(part) for part in error.absolute_schema_path),
        )
        for error in validator(name).iter_errors(instance)
    ]
    found.sort(key=_sort_key)
    return found[:limit]
