"""REDUCE, judged: what a call in the stream would call at load time.

Split from machine.py: `builtins.getattr` is judged where it is called (the two shapes pickle
itself writes pass, see docs/pickles.md), a bound method called while loading is judged as
that exact method, a function rebuilt from code in the stream and then called is
`code-called`, and calling the result of any other call is an unverifiable callee.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .collect import Collector
from .model import Kind, Severity, Verdict
from .values import BoundMethod, GetattrVal, GlobalVal, Obj, describe

# Code-tier globals whose result is a callable made of code from the stream (cloudpickle's
# by-value functions and classes, types.FunctionType).
_FUNCTION_MAKERS = frozenset({"_make_function", "_fill_function", "_make_skel_func",
                              "FunctionType", "LambdaType", "MethodType",
                              "_make_skeleton_class"})


class CallOps:
    stack: list[Any]
    col: Collector
    pop: Callable[[int], Any]  # StackOps.pop (an annotation only: never shadows it)

    def op_REDUCE(self, arg: Any, off: int) -> None:
        args = self.pop(off)
        func = self.pop(off)
        if isinstance(func, GetattrVal):
            got = self.getattr_result(args, off)
            if got is not None:
                func.safe += 1
                self.stack.append(got)
                return
        elif isinstance(func, BoundMethod):
            # A method of a rebuilt object called while loading: judged as that exact method.
            self.col.on_global(func.module, func.qualname, off)
        elif isinstance(func, Obj):
            if self.built_code(func):
                self.col.add(Kind.CODE_CALLED, Severity.ERROR,
                             f"calls a function rebuilt from code in the stream "
                             f"({describe(func.func)}) while loading: the pickle runs its own "
                             "code", off)
            elif not self.made_by_code(func, 8):
                # Calling the *result* of another call (functools.partial(f, ...)(), a bound
                # method held in a partial...) runs something no import names: plain-data
                # pickles never do it, and nothing about the callee can be verified.
                self.col.add(Kind.UNRESOLVED_GLOBAL, Severity.ERROR,
                             f"calls the result of {describe(func.func)}(...) while loading: "
                             "the callee cannot be verified statically", off, dedupe=False)
        self.stack.append(Obj(func, args, off, "reduce"))

    def made_by_code(self, obj: Obj, depth: int) -> bool:
        """`obj` comes out of a code-tier global (cloudpickle's `_builtin_type("CodeType")`,
        skeleton enums...): calling it is how cloudpickle rebuilds by-value objects, already
        reported as code (expected or not)."""
        f = obj.func
        if isinstance(f, GlobalVal) and f.resolved:
            return self.col.verdict_of(f.module, f.name) is Verdict.CODE
        if isinstance(f, Obj) and depth > 0:
            return self.made_by_code(f, depth - 1)
        return False

    def built_code(self, obj: Obj) -> bool:
        """`obj` is a function (or class) rebuilt from code in this stream. cloudpickle only
        ever stores such functions; calling one while loading runs the pickle's own code."""
        f = obj.func
        if isinstance(f, GlobalVal) and f.resolved and f.name in _FUNCTION_MAKERS:
            return self.col.verdict_of(f.module, f.name) is Verdict.CODE
        if isinstance(f, Obj) and isinstance(f.func, GlobalVal) and f.func.resolved \
                and f.func.name == "_builtin_type" and isinstance(f.args, tuple) \
                and f.args[:1] in (("FunctionType",), ("LambdaType",), ("MethodType",)):
            return self.col.verdict_of(f.func.module, f.func.name) is Verdict.CODE
        return False

    def getattr_result(self, args: Any, off: int) -> Any:
        """The value of `getattr(target, name)` when it is one of the two shapes pickle itself
        writes, else None (then the getattr is reported as dangerous).

        * `getattr(AllowedClass, "attr")` (zoneinfo, classmethod reducers): becomes the exact
          global `module:Class.attr`, classified like any import (so only an exact allowlist
          entry allows it; the denylist is checked on every sub-path).
        * `getattr(instance_of_AllowedClass, "name")` (bound methods): a BoundMethod value;
          calling it later while loading is judged as `module:Class.name`.
        Names must be plain identifiers, never dunders (`__globals__`, `__class__`...)."""
        if not (isinstance(args, tuple) and len(args) == 2 and isinstance(args[1], str)):
            return None
        target, name = args
        if not name.isidentifier() or name.startswith("__"):
            return None
        if isinstance(target, GlobalVal) and not isinstance(target, GetattrVal) \
                and target.resolved \
                and self.col.verdict_of(target.module, target.name) is Verdict.ALLOWED:
            qual = f"{target.name}.{name}"
            self.col.on_global(target.module, qual, off)
            return GlobalVal(target.module, qual, off)
        cls = target.cls() if isinstance(target, Obj) else None
        if cls is not None and not isinstance(cls, GetattrVal) and cls.resolved \
                and self.col.verdict_of(cls.module, cls.name) is Verdict.ALLOWED:
            return BoundMethod(cls.module, f"{cls.name}.{name}")
        return None

