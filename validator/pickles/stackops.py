"""Stack helpers and the data-building opcodes of the symbolic machine.

Split from machine.py to keep modules small: these handlers only move symbolic values
around (constants, tuples, lists, dicts, sets); imports, calls and the memo live in
machine.py.
"""

from __future__ import annotations

from typing import Any

from .collect import Collector
from .model import Kind, Limits, Severity
from .opcodes import Skipped
from .values import GetattrVal, GlobalVal, Map, Obj, Seq, Unknown, describe


class StackError(Exception):
    """The stream would make the real unpickler fail (underflow, missing MARK...)."""

    def __init__(self, offset: int, msg: str) -> None:
        super().__init__(f"{msg} at offset {offset}")
        self.offset = offset


class StackOps:
    stack: list[Any]
    meta: list[list[Any]]
    col: Collector
    lim: Limits
    version_keys: Any

    # -- helpers -------------------------------------------------------------------------
    def pop(self, off: int) -> Any:
        if not self.stack:
            raise StackError(off, "stack underflow")
        return self.stack.pop()

    def pop_mark(self, off: int) -> list[Any]:
        if not self.meta:
            raise StackError(off, "no MARK to pop to")
        items = self.stack
        self.stack = self.meta.pop()
        return items

    def top(self, off: int) -> Any:
        if not self.stack:
            raise StackError(off, "stack underflow")
        return self.stack[-1]

    def discard(self, v: Any, off: int) -> None:
        if isinstance(v, Obj) and not v.memoized and not self.col.benign_callable(v.func):
            self.col.add(Kind.DISCARDED_CALL, Severity.WARNING,
                         f"result of call to {describe(v.func)} is discarded: the call exists "
                         "only for its side effects", off)

    def mutate_target(self, target: Any, off: int, what: str) -> None:
        if isinstance(target, GlobalVal):
            self.col.add(Kind.GLOBAL_MUTATION, Severity.ERROR,
                         f"{what} modifies the imported object {target.module}.{target.name} "
                         "itself (monkey-patching at load time)", off,
                         module=target.module, name=target.name)

    def on_item(self, k: Any, v: Any, off: int) -> None:
        if isinstance(k, str) and k in self.version_keys and isinstance(v, str):
            self.col.on_version(self.version_keys[k], v, f"state key {k}", off)

    # -- opcodes ---------------------------------------------------------------------------
    def push_const(self, arg: Any, off: int) -> None:
        self.stack.append(Unknown(f"large {arg.type}") if isinstance(arg, Skipped) else arg)

    op_INT = op_BININT = op_BININT1 = op_BININT2 = op_LONG = op_LONG1 = op_LONG4 = push_const
    op_FLOAT = op_BINFLOAT = op_STRING = op_BINSTRING = op_SHORT_BINSTRING = push_const
    op_UNICODE = op_BINUNICODE = op_SHORT_BINUNICODE = op_BINUNICODE8 = push_const
    op_BINBYTES = op_SHORT_BINBYTES = op_BINBYTES8 = op_BYTEARRAY8 = push_const

    def op_NONE(self, arg: Any, off: int) -> None:
        self.stack.append(None)

    def op_NEWTRUE(self, arg: Any, off: int) -> None:
        self.stack.append(True)

    def op_NEWFALSE(self, arg: Any, off: int) -> None:
        self.stack.append(False)

    def op_MARK(self, arg: Any, off: int) -> None:
        self.meta.append(self.stack)
        self.stack = []

    def op_POP(self, arg: Any, off: int) -> None:
        if self.stack:
            self.discard(self.stack.pop(), off)
        else:
            for v in self.pop_mark(off):
                self.discard(v, off)

    def op_POP_MARK(self, arg: Any, off: int) -> None:
        for v in self.pop_mark(off):
            self.discard(v, off)

    def op_DUP(self, arg: Any, off: int) -> None:
        v = self.top(off)
        if isinstance(v, GetattrVal):
            v.pushes += 1
        self.stack.append(v)

    def op_FRAME(self, arg: Any, off: int) -> None:
        # Framing only batches reads, but _pickle.c reads the whole declared frame first and
        # fails ("pickle data was truncated") when fewer bytes follow; checked at STOP, where a
        # frame written by a real pickler always ends. Only the end offset is kept: a declared
        # length of 4 EiB costs nothing.
        if isinstance(arg, int):
            self.frame_end = off + 9 + arg

    def op_READONLY_BUFFER(self, arg: Any, off: int) -> None:
        self.top(off)

    def op_NEXT_BUFFER(self, arg: Any, off: int) -> None:
        self.col.add(Kind.OUT_OF_BAND, Severity.WARNING,
                     "out-of-band buffer (NEXT_BUFFER): the stream cannot load from a file", off)
        self.stack.append(Unknown("out-of-band buffer"))

    def op_PERSID(self, arg: Any, off: int) -> None:
        self.persistent(off)

    def op_BINPERSID(self, arg: Any, off: int) -> None:
        self.pop(off)
        self.persistent(off)

    def persistent(self, off: int) -> None:
        if not self.col.persistent_ids_expected:
            self.col.add(Kind.PERSISTENT_ID, Severity.INFO,
                         "persistent id: the object comes from the loader's persistent_load", off)
        self.stack.append(Unknown("persistent id"))

    def op_EMPTY_LIST(self, arg: Any, off: int) -> None:
        self.stack.append(Seq("list"))

    def op_EMPTY_SET(self, arg: Any, off: int) -> None:
        self.stack.append(Seq("set"))

    def op_EMPTY_DICT(self, arg: Any, off: int) -> None:
        self.stack.append(Map())

    def op_EMPTY_TUPLE(self, arg: Any, off: int) -> None:
        self.stack.append(())

    # Pop the mark before touching self.stack: pop_mark rebinds it (`self.stack.append(
    # self.pop_mark())` would append to the discarded inner list).
    def op_TUPLE(self, arg: Any, off: int) -> None:
        t = tuple(self.pop_mark(off))
        self.stack.append(t)

    def op_TUPLE1(self, arg: Any, off: int) -> None:
        self.stack.append((self.pop(off),))

    def op_TUPLE2(self, arg: Any, off: int) -> None:
        b = self.pop(off)
        self.stack.append((self.pop(off), b))

    def op_TUPLE3(self, arg: Any, off: int) -> None:
        c = self.pop(off)
        b = self.pop(off)
        self.stack.append((self.pop(off), b, c))

    def op_LIST(self, arg: Any, off: int) -> None:
        items = self.pop_mark(off)
        self.stack.append(Seq("list", items, self.lim.keep_items))

    def op_FROZENSET(self, arg: Any, off: int) -> None:
        items = self.pop_mark(off)
        self.stack.append(Seq("frozenset", items, self.lim.keep_items))

    def op_DICT(self, arg: Any, off: int) -> None:
        items = self.pop_mark(off)
        m = Map()
        for i in range(0, len(items) - 1, 2):
            m.put(items[i], items[i + 1], self.lim.keep_items)
            self.on_item(items[i], items[i + 1], off)
        self.stack.append(m)

    def append_to(self, target: Any, vals: list[Any], off: int, what: str) -> None:
        self.mutate_target(target, off, what)
        if isinstance(target, Seq):
            target.extend(vals, self.lim.keep_items)

    def op_APPEND(self, arg: Any, off: int) -> None:
        v = self.pop(off)
        self.append_to(self.top(off), [v], off, "APPEND")

    def op_APPENDS(self, arg: Any, off: int) -> None:
        items = self.pop_mark(off)
        self.append_to(self.top(off), items, off, "APPENDS")

    def op_ADDITEMS(self, arg: Any, off: int) -> None:
        items = self.pop_mark(off)
        self.append_to(self.top(off), items, off, "ADDITEMS")

    def set_items(self, target: Any, items: list[Any], off: int, what: str) -> None:
        if type(target) is not Map:
            self.mutate_target(target, off, what)
        keep, vk = self.lim.keep_items, self.version_keys
        for i in range(0, len(items) - 1, 2):
            k = items[i]
            if type(target) is Map:
                target.put(k, items[i + 1], keep)
            if type(k) is str and k in vk:
                self.on_item(k, items[i + 1], off)

    def op_SETITEM(self, arg: Any, off: int) -> None:
        v = self.pop(off)
        k = self.pop(off)
        self.set_items(self.top(off), [k, v], off, "SETITEM")

    def op_SETITEMS(self, arg: Any, off: int) -> None:
        items = self.pop_mark(off)
        self.set_items(self.top(off), items, off, "SETITEMS")
