"""Structural caps on parsed documents: alias bombs, cycles, nesting depth, huge integers.

`files.py` applies them to every parsed file (`check_structure`). Rules walk documents
freely, so the loader refuses what would make them blow up; see `structure_problem`.
"""

from __future__ import annotations

from typing import Any

# A YAML alias bomb expands a few hundred bytes into billions of nodes when walked.
MAX_EXPANDED_NODES = 2_000_000
# MLflow's files nest under ten levels; rules and jsonschema recurse per level.
MAX_NESTING_DEPTH = 64
# ~4,200 decimal digits: below Python's str(int) limit of 4300.
MAX_INT_BITS = 14_000


_DONE = object()


def structure_problem(data: Any, max_nodes: int = MAX_EXPANDED_NODES,
                      max_depth: int = MAX_NESTING_DEPTH) -> str:
    """Why parsed `data` is unsafe to hand to rules ('' when it is fine).

    Rules walk documents freely (recursively, with str() on any value), so the engine refuses
    what would make them blow up: YAML alias bombs (node count with aliases expanded at every
    use), self-referencing aliases (`&a [*a]`, a cycle), nesting deeper than `max_depth`
    (recursive code hits Python's recursion limit) and ints too long for str(). Iterative,
    memoised by identity: linear in the parsed size even for alias bombs.
    """
    if not isinstance(data, (dict, list)):
        return _scalar_problem(data)
    if _plain_tree(data, max_nodes, max_depth):
        return ""
    memo: dict[int, int] = {}  # id → expanded size of a finished container
    active = {id(data)}
    stack: list[list[Any]] = [[data, _children(data), 1]]
    while stack:
        frame = stack[-1]
        child = next(frame[1], _DONE)
        if child is _DONE:
            stack.pop()
            active.discard(id(frame[0]))
            memo[id(frame[0])] = frame[2]
            if stack:
                stack[-1][2] += frame[2]
                if stack[-1][2] > max_nodes:
                    return f"expands to over {max_nodes:,} nodes (YAML aliases)"
            continue
        if not isinstance(child, (dict, list)):
            problem = _scalar_problem(child)
            if problem:
                return problem
            frame[2] += 1
        elif id(child) in active:
            return "contains a value that refers to itself (recursive YAML alias)"
        elif id(child) in memo:
            frame[2] += memo[id(child)]
        elif len(stack) >= max_depth:
            return f"is nested deeper than {max_depth} levels"
        else:
            active.add(id(child))
            stack.append([child, _children(child), 1])
        if frame[2] > max_nodes:
            return f"expands to over {max_nodes:,} nodes (YAML aliases)"
    return ""


def _plain_tree(data: dict[Any, Any] | list[Any], max_nodes: int, max_depth: int) -> bool:
    """True when `data` is certainly fine: a tree (no container reached twice, so no alias
    and no cycle) of plain JSON/YAML values within both caps. False means "not sure": the
    exact walk above decides. Every parsed file goes through here and nearly all are plain
    trees; this walk is ~3x cheaper than the general one (no generators, no memo)."""
    count = 0
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            return False  # shared (a YAML alias) or a cycle
        seen.add(id(node))
        count += 1
        for child in ([x for pair in node.items() for x in pair] if type(node) is dict else node):
            kind = type(child)
            if kind is str or kind is float or kind is bool or child is None:
                count += 1
            elif kind is dict or kind is list:
                if depth >= max_depth:
                    return False
                stack.append((child, depth + 1))
            elif kind is int and child.bit_length() <= MAX_INT_BITS:
                count += 1
            else:
                return False  # long ints, timestamps, subclasses: not plain
        if count > max_nodes:
            return False
    return True


def _children(node: dict[Any, Any] | list[Any]) -> Any:
    if isinstance(node, dict):
        return (x for pair in node.items() for x in pair)
    return iter(node)


def _scalar_problem(value: Any) -> str:
    # str() of an int over 4300 decimal digits raises ValueError (CVE-2020-10735 limit);
    # a YAML hex literal can produce one without tripping the parser.
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        return "holds an integer with over 4,000 digits"
    return ""
