"""Output formats. Each reporter renders a finished `Report` to a text stream.

A reporter is `render(report, out, options)`; `Options` carries what some formats need
beyond the findings (rule metadata for SARIF, whether suppressed findings are shown).

`REPORTERS` imports a format's module only when that format is asked for: a pre-commit run
printing text does not pay for SARIF's or JUnit's imports (docs/performance.md, start-up).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, TextIO

from mlint.reporters.options import Options

if TYPE_CHECKING:
    from mlint.core.engine import Report

Reporter = Callable[["Report", TextIO, Options], None]

# Format name -> module under mlint.reporters defining `render`, in the order shown to users.
_MODULES = {
    "full": "full",
    "concise": "concise",
    "grouped": "grouped",
    "json": "json_format",
    "jsonl": "jsonl",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
}


class _Reporters(Mapping[str, Reporter]):
    """The formats by name; a format's module is imported on first lookup."""

    def __getitem__(self, name: str) -> Reporter:
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        render: Reporter = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)

    def __contains__(self, name: object) -> bool:
        return name in _MODULES


REPORTERS: Mapping[str, Reporter] = _Reporters()

__all__ = ["REPORTERS", "Options", "Reporter"]
