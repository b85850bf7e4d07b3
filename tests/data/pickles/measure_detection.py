"""Detection rate of the scanner on the opcode-built malicious corpus (tests/pickles/malicious.py).

    <python of some mlint version> tests/data/pickles/measure_detection.py

Runs whichever `mlint` the interpreter imports (e.g. /work/main/.venv/bin/python for an older
checkout), never loads a corpus file. Flagged = at least one finding of severity error.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1].parent / "pickles"))

from malicious import cases

from mlint.pickles import scan_bytes


def main() -> None:
    flagged = 0
    all_cases = cases()
    for case in all_cases:
        rep = scan_bytes(case.data, flavor=case.flavor, role=case.role)
        errors = sorted({f.kind for f in rep.findings if f.severity.value == "error"})
        flagged += bool(errors)
        print(f"{'FLAGGED' if errors else 'missed '}  {case.klass:22} {case.name:32} {errors}")
    print(f"{flagged}/{len(all_cases)} flagged at error")


if __name__ == "__main__":
    main()
