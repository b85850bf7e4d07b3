"""JSON pointer → (line, column), from YAML node marks.

check-jsonschema loses positions because it parses to plain data. mlint parses fast
without marks and, only for a file that has a diagnostic, composes the YAML node graph
(JSON is YAML for this purpose) and walks it along the pointer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from mlint.reading.files import Document

try:
    _Composer: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Composer = yaml.SafeLoader

# Composing keeps every node in memory; beyond this size a file is located as a whole.
MAX_COMPOSE_CHARS = 8 * 1024 * 1024


def split_pointer(pointer: str) -> list[str]:
    """RFC 6901 tokens of `pointer` ('' is the whole document)."""
    if not pointer:
        return []
    # Only the one leading "/" goes: "//" is the pointer to key "" inside key "".
    body = pointer[1:] if pointer.startswith("/") else pointer
    return [t.replace("~1", "/").replace("~0", "~") for t in body.split("/")]


def join_pointer(*tokens: object) -> str:
    """Build a JSON pointer from raw tokens."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def locate_pointer(doc: Document, pointer: str) -> tuple[int, int]:
    """Line and column (1-based) of the deepest node along `pointer`; (0, 0) if unknown."""
    if doc._marks is None:
        doc._marks = _compose(doc.text)
    node = doc._marks
    if node is False:
        return (0, 0)
    if not pointer:
        return (1, 1) if node is None else _mark(node)
    best: tuple[int, int] = (0, 0)
    for token in split_pointer(pointer):
        child = _child(node, token)
        if child is None:
            break
        key_node, node = child
        best = _mark(key_node if key_node is not None else node)
    return best


def _compose(text: str) -> yaml.Node | bool | None:
    if len(text) > MAX_COMPOSE_CHARS:
        return False
    try:
        return yaml.compose(text, Loader=_Composer)
    except (yaml.YAMLError, RecursionError):
        return False


def _child(node: yaml.Node, token: str) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == token:
                return key_node, value_node
        return None
    if isinstance(node, yaml.SequenceNode) and token.isdigit():
        index = int(token)
        if index < len(node.value):
            return None, node.value[index]
    return None


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)
