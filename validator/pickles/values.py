"""Symbolic values the walker keeps on its stack instead of real objects.

Only what the analysis needs survives: constants (short ones), the identity of globals and
calls, and the first few items of containers (exact counts are kept). Nothing is ever
constructed or called.
"""

from __future__ import annotations

from typing import Any


class GlobalVal:
    __slots__ = ("module", "name", "offset", "resolved")

    def __init__(self, module: str, name: str, offset: int, resolved: bool = True) -> None:
        self.module = module
        self.name = name
        self.offset = offset
        self.resolved = resolved

    def __repr__(self) -> str:
        return f"<global {self.module}.{self.name}>" if self.resolved else "<unresolved global>"


class GetattrVal(GlobalVal):
    """`builtins.getattr`, judged where it is called: pickle writes bound methods as
    `getattr(obj, "name")` and zoneinfo/classmethod reducers as `getattr(Cls, "name")`; any
    other use (called on computed operands, stored, passed along) is dangerous. `pushes`
    counts how often the value is put on the stack (GLOBAL, GET, DUP), `safe` how often a
    REDUCE consumed it with checked operands."""

    __slots__ = ("pushes", "safe")

    def __init__(self, module: str, name: str, offset: int) -> None:
        super().__init__(module, name, offset)
        self.pushes = 1
        self.safe = 0


class BoundMethod:
    """`getattr(instance, "name")` on an instance of an allowlisted class: a bound method.
    Harmless as data (FunctionTransformer(scaler.transform)); calling it at load time is
    judged as the exact global `module:Class.name`."""

    __slots__ = ("memoized", "module", "qualname")

    def __init__(self, module: str, qualname: str) -> None:
        self.module = module
        self.qualname = qualname
        self.memoized = False

    def __repr__(self) -> str:
        return f"<bound method {self.module}.{self.qualname}>"


class Obj:
    """Result of REDUCE/NEWOBJ/INST/OBJ: a call that would happen at load time."""

    __slots__ = ("args", "func", "kind", "memoized", "offset", "state")

    def __init__(self, func: Any, args: Any, offset: int, kind: str) -> None:
        self.func = func
        self.args = args
        self.offset = offset
        self.state: Any = None
        self.memoized = False
        self.kind = kind

    def cls(self) -> GlobalVal | None:
        """The class this call instantiates, seen through copyreg's reconstruction helpers."""
        f = self.func
        if isinstance(f, GlobalVal):
            if (self.kind == "reduce" and f.module in ("copyreg", "copy_reg")
                    and f.name in ("_reconstructor", "__newobj__", "__newobj_ex__")):
                a = self.args
                if isinstance(a, tuple) and a and isinstance(a[0], GlobalVal):
                    return a[0]
                return None
            return f
        return None

    def __repr__(self) -> str:
        return f"<call {self.func!r}>"


class Seq:
    """list/set/frozenset; `items` holds at most `keep` entries, `count` is exact."""

    __slots__ = ("count", "items", "kind", "memoized")

    def __init__(self, kind: str, items: list[Any] | None = None, keep: int = 64) -> None:
        items = items or []
        self.kind = kind
        self.count = len(items)
        self.items = items[:keep]
        self.memoized = False

    def extend(self, vals: list[Any], keep: int) -> None:
        room = keep - len(self.items)
        if room > 0:
            self.items.extend(vals[:room])
        self.count += len(vals)


class Map:
    """dict; keeps at most `keep` pairs (count exact). Looking up a key is linear, on purpose:
    keys may be symbolic values that are not hashable."""

    __slots__ = ("count", "items", "memoized")

    def __init__(self) -> None:
        self.items: list[tuple[Any, Any]] = []
        self.count = 0
        self.memoized = False

    def put(self, k: Any, v: Any, keep: int) -> None:
        self.count += 1
        if len(self.items) < keep:
            self.items.append((k, v))

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in reversed(self.items):
            if k == key:
                return v
        return default

    def has(self, key: str) -> bool:
        return any(k == key for k, _ in self.items)


class Unknown:
    """A value the walker cannot know statically (persistent id, skipped payload, ...)."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why

    def __repr__(self) -> str:
        return f"<unknown: {self.why}>"


def describe(v: Any) -> str:
    """Short human description of a symbolic value, for messages."""
    if isinstance(v, str):
        return repr(v[:60])
    if isinstance(v, (GlobalVal, Obj, Unknown)):
        return repr(v)
    return type(v).__name__ if not isinstance(v, (Seq, Map)) else f"<{type(v).__name__.lower()}>"
