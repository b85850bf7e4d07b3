"""Nothing is ever executed: a pickle that would create a file when loaded stays inert."""

from __future__ import annotations

import gzip
import io
import pickle
import zipfile
from pathlib import Path

import pytest
from rawpickle import STOP, call1, glob, proto, u

import mlint.pickles as P


def canary_pickles(target: Path) -> list[bytes]:
    cmd = f"touch {target}"
    return [
        proto(2) + call1(glob("os", "system"), u(cmd)) + STOP,
        f"(S'{cmd}'\nios\nsystem\n.".encode(),
        # builtins.open(target, "w"): creates the file even without a shell
        proto(2) + glob("builtins", "open") + u(str(target)) + u("w") + b"\x86R" + STOP,
        proto(4) + u("os") + u("system") + b"\x93" + u(cmd) + b"\x85R" + STOP,
    ]


def test_scanning_never_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "canary-created"

    def forbidden(*a: object, **k: object) -> None:
        raise AssertionError("the scanner must never unpickle")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    for i, data in enumerate(canary_pickles(target)):
        variants = [data, gzip.compress(data)]
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w") as z:
            z.writestr("archive/data.pkl", data)
        variants.append(zbuf.getvalue())
        for j, v in enumerate(variants):
            p = tmp_path / f"c{i}_{j}.pkl"
            p.write_bytes(v)
            for rep in (P.scan_file(p), P.scan_bytes(v), P.scan_file(p, flavor="sklearn")):
                assert P.Kind.DANGEROUS_GLOBAL in rep.kinds
            P.sniff(p)
    assert not target.exists()
