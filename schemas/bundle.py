"""Keep every shipped schema self-contained: `python -m mlint.schemas.bundle [--check]`.

Editors (yaml-language-server) and `check-jsonschema` take one schema file; a `$ref` to
another file (`https://mlint.dev/schemas/input-example-info.json`) is fetched from the network
or fails. So a schema that uses another one carries a copy of it under `$defs/<name>`, with
its internal `$ref`s rewritten to point into the copy, and a `$comment` saying where it came
from. The other schema's own file stays the one source of truth: this module regenerates
the copies from it, and tests/schemas/test_schemas_bundled.py fails when a copy is stale.

Writing a schema: refer to another one by its `$id` (plus a `#/...` pointer if needed) and run
this module; the reference becomes `#/$defs/<name>/...` and the copy is added.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

BASE = "https://mlint.dev/schemas/"
SUFFIX = ".json"
_MARK = "bundled from "
_HOW = " by `python -m mlint.schemas.bundle`; edit that file, not this copy"
FOLDER = Path(__file__).resolve().parent


def schema_id(name: str) -> str:
    return f"{BASE}{name}{SUFFIX}"


def _name_of(uri: str) -> str | None:
    if uri.startswith(BASE) and uri.endswith(SUFFIX):
        return uri[len(BASE):-len(SUFFIX)]
    return None


def read(name: str, folder: Path = FOLDER) -> dict[str, Any]:
    data = json.loads((folder / f"{name}{SUFFIX}").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"schema {name!r} is not a JSON object")
    return data


def _rewrite_refs(node: Any, rewrite: Any) -> Any:
    if isinstance(node, dict):
        return {k: (rewrite(v) if k == "$ref" and isinstance(v, str) else _rewrite_refs(v, rewrite))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v, rewrite) for v in node]
    return node


def _copy_of(name: str, folder: Path) -> dict[str, Any]:
    """Schema `name` as a `$defs` entry: no `$schema`/`$id`, references into itself re-rooted."""
    source = read(name, folder)
    body = {k: v for k, v in source.items() if k not in ("$schema", "$id", "$comment")}

    def inner(ref: str) -> str:
        target, _, pointer = ref.partition("#")
        if target:
            raise ValueError(f"schema {name!r}: bundled copies cannot refer to other files ({ref})")
        return f"#/$defs/{name}{pointer}"

    body = _rewrite_refs(copy.deepcopy(body), inner)
    return {"$comment": f"{_MARK}{schema_id(name)}{_HOW}", **body}


def bundle(name: str, folder: Path = FOLDER) -> dict[str, Any]:
    """Schema `name` with every reference to another schema replaced by a local copy."""
    schema = read(name, folder)
    defs = dict(schema.get("$defs", {}))
    wanted = {key for key, value in defs.items()
              if isinstance(value, dict) and str(value.get("$comment", "")).startswith(_MARK)}
    own = {k: v for k, v in schema.items() if k != "$defs"}
    own_defs = {k: v for k, v in defs.items() if k not in wanted}

    def outer(ref: str) -> str:
        target, _, pointer = ref.partition("#")
        other = _name_of(target) if target else None
        if target and other is None:
            raise ValueError(f"schema {name!r}: unknown $ref {ref!r} (refer to {BASE}<name>{SUFFIX})")
        if other is None:
            return ref
        wanted.add(other)
        return f"#/$defs/{other}{pointer}"

    own = _rewrite_refs(own, outer)
    own_defs = _rewrite_refs(own_defs, outer)
    result = dict(own)
    merged = {**own_defs, **{other: _copy_of(other, folder) for other in sorted(wanted)}}
    if merged:
        # `$defs` keeps its place among the keys (the files list it after the properties).
        result = {}
        for key in schema:
            result[key] = merged if key == "$defs" else own[key]
        result.setdefault("$defs", merged)
    return result


def stale(folder: Path = FOLDER) -> list[str]:
    """Names of schemas whose file differs from its bundled form."""
    names = sorted(p.stem for p in folder.glob(f"*{SUFFIX}"))
    return [n for n in names if bundle(n, folder) != read(n, folder)]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    outdated = stale()
    if check:
        for name in outdated:
            print(f"schemas/{name}{SUFFIX} is not in sync with the schemas it bundles", file=sys.stderr)
        return 1 if outdated else 0
    for name in outdated:
        text = json.dumps(bundle(name), indent=2, ensure_ascii=False) + "\n"
        (FOLDER / f"{name}{SUFFIX}").write_text(text, encoding="utf-8")
        print(f"rewrote schemas/{name}{SUFFIX}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
