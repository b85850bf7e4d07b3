"""Malicious and malformed pickles built from raw opcodes: each bypass class must be caught."""

from __future__ import annotations

import pytest
from rawpickle import (
    MEMOIZE,
    POP,
    STOP,
    binget,
    binput,
    call1,
    glob,
    proto,
    system_call,
    u,
)

from mlint.pickles import Container, Kind, Severity, scan_bytes


def kinds(data: bytes, flavor: str | None = None) -> set[str]:
    return set(scan_bytes(data, flavor=flavor).kinds)


ANCHOR_BYPASSES = [
    ("os", "system"),
    ("posix", "system"),
    ("nt", "system"),
    ("subprocess", "Popen"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("builtins", "compile"),
    ("builtins", "getattr"),
    ("builtins", "open"),
    ("builtins", "__import__"),
    ("__builtin__", "eval"),  # Python 2 name, remapped by pickle at load time
    ("commands", "getoutput"),  # Python 2, remapped to subprocess
    ("importlib", "import_module"),
    ("importlib._bootstrap", "_gcd_import"),
    ("pkgutil", "resolve_name"),
    ("runpy", "_run_code"),
    ("pickle", "loads"),
    ("_pickle", "loads"),
    ("marshal", "loads"),
    ("pip", "main"),
    ("pip._internal.cli.main", "main"),
    ("cProfile", "run"),
    ("profile", "run"),
    ("pdb", "run"),
    ("trace", "Trace.run"),
    ("idlelib.pyshell", "ModifiedInterpreter.runcode"),
    ("idlelib.run", "Executive.runcode"),
    ("uuid", "_get_command_stdout"),
    ("operator", "attrgetter"),
    ("operator", "methodcaller"),
    ("_operator", "attrgetter"),
    ("socket", "create_connection"),
    ("http.server", "HTTPServer"),
    ("webbrowser", "open"),
    ("ctypes", "CDLL"),
    ("torch.utils.collect_env", "run"),
    ("mlflow.projects.backend.local", "_run_entry_point"),
    ("numpy.testing._private.utils", "runstring"),
    ("timeit", "timeit"),
    ("code", "InteractiveInterpreter.runcode"),
    # attribute walks from an allowlisted module into a denied one
    ("numpy", "testing._private.utils.os.system"),
    ("sklearn", "utils.os.system"),
    ("collections", "OrderedDict.__init__.__globals__"),
]


@pytest.mark.parametrize(("module", "name"), ANCHOR_BYPASSES)
def test_denylisted_callables_are_dangerous(module: str, name: str) -> None:
    for data in (system_call("x", module, name),
                 glob(module, name) + b"(S'x'\ntR."):
        rep = scan_bytes(data, flavor="sklearn")
        dang = rep.by_kind(Kind.DANGEROUS_GLOBAL)
        assert dang, (module, name, rep.findings)
        assert dang[0].severity is Severity.ERROR
        assert dang[0].module == module and dang[0].name == name
        assert dang[0].reason


def test_protocol0_without_magic_inst() -> None:
    data = b"(S'touch /tmp/x'\nios\nsystem\n."
    rep = scan_bytes(data)
    assert rep.container is Container.PICKLE
    assert Kind.DANGEROUS_GLOBAL in rep.kinds
    assert rep.by_kind(Kind.DANGEROUS_GLOBAL)[0].offset == len(b"(S'touch /tmp/x'\n")


def test_stack_global_resolved_through_memo() -> None:
    # Strings memoized early, fetched back with BINGET, then STACK_GLOBAL: the operands are
    # never adjacent literal strings, which naive scanners miss.
    data = (proto(4) + u("builtins") + MEMOIZE + u("eval") + MEMOIZE + POP + POP
            + binget(0) + binget(1) + b"\x93" + u("1+1") + b"\x85R" + STOP)
    rep = scan_bytes(data)
    d = rep.by_kind(Kind.DANGEROUS_GLOBAL)
    assert d and (d[0].module, d[0].name) == ("builtins", "eval")
    assert Kind.UNRESOLVED_GLOBAL not in rep.kinds


def test_stack_global_through_put_and_long_binget() -> None:
    data = (proto(4) + u("os") + binput(7) + u("system") + b"r" + (9).to_bytes(4, "little")
            + POP + POP + binget(7) + b"j" + (9).to_bytes(4, "little") + b"\x93" + u("id")
            + b"\x85R" + STOP)
    d = scan_bytes(data).by_kind(Kind.DANGEROUS_GLOBAL)
    assert d and d[0].name == "system"


def test_stack_global_from_computed_operands_is_unresolved() -> None:
    computed = call1(glob("builtins", "str"), u("os"))  # a call result, not a constant
    data = proto(4) + computed + u("system") + b"\x93" + u("id") + b"\x85R" + STOP
    rep = scan_bytes(data)
    assert Kind.UNRESOLVED_GLOBAL in rep.kinds
    assert rep.by_kind(Kind.UNRESOLVED_GLOBAL)[0].severity is Severity.ERROR


def test_extension_registry_is_unresolved() -> None:
    assert Kind.UNRESOLVED_GLOBAL in kinds(proto(2) + b"\x82\x01" + b")R" + STOP)


def test_discarded_call_result() -> None:
    data = proto(2) + call1(glob("os", "system"), u("id")) + POP + b"N" + STOP
    assert {Kind.DISCARDED_CALL, Kind.DANGEROUS_GLOBAL} <= kinds(data)


def test_values_left_on_stack() -> None:
    data = proto(2) + call1(glob("mypkg", "side_effect"), b")") + b"N" + STOP
    assert {Kind.STACK, Kind.DISCARDED_CALL} <= kinds(data)


def test_build_on_imported_object_is_mutation() -> None:
    data = proto(2) + glob("collections", "OrderedDict") + b"}" + u("x") + b"Ns" + b"b" + STOP
    assert Kind.GLOBAL_MUTATION in kinds(data)


def test_get_of_unset_memo_index() -> None:
    assert Kind.MEMO in kinds(proto(2) + binget(5) + STOP)


def test_misplaced_and_duplicate_proto() -> None:
    assert Kind.PROTO in kinds(b"N" + proto(2) + STOP)
    assert Kind.PROTO in kinds(proto(2) + proto(2) + b"N" + STOP)
    rep = scan_bytes(proto(6) + b"N" + STOP)
    assert rep.by_kind(Kind.PROTO)[0].severity is Severity.ERROR


def test_invalid_opcode_is_incomplete() -> None:
    rep = scan_bytes(proto(2) + b"N\xff" + STOP)
    assert Kind.INVALID_OPCODE in rep.kinds
    assert not rep.complete and not rep.clean


def test_truncated_stream() -> None:
    data = system_call()
    for cut in (len(data) - 1, len(data) // 2, 3):
        rep = scan_bytes(data[:cut])
        assert not rep.complete
        assert Kind.TRUNCATED in rep.kinds


def test_truncated_large_payload_is_reported() -> None:
    data = proto(4) + b"\x8e" + (10**9).to_bytes(8, "little") + b"abc"
    rep = scan_bytes(data)
    assert Kind.TRUNCATED in rep.kinds and not rep.complete


def test_multiple_streams_second_is_scanned() -> None:
    data = proto(2) + b"N" + STOP + system_call()
    rep = scan_bytes(data)
    assert Kind.DANGEROUS_GLOBAL in rep.kinds
    assert Kind.TRAILING_DATA in rep.kinds  # info: pickle.load reads only the first


def test_trailing_garbage_after_stop() -> None:
    rep = scan_bytes(proto(2) + b"N" + STOP + b"\xff\xfe garbage")
    assert rep.by_kind(Kind.TRAILING_DATA)[0].severity is Severity.WARNING


def test_stack_underflow_is_reported() -> None:
    rep = scan_bytes(proto(2) + b"R" + STOP)
    assert Kind.STACK in rep.kinds and not rep.complete


def test_unknown_global_is_an_error_fail_closed() -> None:
    data = proto(2) + glob("mypkg.models", "Thing") + b")R" + STOP
    rep = scan_bytes(data)
    assert rep.by_kind(Kind.UNKNOWN_GLOBAL)[0].severity is Severity.ERROR
    assert not rep.clean
    # Where the artifact carries code by design the import is no security verdict (info)...
    code = scan_bytes(data, flavor="python_function", role="python_model")
    assert code.by_kind(Kind.UNKNOWN_GLOBAL)[0].severity is Severity.INFO
    # ...except __main__, which never imports where the model is served.
    main = proto(2) + glob("__main__", "Thing") + b")R" + STOP
    code = scan_bytes(main, flavor="python_function", role="python_model")
    assert code.by_kind(Kind.UNKNOWN_GLOBAL)[0].severity is Severity.ERROR


def test_code_globals_by_role() -> None:
    data = proto(2) + glob("cloudpickle.cloudpickle", "_make_function") + b")R" + STOP
    expected = scan_bytes(data, flavor="python_function", role="python_model")
    assert expected.kinds == {Kind.EXPECTED_CODE}
    assert expected.by_kind(Kind.EXPECTED_CODE)[0].severity is Severity.INFO
    bad = scan_bytes(data, flavor="sklearn", role="pickled_model")
    assert bad.by_kind(Kind.CODE_OBJECT)[0].severity is Severity.ERROR


def test_state_setter_pop_of_allowed_call_is_not_flagged() -> None:
    # pickle's own reduce 6-tuple pattern: setter(obj, state) REDUCE, then POP.
    data = proto(2) + call1(glob("collections", "OrderedDict"), b")") + POP + b"N" + STOP
    assert Kind.DISCARDED_CALL not in kinds(data)
