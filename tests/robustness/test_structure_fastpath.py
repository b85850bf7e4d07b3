"""`structure_problem`'s plain-tree fast path must answer exactly as the general walk: these
inputs sit on each cap's edge, where a wrong fast path would say "fine" (or not)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml

import mlint.reading.structure as structure
from mlint.reading.structure import MAX_INT_BITS, structure_problem


def _nested(levels: int) -> list[Any]:
    data: list[Any] = []
    for _ in range(levels - 1):
        data = [data]
    return data


def _cycle() -> list[Any]:
    data: list[Any] = [1]
    data.append(data)
    return data


_SHARED = yaml.safe_load("a: &x [1, 2, 3]\nb: *x\nc: *x\n")  # one list object, used 3 times

CASES: list[tuple[str, Any, int, int]] = [
    ("plain", {"a": [1, 2.0, "s", None, True], "b": {"c": "d"}}, 100, 64),
    ("exactly max nodes", [1, 2, 3], 4, 64),  # 1 list + 3 scalars
    ("one over max nodes", [1, 2, 3], 3, 64),
    ("dict keys count", {"a": 1, "b": 2}, 5, 64),
    ("dict keys count, one over", {"a": 1, "b": 2}, 4, 64),
    ("exactly max depth", _nested(5), 100, 5),
    ("one over max depth", _nested(6), 100, 5),
    ("alias within caps", _SHARED, 100, 64),
    ("alias over the expanded cap", _SHARED, 12, 64),  # 1 + 3 keys + 3 x 4 expanded = 16
    ("cycle", _cycle(), 100, 64),
    ("long int", [1 << MAX_INT_BITS], 100, 64),
    ("int at the limit", [(1 << MAX_INT_BITS) - 1], 100, 64),
    ("long int as a key", {1 << MAX_INT_BITS: 1}, 100, 64),
    ("timestamp", {"t": datetime.datetime(2020, 1, 1)}, 100, 64),
    ("bytes", [b"\x00"], 100, 64),
    ("empty", {}, 1, 64),
    ("empty over zero", {}, 0, 64),
]


@pytest.mark.parametrize(("label", "data", "max_nodes", "max_depth"), CASES, ids=[c[0] for c in CASES])
def test_fast_path_agrees_with_the_general_walk(label: str, data: Any, max_nodes: int, max_depth: int,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fast = structure_problem(data, max_nodes, max_depth)
    monkeypatch.setattr(structure, "_plain_tree", lambda *args: False)
    assert fast == structure_problem(data, max_nodes, max_depth)


def test_fast_path_is_taken_for_plain_trees_and_declines_otherwise() -> None:
    assert structure._plain_tree({"a": [1, 2]}, 100, 64)
    assert not structure._plain_tree(_SHARED, 100, 64)
    assert not structure._plain_tree(_cycle(), 100, 64)
    assert not structure._plain_tree(_nested(6), 100, 5)
    assert not structure._plain_tree([1, 2, 3], 3, 64)
