"""pandas, imported on first use (~0.3 s): tensor-based signatures and params are enforced
with numpy alone, and a check with no column-based example never needs pandas.

Enforcement modules write `pd.DataFrame(...)` as before; at run time `pd` is `PANDAS`, which
imports pandas when an attribute is first asked for. Type checkers see the real module.
`is_pandas(value, "Series", …)` answers "is this a pandas object?" without importing pandas:
when pandas is not imported yet, nothing can be an instance of its classes.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class LazyModule:
    """A stand-in for a module that is imported on the first attribute access."""

    def __init__(self, name: str) -> None:
        self._lazy_name = name
        self._lazy_module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._lazy_module
        if module is None:
            module = self._lazy_module = importlib.import_module(self._lazy_name)
        return getattr(module, attr)


PANDAS = LazyModule("pandas")


def is_pandas(value: Any, *classes: str) -> bool:
    """isinstance(value, pandas.<class>) for any of `classes`, without importing pandas."""
    module = sys.modules.get("pandas")
    return module is not None and isinstance(value, tuple(getattr(module, c) for c in classes))


def is_pandas_null(value: Any) -> bool:
    """`value is pandas.NA or value is pandas.NaT`, without importing pandas."""
    module = sys.modules.get("pandas")
    return module is not None and (value is module.NA or value is module.NaT)
