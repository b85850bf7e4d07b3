"""Symbolic pickle machine: walks one pickle stream the way `_pickle.c` would load it.

It mirrors the unpickler's stack, mark stack and memo with symbolic values, so that
STACK_GLOBAL operands are resolved exactly as at load time (through MEMOIZE/PUT -> GET), the
discarded results of calls are noticed, and joblib's raw array buffers can be skipped by
reading the NumpyArrayWrapper's shape and dtype from its pickled state.
"""

from __future__ import annotations

from typing import Any

from . import opcodes as oc
from .calls import CallOps
from .collect import Collector
from .joblibfmt import JoblibFrameError, skip_wrapper_payload, wrapper_class
from .model import Kind, Severity
from .policy import normalize, state_version_keys
from .stackops import StackError, StackOps
from .stream import CapReached, Reader
from .values import GetattrVal, GlobalVal, Map, Obj, Seq, Unknown, describe

_GETATTR = ("builtins", "getattr")

_TABLES: dict[type, list[Any]] = {}


def _handler_table(cls: type) -> list[Any]:
    """Unbound `op_*` functions of `cls` indexed by opcode byte (None: not handled here)."""
    table = _TABLES.get(cls)
    if table is None:
        table = _TABLES[cls] = [getattr(cls, "op_" + n, None) if n else None for n in oc.NAMES]
    return table


class Machine(CallOps, StackOps):
    def __init__(self, reader: Reader, col: Collector, depth: int = 0) -> None:
        self.r = reader
        self.col = col
        self.lim = col.limits
        self.depth = depth
        self.stack: list[Any] = []
        self.meta: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.proto_seen = False
        self.ops = 0
        self.result: Any = None
        self.wrapper_seen = False
        self.frame_end = 0  # end offset of the last FRAME (see op_FRAME)
        self.version_keys = state_version_keys()
        # Handlers indexed by opcode byte: avoids a name lookup per opcode. Built once per
        # class, not per machine: 256 getattr calls per stream were a fifth of a small scan
        # (every sniffed file runs a machine over its head).
        self.handlers = _handler_table(type(self))

    # -- main loop -----------------------------------------------------------------------
    def run(self) -> Any:
        """Walk until STOP. Raises Truncated/BadOpcode/BadArgument/StackError/CapReached."""
        r, col, lim = self.r, self.col, self.lim
        handlers, kinds = self.handlers, oc.ARGKIND
        keep, maxline = lim.keep_string, lim.max_line
        stop, none_kind, u1, uni1 = oc.CODE["STOP"], oc.NONE, oc.U1, oc.UNI1
        memoize, max_memo = oc.CODE["MEMOIZE"], lim.max_memo
        read_arg = oc.read_arg
        first = True
        ops = self.ops
        arg: Any
        while True:
            # Hot path: read the opcode and the common 1-byte / short-string arguments
            # straight from the reader's buffer (this loop dominates on object-heavy pickles).
            buf, i = r.buf, r.i
            size = len(buf)  # buf only changes inside r's methods: re-read after them
            off = r.base + i
            if i < size:
                code = buf[i]
                r.i = i = i + 1
            else:
                code = r.byte()
                if code < 0:
                    raise oc.Truncated(off, "stream (no STOP opcode)")
                buf, i = r.buf, r.i
                size = len(buf)
            kind = kinds[code]
            if kind == none_kind:
                arg = None
            elif kind == u1 and i < size:
                arg = buf[i]
                r.i = i + 1
            elif kind == uni1 and i < size and i + 1 + buf[i] <= size and buf[i] <= keep:
                n = buf[i]
                try:
                    arg = buf[i + 1 : i + 1 + n].decode("utf-8", "surrogatepass")
                except UnicodeDecodeError:
                    arg = read_arg(r, code, kind, off, keep, maxline)  # raises with context
                r.i = i + 1 + n
            elif kind < 0:
                raise oc.BadOpcode(off, code)
            else:
                arg = read_arg(r, code, kind, off, keep, maxline)
            ops += 1
            if ops & 0xFFF == 0:
                self.ops = ops
                col.budget.check_time()
                if ops > lim.max_ops:
                    raise CapReached(f"opcode cap of {lim.max_ops} reached")
                if len(self.stack) > lim.max_stack or len(self.meta) > lim.max_stack:
                    raise CapReached(f"stack cap of {lim.max_stack} entries reached")
            if code == memoize:
                # Inlined `memo_put(len(memo), off)` for the common case (protocol 4+ memoizes
                # after nearly every value); the method handles the errors and the cap.
                stack, memo = self.stack, self.memo
                if stack and len(memo) < max_memo:
                    v = stack[-1]
                    if isinstance(v, (Obj, Seq, Map)):
                        v.memoized = True
                    memo[len(memo)] = v
                else:
                    self.memo_put(len(memo), off)
            elif code == stop:
                self.ops = ops
                self.finish_stream(off)
                return self.result
            elif code == 0x80:  # PROTO
                self.on_proto(arg, off, first)
            else:
                handlers[code](self, arg, off)
            first = False

    def on_proto(self, arg: Any, off: int, first: bool) -> None:
        if not first or self.proto_seen:
            self.col.add(Kind.PROTO, Severity.WARNING,
                         "PROTO opcode not at the start of the stream (or repeated)", off)
        if not isinstance(arg, int) or arg > 5:
            self.col.add(Kind.PROTO, Severity.ERROR,
                         f"unsupported pickle protocol {arg}: the stream cannot load", off)
        self.proto_seen = True

    def finish_stream(self, off: int) -> None:
        frame_end = self.frame_end
        if frame_end > off + 1:
            self.col.add(Kind.TRUNCATED, Severity.ERROR,
                         f"FRAME declares {frame_end - off - 1:,} more bytes than the stream holds at "
                         "STOP: pickle.load fails with 'pickle data was truncated'", off)
        self.result = self.pop(off)
        leftovers = self.stack + [v for frame in self.meta for v in frame]
        if leftovers:
            self.col.add(Kind.STACK, Severity.WARNING,
                         f"{len(leftovers)} value(s) left on the stack at STOP", off)
            for v in leftovers:
                self.discard(v, off)

    # memo
    def memo_put(self, idx: int, off: int) -> None:
        if not self.stack:
            raise StackError(off, "memoizing with an empty stack")
        v = self.stack[-1]
        if isinstance(v, (Obj, Seq, Map)):
            v.memoized = True
        if idx < 0:
            raise StackError(off, "negative memo index")
        memo = self.memo
        if len(memo) >= self.lim.max_memo and idx not in memo:
            raise CapReached(f"memo cap of {self.lim.max_memo} entries reached")
        self.memo[idx] = v

    def op_PUT(self, arg: Any, off: int) -> None:
        self.memo_put(arg, off)

    op_BINPUT = op_LONG_BINPUT = op_PUT

    def op_MEMOIZE(self, arg: Any, off: int) -> None:
        self.memo_put(len(self.memo), off)

    def op_GET(self, arg: Any, off: int) -> None:
        v = self.memo.get(arg, self)
        if v is self:
            self.col.add(Kind.MEMO, Severity.ERROR,
                         f"GET of memo index {arg}, which was never set: loading fails here", off)
            v = Unknown("unset memo entry")
        elif isinstance(v, GetattrVal):
            v.pushes += 1
        self.stack.append(v)

    op_BINGET = op_LONG_BINGET = op_GET

    # imports and calls
    def op_GLOBAL(self, arg: Any, off: int) -> None:
        module, name = arg
        if normalize(module, name) == _GETATTR:
            # Judged where it is called (op_REDUCE) or, failing that, at the end of the scan.
            val = GetattrVal(module, name, off)
            self.col.getattrs.append(val)
            self.stack.append(val)
            return
        self.col.on_global(module, name, off)
        if wrapper_class(module, name):
            # From here on, any BUILD whose class we cannot name might be a wrapper built in
            # a roundabout way (e.g. through functools.partial) followed by raw bytes.
            self.wrapper_seen = self.col.saw_joblib = True
        self.stack.append(GlobalVal(module, name, off))

    def op_STACK_GLOBAL(self, arg: Any, off: int) -> None:
        name = self.pop(off)
        module = self.pop(off)
        if isinstance(module, str) and isinstance(name, str):
            self.op_GLOBAL((module, name), off)
            return
        self.col.add(Kind.UNRESOLVED_GLOBAL, Severity.ERROR,
                     f"STACK_GLOBAL operands are not constant strings ({describe(module)}, "
                     f"{describe(name)}): the import cannot be verified", off, dedupe=False)
        self.stack.append(GlobalVal("?", "?", off, resolved=False))

    def ext(self, arg: Any, off: int) -> None:
        self.col.add(Kind.UNRESOLVED_GLOBAL, Severity.ERROR,
                     f"extension code {arg} imports through the copyreg extension registry, "
                     "which static analysis cannot see", off, dedupe=False)
        self.stack.append(GlobalVal("?", "?", off, resolved=False))

    op_EXT1 = op_EXT2 = op_EXT4 = ext

    def op_NEWOBJ(self, arg: Any, off: int) -> None:
        args = self.pop(off)
        cls = self.pop(off)
        self.stack.append(Obj(cls, args, off, "new"))

    def op_NEWOBJ_EX(self, arg: Any, off: int) -> None:
        self.pop(off)
        args = self.pop(off)
        cls = self.pop(off)
        self.stack.append(Obj(cls, args, off, "new"))

    def op_INST(self, arg: Any, off: int) -> None:
        module, name = arg
        self.col.on_global(module, name, off)
        args = tuple(self.pop_mark(off))
        self.stack.append(Obj(GlobalVal(module, name, off), args, off, "inst"))

    def op_OBJ(self, arg: Any, off: int) -> None:
        items = self.pop_mark(off)
        if not items:
            raise StackError(off, "OBJ without a class")
        self.stack.append(Obj(items[0], tuple(items[1:]), off, "obj"))

    def op_BUILD(self, arg: Any, off: int) -> None:
        state = self.pop(off)
        inst = self.top(off)
        self.mutate_target(inst, off, "BUILD")
        if isinstance(inst, Obj):
            inst.state = state
        cls = inst.cls() if isinstance(inst, Obj) else None
        if cls is not None and wrapper_class(cls.module, cls.name):
            self.joblib_payload(inst, state, off)
        elif self.wrapper_seen and cls is None:
            # joblib decides at run time (isinstance) whether raw bytes follow; if we cannot
            # tell what this object is, we cannot tell where the next opcode starts.
            raise JoblibFrameError(off, "BUILD on an object of unknown class in a joblib stream")

    def joblib_payload(self, inst: Obj, state: Any, off: int) -> None:
        nested = skip_wrapper_payload(self.r, state, off)
        if nested:
            # Object arrays are a complete nested pickle stream right here.
            if self.depth >= self.lim.max_depth:
                raise CapReached("nesting depth cap reached in joblib object array")
            Machine(self.r, self.col, self.depth + 1).run()
        self.stack[-1] = Unknown("joblib array")
